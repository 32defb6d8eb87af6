"""Importing requests from a ledger: each row's history gives the state (workflow.status_for_history)
and the deadlines (deadlines.compute_deadline), with one `import` event; all rows or none."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import OperationalError, connection, connections, transaction
from django.db.models import AutoField
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..blindindex import applicant_id_hash
from ..crypto import EncryptedCharField
from ..idnumbers import InvalidIdNumber, check_id_number, is_person
from ..models import Consultation, DisclosureRequest, FeeNotice, RequestEvent, Unit
from ..services import case_dates, deadline_fields, format_reference
from ..spreadsheets import SheetLimits
from ..workcalendar import load_work_calendar
from ..workflow import CONCLUDED_STATUSES, Action, Status, status_for_history
from .columns import (
    COLUMN,
    COMPUTED_COLUMNS,
    LEDGER_COLUMNS,
    LEDGER_KEYS,
    MODEL_FIELDS,
    _empty,
    _parsers,
    check_consistency,
)
from .sheets import (
    LedgerInvalid,
    RowError,
    _cells_by_key,
    _label,
    map_header,
    read_sheet,
)

# --- the ledger view of a stored request ---------------------------------------------------------


def ledger_values(req: DisclosureRequest, consultations: list, fees: list, unit_code: str) -> dict:
    """What the ledger shows of a request: the first consultation and the first fee notice."""
    first_c = consultations[0] if consultations else None
    first_f = fees[0] if fees else None
    values = {k: getattr(req, f) for k, f in MODEL_FIELDS.items()}
    values.update(
        # an open request's outcome is a draft awaiting legal review or sign-off, not a result
        result=req.outcome if req.concluded_on else "",
        unit=unit_code,
        extension_days=req.extension_days or None,
        consultation_sent_on=first_c.sent_on if first_c else None,
        consultation_replied_on=first_c.replied_on if first_c else None,
        fee_notice_on=first_f.notice_on if first_f else None,
        fee_paid_on=first_f.paid_on if first_f else None,
    )
    return values


def _case_dates(req: DisclosureRequest, consultations: list, fees: list) -> dl.CaseDates:
    """services.case_dates from the records in memory (no query per row): one rule for both."""
    return case_dates(req, consultations=consultations, fees=fees)


# States the ledger cannot tell apart from `handling` (or `archived` from a conclusion): kept.
FINER_OPEN = frozenset({Status.REGISTERED, Status.REVIEWING, Status.LEGAL_REVIEW, Status.SIGN_OFF})


def _history_status(req: DisclosureRequest, consultations: list, old: str | None) -> str:
    new = status_for_history(
        concluded=req.concluded_on is not None,
        outcome=req.outcome,
        waiting_correction=bool(req.correction_requested_on and not req.correction_received_on),
        consulting=any(c.replied_on is None for c in consultations),
    )
    if old == Status.ARCHIVED and new in CONCLUDED_STATUSES:
        return old
    if old in FINER_OPEN and new == Status.HANDLING:
        return old
    return new


def _reference_number(unit: Unit, ref: str, received_on: date) -> tuple[int, int | None]:
    """(ref_year, ref_seq): a ref in the unit's own format keeps automatic numbering clear of it."""
    match = re.search(r"(\d{4})\D+0*(\d+)\D*$", ref)
    if match:
        year, seq = int(match.group(1)), int(match.group(2))
        if 1900 < year < 3000 and format_reference(unit, year, seq) == ref:
            return year, seq
    return received_on.year, None


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    number: int
    values: dict
    given: set  # ledger keys whose column is in the file


logger = logging.getLogger(__name__)

LOOKUP_CHUNK = 10_000  # rows per prefetch query: one query for a 10,000-row ledger, within SQLite's 32,766 variables
WRITE_BATCH = 1000


PROGRESS_EVERY = 1000  # rows between two progress reports while checking


def import_ledger(source, *, actor=None, calendar: dl.WorkCalendar | None = None, source_name: str = "",
                  progress: Callable[[str, int, int], None] | None = None,
                  limits: SheetLimits | None = None) -> ImportResult:
    """Import a ledger file; LedgerInvalid (nothing written) if any row is bad.

    A row whose (unit, ref) exists updates that request: the columns in the file replace the stored
    values, columns left out of the file keep them. Importing the same file twice changes nothing.
    `progress(phase, rows_done, rows_total)` hears how far it got ("reading", "checking" every
    PROGRESS_EVERY rows, "writing"), always outside the import's transaction.
    """
    report = progress or (lambda phase, done, total: None)
    report("reading", 0, 0)
    sheet = read_sheet(source, limits)
    header, errors = map_header(sheet.header, LEDGER_COLUMNS, COMPUTED_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    units = {u.code: u for u in Unit.objects.only("id", "code", "name", "path", "ref_prefix")}
    units_ci = {code.lower(): u for code, u in units.items()}
    parsers = _parsers()
    rows: list[_Row] = []
    first_row: dict[tuple[str, str], int] = {}
    total = len(sheet.rows)
    report("checking", 0, total)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            report("checking", done, total)
        raw = _cells_by_key(cells, header)
        values, row_errors = {}, []
        for key, value in raw.items():
            column = COLUMN[key]
            if value == "" or (isinstance(value, str) and not value.strip()):
                if column.required:
                    row_errors.append(RowError(number, header.name(column), _("必填项，不能为空。")))
                values[key] = _empty(key)
                continue
            if key == "unit":
                unit = units.get(str(value).strip()) or units_ci.get(str(value).strip().lower())
                if unit is None:
                    row_errors.append(RowError(number, header.name(column), _("单位编码“%(code)s”不存在，请先导入单位。") % {"code": value}))
                else:
                    values[key] = unit.code
                continue
            try:
                values[key] = parsers[key](value)
            except ValueError as exc:
                row_errors.append(RowError(number, header.name(column), str(exc)))
        if values.get("applicant_id_number"):  # the check digit, as services.register_request checks it
            try:
                values["applicant_id_number"] = check_id_number(
                    values["applicant_id_number"], person=is_person(values.get("applicant_type")))
            except InvalidIdNumber as exc:
                row_errors.append(RowError(number, header.name(COLUMN["applicant_id_number"]), str(exc)))
        if not row_errors:
            pair = (values["unit"], values["ref"])
            if pair in first_row:
                row_errors.append(
                    RowError(number, header.name(COLUMN["ref"]),
                             _("与第%(row)d行的申请编号和受理单位重复。") % {"row": first_row[pair]})
                )
            first_row.setdefault(pair, number)
        errors += row_errors
        if not row_errors:
            rows.append(_Row(number, values, set(raw)))
    calendar = calendar or load_work_calendar()
    report("writing", total, total)
    # Rows that parsed are checked for consistency (against what is stored for columns the file
    # leaves out) even when other rows failed, so that one run lists every bad row. The plan — the
    # checks, the deadlines, every value converted and encrypted for the INSERT — is made before the
    # write transaction: SQLite lets one writer in at a time, and everyone else's login and write
    # waits for the lock while it is held. Inside, the stored versions of the requests the plan read
    # are checked; if someone changed one meanwhile, the plan is made again under the lock.
    plan = _plan_ledger(rows, header, units, calendar, actor, source_name, list(errors), lock=False)
    plan.writes.prepare()
    with transaction.atomic():
        if not plan.is_current():
            plan = _plan_ledger(rows, header, units, calendar, actor, source_name, list(errors), lock=True)
        plan.writes.flush()
    result = plan.result
    if result.created or result.updated:
        refresh_statistics()
    return result


def refresh_statistics() -> None:
    """After a bulk import: fresh planner statistics for the requests table. SQLite plans the
    report compile's partial indexes only with them (it never gathers statistics by itself);
    0x10002 = analyse every table that needs it, not only those this connection has queried.

    Best effort, after the import has committed: in a transaction of its own (on SQLite BEGIN
    IMMEDIATE waits for the write lock; a bare PRAGMA optimize met a busy database with "database
    is locked" at once), and a failure is logged, never turned into an error for an import that
    succeeded. The next import, or `ANALYZE`, catches up."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA optimize=0x10002")
            elif connection.vendor == "postgresql":
                cursor.execute(f"ANALYZE {DisclosureRequest._meta.db_table}")
    except OperationalError:
        logger.warning("planner statistics not refreshed after the ledger import", exc_info=True)


def _matching(rows: list[_Row], units: dict[str, Unit], *, lock: bool):
    """The stored requests with a unit and a ref among the rows', one query per LOOKUP_CHUNK rows."""
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        qs = DisclosureRequest.objects.filter(
            unit_id__in={units[r.values["unit"]].pk for r in chunk}, ref__in={r.values["ref"] for r in chunk}
        )
        yield qs.select_for_update() if lock else qs


def _existing_requests(rows: list[_Row], units: dict[str, Unit], *, lock: bool) -> dict[tuple[int, str], DisclosureRequest]:
    found = {}
    for qs in _matching(rows, units, lock=lock):
        found.update({(r.unit_id, r.ref): r for r in qs.prefetch_related("consultations", "fee_notices")})
    return found


@dataclass
class _Plan:
    """What an import will write, and the versions of the stored requests it was made from."""

    rows: list
    units: dict
    versions: dict
    writes: _Writes
    result: ImportResult

    def is_current(self) -> bool:
        """Inside the write transaction: nobody changed, added or removed a matching request since."""
        stored = {}
        for qs in _matching(self.rows, self.units, lock=True):
            stored.update({(unit_id, ref): version for unit_id, ref, version in qs.values_list("unit_id", "ref", "version")})
        return stored == self.versions


def _plan_ledger(rows, header, units, calendar, actor, source_name, errors, *, lock: bool) -> _Plan:
    """Raises LedgerInvalid with every error; else the plan, nothing written yet."""
    existing = _existing_requests(rows, units, lock=lock)
    versions = {key: req.version for key, req in existing.items()}
    code_by_id = {u.pk: code for code, u in units.items()}
    plans = []
    for row in rows:
        unit = units[row.values["unit"]]
        req = existing.get((unit.pk, row.values["ref"]))
        if req is not None:
            consultations, fees = list(req.consultations.all()), list(req.fee_notices.all())
            before = ledger_values(req, consultations, fees, code_by_id[req.unit_id])
        else:
            consultations, fees = [], []
            before = {k: _empty(k) for k in LEDGER_KEYS}
        merged = {**before, **{k: v for k, v in row.values.items() if k in row.given}}
        problems = check_consistency(merged, lambda k: _label(header, COLUMN[k]))
        errors += [RowError(row.number, header.name(COLUMN[k]), reason) for k, reason in problems]
        plans.append((row, unit, req, consultations, fees, before, merged))
    if errors:
        raise LedgerInvalid(errors)

    writes = _Writes(calendar=calendar, now=timezone.now())
    result = ImportResult()
    for row, unit, req, consultations, fees, before, merged in plans:
        old_status = req.status if req is not None else None
        if req is None:
            req = DisclosureRequest(unit=unit)
            req.ref_year, req.ref_seq = _reference_number(unit, merged["ref"], merged["received_on"])
        changed = [k for k in LEDGER_KEYS if merged[k] != before[k]]
        _set_ledger_fields(req, merged, is_new=old_status is None)
        records = writes.sync_records(req, consultations, fees, merged) if changed else None
        if records is not None:
            consultations, fees = records
        derived = deadline_fields(dl.compute_deadline(_case_dates(req, consultations, fees), calendar))
        derived["status"] = _history_status(req, consultations, old_status)
        derived_changed = [k for k, v in derived.items() if getattr(req, k) != v]
        if old_status is not None and not changed and not derived_changed:
            result.unchanged += 1
            continue
        _set(req, **derived)
        data = {"source": source_name, "row": row.number}
        if old_status is None:
            result.created += 1
            writes.new_requests.append(req)
            data["ref"] = req.ref
        else:
            result.updated += 1
            writes.changed_requests.append(_set(req, version=req.version + 1, updated_at=writes.now))
            data["changed"] = changed + (["deadline"] if set(derived_changed) - {"status"} else [])
        writes.events.append(
            RequestEvent(request=req, actor=actor, action=Action.IMPORT, from_status=old_status or "",
                         to_status=req.status, data=data)
        )
    return _Plan(rows=rows, units=units, versions=versions, writes=writes, result=result)


def _set_ledger_fields(req: DisclosureRequest, merged: dict, *, is_new: bool) -> None:
    draft_outcome = "" if is_new or req.concluded_on else req.outcome
    for key, name in MODEL_FIELDS.items():
        value = merged[key]
        setattr(req, name, 0 if value is None and key == "extension_days" else value)
    req.applicant_id_hash = applicant_id_hash(req.applicant_id_number)  # the blind index (fees)
    if not req.concluded_on:
        req.outcome = draft_outcome  # an open request keeps its draft outcome (see ledger_values)
    if not req.correction_requested_on:
        req.correction_rounds = 0
    elif not req.correction_rounds:
        req.correction_rounds = 1
    # Columns derived from a row's values (helper `fees`: the blind index of the ID number) are set
    # here, on the instance: fast_insert_statements writes every concrete field of a new request; for
    # an updated one, add the column to REQUEST_UPDATE_FIELDS.


REQUEST_UPDATE_FIELDS = [
    *MODEL_FIELDS.values(), "applicant_id_hash", "correction_rounds", "status", "version", "updated_at",
    "correction_due_on", "clock_start_on", "base_due_on", "due_on", "due_is_provisional",
]


@dataclass
class _Writes:
    """Everything an import writes, collected row by row and flushed in bulk at the end."""

    calendar: dl.WorkCalendar
    now: datetime
    new_requests: list = field(default_factory=list)
    changed_requests: list = field(default_factory=list)
    events: list = field(default_factory=list)
    created: list = field(default_factory=list)  # (request, Consultation or FeeNotice): saved after the request
    changed: dict = field(default_factory=lambda: {model: [] for model in FIRST_RECORDS})
    dropped: dict = field(default_factory=lambda: {model: [] for model in FIRST_RECORDS})  # ids

    def sync_records(self, req, consultations: list, fees: list, merged: dict) -> tuple[list, list]:
        """Make the first consultation and fee notice match the row; returns the records after."""
        consultations = self.sync_first(
            req, Consultation, consultations, merged["consultation_sent_on"], merged["consultation_replied_on"]
        )
        fees = self.sync_first(req, FeeNotice, fees, merged["fee_notice_on"], merged["fee_paid_on"])
        return consultations, fees

    def sync_first(self, req, model, records: list, first_on, second_on) -> list:
        """The ledger shows the first consultation (fee notice): make the records match the row."""
        first, second, days = FIRST_RECORDS[model]
        current = (getattr(records[0], first), getattr(records[0], second)) if records else (None, None)
        if current == (first_on, second_on):
            return records
        if first_on is None:  # the row says there was none
            self.dropped[model] += [r.pk for r in records]
            return []
        dates = {first: first_on, second: second_on, "due_on": dl.add_workdays(first_on, days, self.calendar)}
        if records:
            self.changed[model].append(_set(records[0], **dates))
            return records
        record = model(**_unrecorded(model), **dates)
        self.created.append((req, record))
        return [record]

    prepared: list | None = None  # the new requests' INSERT statements and parameters, made by prepare()

    def prepare(self) -> None:
        """Make the new requests' INSERT statements now, outside the write transaction: converting
        and encrypting every value is most of a bulk insert's time, running the statements a small
        part. Values are converted column by column (fast_insert), not through Django's insert
        compiler, whose per-value bookkeeping cost more than the conversion itself."""
        connection_ = connections[DisclosureRequest.objects.db]
        if not connection_.features.can_return_rows_from_bulk_insert or not self.new_requests:
            return
        for obj in self.new_requests:
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        self.prepared = fast_insert_statements(DisclosureRequest, self.new_requests, connection_)

    def _insert_prepared(self) -> None:
        connection_ = connections[DisclosureRequest.objects.db]
        run_insert_statements(DisclosureRequest, self.prepared, connection_)

    def flush(self) -> None:
        """A fixed number of bulk statements, whatever the number of rows (per batch)."""
        if self.prepared is not None:
            self._insert_prepared()
        else:
            DisclosureRequest.objects.bulk_create(self.new_requests, batch_size=WRITE_BATCH)
        if any(r.pk is None for r in self.new_requests):  # a backend that returns no ids from bulk inserts
            ids = {
                (unit_id, ref): pk
                for pk, unit_id, ref in DisclosureRequest.objects.filter(
                    unit_id__in={r.unit_id for r in self.new_requests}, ref__in={r.ref for r in self.new_requests}
                ).values_list("pk", "unit_id", "ref")
            }
            for r in self.new_requests:
                r.pk = ids[(r.unit_id, r.ref)]
        if self.changed_requests:
            DisclosureRequest.objects.bulk_update(self.changed_requests, REQUEST_UPDATE_FIELDS, batch_size=WRITE_BATCH // 4)
        for model, ids in self.dropped.items():
            if ids:
                model.objects.filter(pk__in=ids).delete()
        for request, record in self.created:
            record.request = request  # now that the request has its id
        for model in FIRST_RECORDS:
            model.objects.bulk_create([r for _q, r in self.created if isinstance(r, model)], batch_size=WRITE_BATCH)
        for model, (first, second, _days) in FIRST_RECORDS.items():
            if self.changed[model]:
                model.objects.bulk_update(self.changed[model], [first, second, "due_on"], batch_size=WRITE_BATCH)
        for event in self.events:
            event.request = event.request  # picks up the id of a request created above
        connection_ = connections[RequestEvent.objects.db]
        if connection_.features.can_return_rows_from_bulk_insert and self.events:
            run_insert_statements(RequestEvent, fast_insert_statements(RequestEvent, self.events, connection_), connection_)
        else:
            RequestEvent.objects.bulk_create(self.events, batch_size=WRITE_BATCH)


# --- inserting many rows without Django's per-value compiler ---------------------------------------


def _converter(field, connection_):
    """field value → database parameter, as field.get_db_prep_save gives it, with the common plain
    types passed straight through (the fallback is Django's own conversion, for anything else)."""
    generic = functools.partial(field.get_db_prep_save, connection=connection_)
    if isinstance(field, EncryptedCharField) or field.get_internal_type() not in _PLAIN_TYPES:
        return generic
    plain = _PLAIN_TYPES[field.get_internal_type()]
    if plain is date:
        adapt = connection_.ops.adapt_datefield_value
        return lambda value: adapt(value) if type(value) is date else (None if value is None else generic(value))
    return lambda value: value if value is None or type(value) in plain else generic(value)


_PLAIN_TYPES = {
    "CharField": (str,), "TextField": (str,), "SlugField": (str,),
    "IntegerField": (int,), "PositiveIntegerField": (int,), "PositiveSmallIntegerField": (int,),
    "SmallIntegerField": (int,), "BigIntegerField": (int,), "BooleanField": (bool,), "ForeignKey": (int,),
    "DateField": date,
}


def fast_insert_statements(model, objs: list, connection_) -> list:
    """[(objs, sql, params)]: multi-row INSERT … RETURNING statements for objs, values converted as
    bulk_create converts them (pre_save for auto_now fields, get_db_prep_save otherwise), in batches
    the backend accepts. The place for a per-row derived column (a blind index of the ID number,
    helper `fees`) is the model instance before this is called: every concrete field is written."""
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoField) and not f.db_returning]
    converters = [_converter(f, connection_) for f in fields]
    auto = [bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)) for f in fields]
    attnames = [f.attname for f in fields]
    quote = connection_.ops.quote_name
    size = min(WRITE_BATCH, max(connection_.ops.bulk_batch_size(fields, objs), 1))
    columns = ", ".join(quote(f.column) for f in fields)
    returning = ", ".join(quote(f.column) for f in opts.db_returning_fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    statements = []
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        params = []
        for obj in batch:
            for field, attname, convert, is_auto in zip(fields, attnames, converters, auto):
                value = field.pre_save(obj, True) if is_auto else getattr(obj, attname)
                params.append(convert(value))
        sql_text = (f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES {', '.join([row_sql] * len(batch))}"
                    f" RETURNING {returning}")
        statements.append((batch, sql_text, params))
    return statements


def run_insert_statements(model, statements: list, connection_) -> None:
    """Run fast_insert_statements' statements; each object gets its returned id, as bulk_create does."""
    returning = model._meta.db_returning_fields
    with connection_.cursor() as cursor:
        for objs, sql_text, params in statements:
            cursor.execute(sql_text, params)
            rows = cursor.fetchall()
            assert len(rows) == len(objs)
            for obj, values in zip(objs, rows):
                for value, field in zip(values, returning):
                    for converter in field.get_db_converters(connection_):
                        value = converter(value, field, connection_)
                    setattr(obj, field.attname, value)
                obj._state.adding, obj._state.db = False, connection_.alias


# The records a ledger row shows the first of (ledger.md): their two dates and their period in working days.
FIRST_RECORDS = {
    Consultation: ("sent_on", "replied_on", dl.CONSULTATION_DAYS),
    FeeNotice: ("notice_on", "paid_on", dl.FEE_PAYMENT_DAYS),
}


def _unrecorded(model) -> dict:
    """What a ledger does not record about a consultation (fee notice) it shows."""
    if model is Consultation:
        return {"kind": Consultation.Kind.THIRD_PARTY, "party": _("（台账导入，未记载）")}
    return {"amount": 0, "basis": _("（台账导入，金额不详）")}


def _set(obj, **values):
    for k, v in values.items():
        setattr(obj, k, v)
    return obj
