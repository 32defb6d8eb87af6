"""Deadline enforcement: the daily sweep writes alerts into the outbox; delivery sends them once.

Rules (条例 第三十、三十二、三十三、三十四条; 国办函〔2020〕109号; statute.md §6.3):

- Reply deadline (`DisclosureRequest.due_on`) within a unit's thresholds (default 5 and 1 working
  days): one reminder per threshold to the handler, or to the unit's clerks when none is assigned.
- Reply deadline passed: an overdue alert to the handler (or clerks) and the unit's heads; still
  open 3 working days after it: an escalated alert to the supervisors of the unit and its ancestors.
- Correction notice not sent within 7 working days of receipt (`correction_due_on`), consultations
  past their 15 working days, lapsed correction periods and fee payment periods: a prompt to act.
  Nothing is ever concluded automatically; staff confirm "视为放弃" through disclosure.services.
- A daily digest per supervisor: everything overdue or due within 2 working days in the subtree.

Catch-up. Alerts are keyed by the deadline they concern, never by the sweep date, and each rule
asks "which stage is this deadline in today?" rather than "is it exactly N days away?". With
thresholds 5 and 1, a deadline L working days away is in stage 5 when 1 < L <= 5 and in stage 1
when 0 <= L <= 1. A sweep that missed days sends the alert of the stage the deadline is in now
(if that stage's alert was not sent yet) and skips the stages already left behind: a reminder
"5 days left" that arrives with 1 day left would only mislead. Overdue and escalated alerts
likewise go out on the first sweep after the condition became true, however late.

The clock is read once by the caller and passed in as `today`; the calendar is loaded once.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

from disclosure import deadlines as dl
from disclosure.models import Consultation, DisclosureRequest, FeeNotice, StaffRole
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import OPEN_STATUSES, Status

from .directory import Directory, label, request_link, site_link
from .models import Alert, AlertKind
from .outbox import Outbox, Planned, SweepReport, fan_out
from .texts import AlertTexts

ESCALATE_AFTER_DAYS = 3
DIGEST_HORIZON_DAYS = 2
DIGEST_MAX_LINES = 300
BATCH_SIZE = 500
ONE_DAY = timedelta(days=1)
# The request columns a consultation or fee notice alert reads (never the encrypted applicant fields).
CHILD_FIELDS = ("request", "request__id", "request__ref", "request__unit_id", "request__handler_id", "request__status")


# --- the rules: one function per kind, each returns Planned alerts for one row ------------------


@dataclass
class Rules:
    today: date
    calendar: dl.WorkCalendar
    directory: Directory
    texts: AlertTexts = field(default_factory=AlertTexts, repr=False)  # the templates, rendered once

    _counts: dict[date, int] = field(default_factory=dict, repr=False)

    def workdays_from_today(self, day: date) -> int:
        """workdays_left (ahead) or working days overdue (behind), once per distinct date."""
        if day not in self._counts:
            if day >= self.today:
                self._counts[day] = dl.workdays_left(day, self.today, self.calendar)
            else:
                self._counts[day] = dl.workdays_between(day, self.today, self.calendar)
        return self._counts[day]

    def reply_deadline(self, req) -> list[Planned]:
        """One row of reply_deadline_rows: SQL has said which of reminder / overdue / escalated it needs."""
        d, today, texts = self.directory, self.today, self.texts
        unit = d.units[req.unit_id]
        common = {"request_id": req.pk, "deadline": req.due_on, "link": request_link(req.pk)}
        words = {"unit": unit.name, "label": label(req), "due_on": req.due_on, "link": common["link"]}
        if req.due_on >= today:
            if not req.needs_reminder:
                return []
            left = self.workdays_from_today(req.due_on)
            subject, body = texts.render(
                AlertKind.REMINDER, **words, received_on=req.received_on,
                when=texts.part("days_left", left=left) if left else texts.part("due_today"),
                provisional=texts.part("provisional") if req.due_is_provisional else "",
            )
            return fan_out(
                d, user_ids=d.handler_or_clerks(req), robot_units=[req.unit_id], unit_id=req.unit_id,
                kind=AlertKind.REMINDER, stage=req.stage, subject=subject, body=body, **common,
            )
        over = self.workdays_from_today(req.due_on)
        planned = []
        if req.needs_overdue:
            subject, body = texts.render(AlertKind.OVERDUE, **words, over=over)
            planned += fan_out(
                d, user_ids=d.handler_or_clerks(req) | d.role(req.unit_id, StaffRole.Role.HEAD),
                robot_units=[req.unit_id], unit_id=req.unit_id, kind=AlertKind.OVERDUE,
                subject=subject, body=body, **common,
            )
        if req.needs_escalated:
            supervisors = d.supervisors_over(req.unit_id)
            robot_units = set().union(*supervisors.values()) if supervisors else set()
            subject, body = texts.render(AlertKind.ESCALATED, **words, over=over)
            planned += fan_out(
                d, user_ids=supervisors, robot_units=robot_units, unit_id=req.unit_id,
                kind=AlertKind.ESCALATED, subject=subject, body=body, **common,
            )
        return planned

    def correction_notice(self, req) -> list[Planned]:
        """第三十条: the correction notice is due within 7 working days of receipt."""
        d = self.directory
        link = request_link(req.pk)
        subject, body = self.texts.render(
            AlertKind.CORRECTION_NOTICE_LATE, unit=d.units[req.unit_id].name, label=label(req), link=link,
            received_on=req.received_on, correction_due_on=req.correction_due_on,
        )
        return fan_out(
            d, user_ids=d.handler_or_clerks(req) | d.role(req.unit_id, StaffRole.Role.HEAD),
            robot_units=[req.unit_id], unit_id=req.unit_id, kind=AlertKind.CORRECTION_NOTICE_LATE,
            request_id=req.pk, deadline=req.correction_due_on, link=link, subject=subject, body=body,
        )

    def consultation(self, consultation) -> list[Planned]:
        """第三十二条 third party: the agency decides; 第三十四条 another body: silence = consent."""
        d, req, texts = self.directory, consultation.request, self.texts
        link = request_link(req.pk)
        advice = texts.part("advice_agency" if consultation.kind == Consultation.Kind.AGENCY else "advice_third_party")
        subject, body = texts.render(
            AlertKind.CONSULTATION_LAPSED, label=label(req), party=consultation.party, sent_on=consultation.sent_on,
            due_on=consultation.due_on, advice=advice, link=link,
        )
        return fan_out(
            d, user_ids=d.handler_or_clerks(req), robot_units=[req.unit_id], unit_id=req.unit_id,
            kind=AlertKind.CONSULTATION_LAPSED, request_id=req.pk, deadline=consultation.due_on, link=link,
            subject=subject, body=body,
        )

    def correction_period(self, req) -> list[Planned]:
        d = self.directory
        link = request_link(req.pk)
        subject, body = self.texts.render(AlertKind.CORRECTION_PERIOD_LAPSED, label=label(req),
                                          until=req.correction_period_until, link=link)
        return fan_out(
            d, user_ids=d.handler_or_clerks(req) | d.role(req.unit_id, StaffRole.Role.HEAD),
            robot_units=[req.unit_id], unit_id=req.unit_id, kind=AlertKind.CORRECTION_PERIOD_LAPSED,
            request_id=req.pk, deadline=req.correction_period_until, link=link, subject=subject, body=body,
        )

    def fee_period(self, fee) -> list[Planned]:
        d, req = self.directory, fee.request
        link = request_link(req.pk)
        subject, body = self.texts.render(AlertKind.FEE_PERIOD_LAPSED, label=label(req), amount=fee.amount,
                                          due_on=fee.due_on, link=link)
        return fan_out(
            d, user_ids=d.handler_or_clerks(req), robot_units=[req.unit_id], unit_id=req.unit_id,
            kind=AlertKind.FEE_PERIOD_LAPSED, request_id=req.pk, deadline=fee.due_on, link=link,
            subject=subject, body=body,
        )


def in_batches(queryset, outbox: Outbox, plan: Callable, batch_size: int, *, wrap: Callable | None = None) -> None:
    """Read a batch and write its alerts in one transaction; keyset pagination on pk.

    Three statements per batch whatever its size: the SELECT of the rows that still need an alert,
    the INSERT and the SELECT of what was created (tests/notifications/test_sweep_queries.py)."""
    rows_after = queryset if callable(queryset) else (lambda last: queryset.filter(pk__gt=last))
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(rows_after(last_pk).order_by("pk")[:batch_size])
            if not batch:
                return
            rows = [wrap(row) for row in batch] if wrap else batch
            outbox.write([p for row in rows for p in plan(row)])
        last_pk = batch[-1]["pk"] if wrap else batch[-1].pk
        if settings.GONGKAI_SWEEP_BATCH_DELAY:  # tests only: a sweep long enough to be interrupted
            time.sleep(settings.GONGKAI_SWEEP_BATCH_DELAY)


def _as_row(values: dict) -> SimpleNamespace:
    return SimpleNamespace(**values)


def _alerted(kind: str, deadline: str, request: str = "pk", stage=0, after: int | None = None):
    """An alert of this kind for this deadline (and stage) exists already: the row needs nothing more.
    The index behind the unique constraint (request, kind, stage, deadline, …) answers it. `after`,
    the keyset's last request id, says nothing new (the outer row's id is above it) but bounds the
    subquery: PostgreSQL may run it as one hashed subplan per batch, which would otherwise read every
    alert of the kind — the alerts this sweep has written included — once per batch."""
    bound = {} if after is None else {"request_id__gt": after}
    return Exists(Alert.objects.filter(request_id=OuterRef(request), kind=kind, stage=stage,
                                       deadline=OuterRef(deadline), **bound))


@dataclass
class Sweep:
    """What one sweep shares with its alert producers: the day, the calendar, staff, the outbox."""

    rules: Rules
    outbox: Outbox
    batch_size: int

    def write_batches(self, queryset, plan: Callable, *, wrap: Callable | None = None) -> None:
        in_batches(queryset, self.outbox, plan, self.batch_size, wrap=wrap)


# Extra alert producers, called by every sweep after the built-in rules, each with the Sweep: a
# producer selects its rows with a QuerySet and writes them with sweep.write_batches (or
# sweep.outbox.write inside a transaction). Another app appends to this list from its
# AppConfig.ready() (NotificationsConfig registers notifications.submissions); its alerts are
# exactly-once by their keys like the rest.
EXTRA_PRODUCERS: list[Callable[[Sweep], None]] = []


def reply_deadline_rows(today: date, calendar: dl.WorkCalendar, directory: Directory):
    """Open requests whose reply deadline calls for an alert today that they do not have yet."""
    return reply_deadline_query(today, calendar, directory)(None)


def reply_deadline_query(today: date, calendar: dl.WorkCalendar, directory: Directory):
    """reply_deadline_rows as a function of the keyset's last id (None: all rows), for in_batches.

    The stage is computed in SQL from boundary dates worked out once (a deadline d is in stage t
    when today <= d < add_workdays(today, t + 1)); so is "escalated" (d on or before the last day
    that is ESCALATE_AFTER_DAYS working days before today)."""
    by_thresholds: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for unit_id in directory.units:
        by_thresholds[directory.thresholds(unit_id)].append(unit_id)
    whens = []
    for thresholds, unit_ids in by_thresholds.items():
        unit_q = Q() if len(by_thresholds) == 1 else Q(unit_id__in=unit_ids)
        for t in sorted(thresholds):  # the smallest threshold reached wins
            whens.append(When(unit_q & Q(due_on__gte=today, due_on__lt=dl.add_workdays(today, t + 1, calendar)),
                              then=Value(t)))
    widest = max([max(t, default=0) for t in by_thresholds] or [0])
    horizon = dl.add_workdays(today, widest, calendar)
    escalate_on_or_before = today - ONE_DAY
    while dl.workdays_between(escalate_on_or_before, today, calendar) < ESCALATE_AFTER_DAYS:
        escalate_on_or_before -= ONE_DAY
    stage = Case(*whens, default=Value(-1), output_field=IntegerField()) if whens else Value(-1)

    def rows_after(after: int | None):
        requests = DisclosureRequest.objects.open().filter(due_on__isnull=False, due_on__lte=horizon)
        if after is not None:
            requests = requests.filter(pk__gt=after)
        return (
            requests.annotate(stage=stage)
            .annotate(
                needs_reminder=Q(stage__gte=0)
                & ~_alerted(AlertKind.REMINDER, "due_on", stage=OuterRef("stage"), after=after),
                needs_overdue=Q(due_on__lt=today) & ~_alerted(AlertKind.OVERDUE, "due_on", after=after),
                needs_escalated=Q(due_on__lte=escalate_on_or_before)
                & ~_alerted(AlertKind.ESCALATED, "due_on", after=after),
            )
            .filter(Q(needs_reminder=True) | Q(needs_overdue=True) | Q(needs_escalated=True))
            .values("pk", "ref", "unit_id", "handler_id", "due_on", "received_on", "due_is_provisional", "stage",
                    "needs_reminder", "needs_overdue", "needs_escalated")
        )

    return rows_after


def sweep(today: date, *, calendar: dl.WorkCalendar | None = None, dry_run: bool = False,
          batch_size: int = BATCH_SIZE, directory: Directory | None = None) -> SweepReport:
    """Find every deadline that calls for an alert on `today` and write the alerts (once each).

    Which rows need which alert is decided in SQL (stored due dates, the stage from boundary dates,
    NOT EXISTS on the alerts already written), so the Python work is proportional to the alerts
    created, not to the open requests; a rerun reads no rows."""
    calendar = calendar or load_work_calendar()
    directory = directory or Directory.load()
    rules = Rules(today=today, calendar=calendar, directory=directory)
    outbox = Outbox(dry_run=dry_run, digest_day=today, directory=directory)
    run = Sweep(rules=rules, outbox=outbox, batch_size=batch_size)
    open_requests = DisclosureRequest.objects.open()

    run.write_batches(reply_deadline_query(today, calendar, directory), rules.reply_deadline, wrap=_as_row)
    run.write_batches(
        open_requests.filter(
            status__in=[Status.REGISTERED, Status.REVIEWING], correction_requested_on__isnull=True,
            correction_due_on__lt=today,
        ).filter(~_alerted(AlertKind.CORRECTION_NOTICE_LATE, "correction_due_on"))
        .values("pk", "ref", "unit_id", "handler_id", "received_on", "correction_due_on"),
        rules.correction_notice, wrap=_as_row,
    )
    run.write_batches(
        Consultation.objects.filter(replied_on__isnull=True, due_on__lt=today, request__status__in=OPEN_STATUSES)
        .filter(~_alerted(AlertKind.CONSULTATION_LAPSED, "due_on", request="request_id"))
        .select_related("request").only(*CHILD_FIELDS, "kind", "party", "sent_on", "due_on"),
        rules.consultation,
    )
    run.write_batches(
        open_requests.filter(status=Status.AWAITING_CORRECTION, correction_period_until__lt=today)
        .filter(~_alerted(AlertKind.CORRECTION_PERIOD_LAPSED, "correction_period_until"))
        .values("pk", "ref", "unit_id", "handler_id", "correction_period_until"),
        rules.correction_period, wrap=_as_row,
    )
    run.write_batches(
        FeeNotice.objects.filter(paid_on__isnull=True, due_on__lt=today, request__status__in=OPEN_STATUSES)
        .filter(~_alerted(AlertKind.FEE_PERIOD_LAPSED, "due_on", request="request_id"))
        .select_related("request").only(*CHILD_FIELDS, "amount", "due_on"),
        rules.fee_period,
    )
    for producer in EXTRA_PRODUCERS:  # online submissions not confirmed in time (notifications/submissions.py)
        producer(run)
    write_digests(today, calendar, directory, outbox, batch_size=batch_size, rules=rules)
    return SweepReport(today=today, created=outbox.created, dry_run=dry_run)


# --- the supervisors' daily digest (天天监测) --------------------------------------------------


def digest_lines(requests: list, today: date, calendar: dl.WorkCalendar, directory: Directory,
                 counts: Callable[[date], int] | None = None, texts: AlertTexts | None = None) -> list[str]:
    """Grouped by unit (tree order), overdue first, then by deadline."""
    if counts is None:
        counts = Rules(today=today, calendar=calendar, directory=directory).workdays_from_today
    texts = texts or AlertTexts()
    no_handler = texts.part("digest_no_handler")
    by_unit: dict[int, list] = defaultdict(list)
    for req in requests:
        by_unit[req.unit_id].append(req)
    lines = []
    for unit_id in sorted(by_unit, key=lambda u: directory.units[u].path):
        unit = directory.units[unit_id]
        rows = sorted(by_unit[unit_id], key=lambda r: (r.due_on, r.pk))
        overdue = sum(1 for r in rows if r.due_on < today)
        lines.append(texts.part("digest_unit", unit=unit.name, count=len(rows), overdue=overdue))
        for req in rows:
            state = texts.part("digest_overdue" if req.due_on < today else "digest_left", days=counts(req.due_on))
            handler = directory.users.get(req.handler_id)
            lines.append(texts.part("digest_line", label=label(req), due_on=req.due_on, state=state,
                                    handler=handler or no_handler, link=request_link(req.pk)))
            if len(lines) > DIGEST_MAX_LINES:  # the rest is cut anyway: do not format it
                return lines
    return lines


def write_digests(today: date, calendar: dl.WorkCalendar, directory: Directory, outbox: Outbox, *,
                  batch_size: int = BATCH_SIZE, rules: Rules | None = None) -> None:
    if not directory.supervisor_roles:
        return
    horizon = dl.add_workdays(today, DIGEST_HORIZON_DAYS, calendar)
    paths_by_user: dict[int, set[str]] = defaultdict(set)
    for path, _unit, user_id in directory.supervisor_roles:
        paths_by_user[user_id].add(path)
    # unit -> the supervisors whose subtree holds it, once per unit rather than once per request
    watchers = {
        unit_id: [user_id for user_id, paths in sorted(paths_by_user.items())
                  if any(unit.path.startswith(p) for p in paths)]
        for unit_id, unit in directory.units.items()
    }
    scope = Q()
    for path in {p for paths in paths_by_user.values() for p in paths}:
        scope |= Q(unit__path__startswith=path)
    found: dict[int, list] = defaultdict(list)
    qs = DisclosureRequest.objects.open().filter(scope, due_on__isnull=False, due_on__lte=horizon).values(
        "pk", "ref", "unit_id", "due_on", "handler_id"
    )
    last_pk = 0
    while True:  # read in batches; the digest is written once all are in
        batch = list(qs.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
        if not batch:
            break
        last_pk = batch[-1]["pk"]
        for values in batch:
            req = SimpleNamespace(**values)
            for user_id in watchers.get(req.unit_id, ()):
                found[user_id].append(req)
    rules = rules or Rules(today=today, calendar=calendar, directory=directory)
    texts = rules.texts
    planned = []
    for user_id, requests in sorted(found.items()):
        lines = digest_lines(requests, today, calendar, directory, rules.workdays_from_today, texts)
        overdue = sum(1 for r in requests if r.due_on < today)
        if len(lines) > DIGEST_MAX_LINES:
            lines = lines[:DIGEST_MAX_LINES] + [texts.part("digest_more", count=len(requests))]
        subject, head = texts.render(AlertKind.DIGEST, today=today, overdue=overdue, soon=len(requests) - overdue,
                                     horizon=DIGEST_HORIZON_DAYS, count=len(requests))
        planned += fan_out(
            directory, user_ids=[user_id], robot_units=[], unit_id=None, kind=AlertKind.DIGEST, deadline=today,
            subject=subject, body=head + "\n\n" + "\n".join(lines), link=site_link("/admin/notifications/alert/"),
        )
    with transaction.atomic():
        outbox.write(planned)
