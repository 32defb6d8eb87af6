"""Writing the outbox: planned alerts become Alert rows once each (their unique key decides), the
daily sweep's grouped into one digest per person and channel."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import psycopg
from django.db import connection
from django.utils import timezone

from .directory import Directory
from .models import REQUEST_DEADLINE_KINDS, Alert, AlertKind, AlertStatus


@dataclass(slots=True)
class Planned:
    """An alert a rule calls for; becomes an Alert row unless its key exists already. (Not frozen:
    a frozen dataclass's __init__ was a visible share of the sweep's time; nothing mutates these.)"""

    kind: str
    deadline: date
    channel: str
    subject: str
    body: str
    link: str = ""
    request_id: int | None = None
    unit_id: int | None = None
    recipient_id: int | None = None
    stage: int = 0
    bulletin_id: int | None = None
    key: str = field(init=False, default="")

    def __post_init__(self):
        self.key = Alert.make_key(self.request_id, self.kind, self.stage, self.deadline, self.recipient_id,
                                  self.unit_id, self.channel)

    def to_alert(self, *, digest: str = "", run: str = "") -> Alert:
        return Alert(
            request_id=self.request_id, unit_id=self.unit_id, kind=self.kind, stage=self.stage,
            deadline=self.deadline, recipient_id=self.recipient_id, channel=self.channel, key=self.key,
            subject=self.subject[:300], body=self.body, link=self.link[:500], bulletin_id=self.bulletin_id,
            digest=digest, run=run,
        )


INSERT_FIELDS = ("request", "unit", "kind", "stage", "deadline", "recipient", "channel", "key", "subject", "body",
                 "link", "bulletin", "digest", "run", "status", "attempts", "last_error", "claim", "created_at",
                 "address", "secret")  # the last two are the applicants' (notifications/applicants.py): empty here


# The columns that vary per alert, as PostgreSQL array types for unnest(); the rest are constants.
VARYING = (("request", "bigint"), ("unit", "bigint"), ("kind", "text"), ("stage", "integer"), ("deadline", "date"),
           ("recipient", "bigint"), ("channel", "text"), ("key", "text"), ("subject", "text"), ("body", "text"),
           ("link", "text"), ("bulletin", "bigint"), ("digest", "text"))


def _server_binding_cursor():
    """A cursor that sends the parameters apart from the statement (PostgreSQL): Django's default
    client-side binding quotes every element of the arrays into the SQL text in Python, a quarter of
    the sweep's time. Wrapped like Django's own cursors, so it is logged and counted as they are."""
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _table_and_columns() -> tuple[str, str]:
    meta = Alert._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in INSERT_FIELDS)
    return connection.ops.quote_name(meta.db_table), columns


def insert_alerts(planned: list[Planned], *, digest_for: Callable[[Planned], str], run: str) -> None:
    """One INSERT … ON CONFLICT DO NOTHING for all of `planned`; the unique key decides, so
    exactly-once is the database's.

    PostgreSQL: the values travel as one array per column and the INSERT selects from unnest() of
    them: a statement of fixed size, so psycopg neither parses a VALUES list of 20,000 placeholders
    (most of a 10,000-request sweep went there) nor quotes each value into it. SQLite: executemany
    reuses one prepared statement. (bulk_create prepared every value through the field classes and,
    on SQLite, split into a statement per 40-odd rows.)"""
    table, columns = _table_and_columns()
    now = timezone.now()
    if connection.vendor == "postgresql":
        arrays: list[list] = [[] for _ in VARYING]
        (request, unit, kind, stage, deadline, recipient, channel, key, subject, body, link, bulletin,
         digest) = arrays
        for p in planned:
            request.append(p.request_id)
            unit.append(p.unit_id)
            kind.append(str(p.kind))
            stage.append(p.stage)
            deadline.append(p.deadline)
            recipient.append(p.recipient_id)
            channel.append(str(p.channel))
            key.append(p.key)
            subject.append(p.subject[:300])
            body.append(p.body)
            link.append(p.link[:500])
            bulletin.append(p.bulletin_id)
            digest.append(digest_for(p))
        names = ", ".join(f"r.{name}" for name, _type in VARYING)
        unnest = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in VARYING)
        sql = (f"INSERT INTO {table} ({columns}) "
               f"SELECT {names}, %s, %s, 0, '', '', %s, '', '' "
               f"FROM unnest({unnest}) AS r({', '.join(name for name, _type in VARYING)}) ON CONFLICT DO NOTHING")
        with _server_binding_cursor() as cursor:
            cursor.execute(sql, [run, AlertStatus.PENDING.value, now, *arrays])
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(INSERT_FIELDS))}) ON CONFLICT DO NOTHING"
    created_at = connection.ops.adapt_datetimefield_value(now)
    adapt_date = connection.ops.adapt_datefield_value
    dates: dict[date, object] = {}
    rows = []
    for p in planned:
        if p.deadline not in dates:
            dates[p.deadline] = adapt_date(p.deadline)
        rows.append((p.request_id, p.unit_id, p.kind, p.stage, dates[p.deadline], p.recipient_id, p.channel, p.key,
                     p.subject[:300], p.body, p.link[:500], p.bulletin_id, digest_for(p), run,
                     AlertStatus.PENDING.value, 0, "", "", created_at, "", ""))
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def inserted_keys(run: str, keys: list[str]) -> set[str]:
    """Which of `keys` this run inserted (a row a concurrent sweep inserted first is not ours)."""
    if connection.vendor == "postgresql":  # one array parameter, not an IN list psycopg must parse
        table, key = connection.ops.quote_name(Alert._meta.db_table), connection.ops.quote_name("key")
        with _server_binding_cursor() as cursor:
            cursor.execute(f"SELECT {key} FROM {table} WHERE run = %s AND {key} = ANY(%s::text[])", [run, keys])
            return {row[0] for row in cursor.fetchall()}
    return set(Alert.objects.filter(run=run, key__in=keys).values_list("key", flat=True))


def fan_out(directory: Directory, *, user_ids: Iterable[int], robot_units: Iterable[int], unit_id: int | None,
            **content) -> list[Planned]:
    """One alert per person and channel they take, and one per unit group robot."""
    planned = []
    for user_id in sorted(set(user_ids)):
        for channel in directory.personal_channels(user_id, unit_id):
            planned.append(Planned(channel=channel, recipient_id=user_id, unit_id=unit_id, **content))
    for robot_unit in sorted(set(robot_units)):
        for channel in directory.robot_channels(robot_unit):
            planned.append(Planned(channel=channel, recipient_id=None, unit_id=robot_unit, **content))
    return planned


# Kinds the daily sweep sends as one digest per person (or group robot) and channel: those about one
# request's deadline (the 天天监测, bulletins and calendar alerts are messages of their own).
DIGEST_KINDS = REQUEST_DEADLINE_KINDS
# Kinds a person may take at once, one message each (PersonPreference.immediate_escalations).
IMMEDIATE_KINDS = frozenset({AlertKind.OVERDUE, AlertKind.ESCALATED})


def digest_key(day: date, p: Planned) -> str:
    who = f"user{p.recipient_id}" if p.recipient_id else f"unit{p.unit_id}"
    return f"{day.isoformat()}|{who}|{p.channel}"


@dataclass
class Outbox:
    """Inserts planned alerts once each (the unique key); on a dry run only looks.

    With `digest_day` set (the daily sweep), the sweep's kinds are grouped per recipient and channel
    into that day's digest, except the overdue/escalated alerts of a person who wants them at once.
    """

    dry_run: bool = False
    digest_day: date | None = None
    directory: Directory | None = None
    created: list[Planned] = field(default_factory=list)
    run: str = field(default_factory=lambda: uuid.uuid4().hex)

    def digest_for(self, p: Planned) -> str:
        if self.digest_day is None or p.kind not in DIGEST_KINDS:
            return ""
        if p.recipient_id and p.kind in IMMEDIATE_KINDS and self.directory is not None:
            pref = self.directory.person_prefs.get(p.recipient_id)
            if pref is not None and pref.immediate_escalations:
                return ""
        return digest_key(self.digest_day, p)

    def write(self, planned: list[Planned]) -> None:
        """Two statements whatever the size: one INSERT … ON CONFLICT DO NOTHING, one SELECT of the keys
        this run inserted (a row a concurrent sweep inserted first is not ours to report)."""
        if not planned:
            return
        unique = {p.key: p for p in planned}
        if self.dry_run:
            existing = set(Alert.objects.filter(key__in=list(unique)).values_list("key", flat=True))
            self.created.extend(p for k, p in unique.items() if k not in existing)
            return
        insert_alerts(list(unique.values()), digest_for=self.digest_for, run=self.run)
        mine = inserted_keys(self.run, list(unique))
        self.created.extend(p for k, p in unique.items() if k in mine)


@dataclass
class SweepReport:
    today: date
    created: list[Planned]
    dry_run: bool = False

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for p in self.created:
            counts[p.kind] += 1
        return dict(counts)
