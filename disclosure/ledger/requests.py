"""Importing requests from a ledger: each row's history gives the state (workflow.status_for_history)
and the deadlines (deadlines.compute_deadline), with one `import` event; all rows or none."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace

from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..blindindex import applicant_id_hash
from ..idnumbers import InvalidIdNumber, check_id_number, is_person
from ..models import Consultation, DisclosureRequest, FeeNotice, RequestEvent, Unit
from ..services import case_dates, deadline_fields, format_reference
from ..spreadsheets import SheetLimits
from ..workcalendar import load_work_calendar
from ..workflow import Action, status_for_history
from .bulk import WRITE_BATCH, RowWriter, cyclic_gc_paused
from .columns import (
    COLUMN,
    COMPUTED_COLUMNS,
    LEDGER_COLUMNS,
    LEDGER_KEYS,
    MODEL_FIELDS,
    check_consistency,
    empty_value,
    ledger_values,
    parsers,
)
from .sheets import (
    LedgerInvalid,
    RowError,
    column_label,
    map_header,
    read_sheet,
)


def _history_status(req, consultations: list, current: str | None) -> str:
    """workflow.status_for_history of a request's dates (an instance or the values of a new one)."""
    return status_for_history(
        concluded=req.concluded_on is not None,
        outcome=req.outcome,
        waiting_correction=bool(req.correction_requested_on and not req.correction_received_on),
        consulting=any(c.replied_on is None for c in consultations),
        current=current,
    )


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


PROGRESS_EVERY = 1000  # rows between two progress reports while checking
# Columns whose texts seldom repeat: not worth keeping their parsed values (memory at a million rows).
UNIQUE_TEXTS = frozenset({"ref", "applicant_name", "applicant_id_number", "applicant_contact", "content"})


def import_ledger(source, *, actor=None, calendar: dl.WorkCalendar | None = None, source_name: str = "",
                  progress: Callable[[str, int, int], None] | None = None,
                  limits: SheetLimits | None = None) -> ImportResult:
    """Import a ledger file; LedgerInvalid (nothing written) if any row is bad.

    A row whose (unit, ref) exists updates that request: the columns in the file replace the stored
    values, columns left out of the file keep them. Importing the same file twice changes nothing.
    `progress(phase, rows_done, rows_total)` hears how far it got ("reading", "checking" every
    PROGRESS_EVERY rows, "writing"), always outside the import's transaction.
    """
    with cyclic_gc_paused():
        return _import_ledger(source, actor=actor, calendar=calendar, source_name=source_name,
                              report=progress or (lambda phase, done, total: None), limits=limits)


def _import_ledger(source, *, actor, calendar, source_name, report, limits) -> ImportResult:
    report("reading", 0, 0)
    sheet = read_sheet(source, limits)
    header, errors = map_header(sheet.header, LEDGER_COLUMNS, COMPUTED_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    units = {u.code: u for u in Unit.objects.only("id", "code", "name", "path", "ref_prefix")}
    rows = _checked_rows(sheet, header, units, errors, report)
    total, sheet = len(sheet.rows), None  # the cells read are let go: memory holds the rows' values once
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
            plan.writes.prepare()
        plan.writes.flush()
    result = plan.result
    if result.created or result.updated:
        refresh_statistics()
    return result


def _checked_rows(sheet, header, units: dict[str, Unit], errors: list, report) -> list[_Row]:
    """Each row's cells parsed and checked on their own (errors appended). A cell's text is parsed
    once per column however many rows repeat it (dates, codes, labels, ID numbers repeat)."""
    units_ci = {code.lower(): u for code, u in units.items()}
    parse = parsers()
    # (key, position, column, its cache: cell text → parsed value) for each column in the file
    slots = [(key, pos, COLUMN[key], None if key in UNIQUE_TEXTS else {}) for key, pos in header.index.items()]
    width = max((pos for _k, pos, _c, _s in slots), default=-1) + 1
    given = frozenset(header.index)  # the same for every row
    checked_ids: dict[tuple, str] = {}
    rows: list[_Row] = []
    first_row: dict[tuple[str, str], int] = {}
    total = len(sheet.rows)
    report("checking", 0, total)
    for done, (number, cells) in enumerate(sheet.rows, start=1):
        if done % PROGRESS_EVERY == 0:
            report("checking", done, total)
        if len(cells) < width:
            cells = [*cells, *[""] * (width - len(cells))]
        values, row_errors = {}, []
        for key, pos, column, seen in slots:
            value = cells[pos]
            cacheable = seen is not None and type(value) is str
            if cacheable and value in seen:  # only texts that parsed are kept, never an empty one
                values[key] = seen[value]
                continue
            if value == "" or (type(value) is str and not value.strip()):
                if column.required:
                    row_errors.append(RowError(number, header.name(column), _("必填项，不能为空。")))
                values[key] = empty_value(key)
                continue
            if key == "unit":
                unit = units.get(str(value).strip()) or units_ci.get(str(value).strip().lower())
                if unit is None:
                    row_errors.append(RowError(number, header.name(column),
                                               _("单位编码“%(code)s”不存在，请先导入单位。") % {"code": value}))
                    continue
                parsed = unit.code
            else:
                try:
                    parsed = parse[key](value)
                except ValueError as exc:
                    row_errors.append(RowError(number, header.name(column), str(exc)))
                    continue
            values[key] = parsed
            if cacheable:
                seen[value] = parsed
        if values.get("applicant_id_number"):  # the check digit, as services.register_request checks it
            person = is_person(values.get("applicant_type"))
            id_key = (values["applicant_id_number"], person)
            try:
                if id_key not in checked_ids:
                    checked_ids[id_key] = check_id_number(id_key[0], person=person)
                values["applicant_id_number"] = checked_ids[id_key]
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
            rows.append(_Row(number, values, given))
    return rows


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


def _matching(rows: list[_Row], units: dict[str, Unit], *, lock: bool) -> dict[tuple[int, str], tuple[int, int]]:
    """{(unit_id, ref): (id, version)} of the stored requests matching the rows, one query per
    LOOKUP_CHUNK rows (locked FOR UPDATE when `lock`, where the database has it). Plain SQL: the ORM
    spends longer compiling an IN of 10,000 refs than the database takes to answer it."""
    wanted = {(units[r.values["unit"]].pk, r.values["ref"]) for r in rows}
    db = connections[DisclosureRequest.objects.db]
    quote = db.ops.quote_name
    found = {}
    with db.cursor() as cursor:
        for start in range(0, len(rows), LOOKUP_CHUNK):
            refs = sorted({r.values["ref"] for r in rows[start : start + LOOKUP_CHUNK]})
            sql = (f"SELECT {quote('id')}, {quote('unit_id')}, {quote('ref')}, {quote('version')} "
                   f"FROM {quote(DisclosureRequest._meta.db_table)} "
                   f"WHERE {quote('ref')} IN ({', '.join(['%s'] * len(refs))})")
            if lock and db.features.has_select_for_update:
                sql += " FOR UPDATE"
            cursor.execute(sql, refs)
            found.update({(unit_id, ref): (pk, version) for pk, unit_id, ref, version in cursor.fetchall()
                          if (unit_id, ref) in wanted})
    return found


def _existing_requests(rows: list[_Row], units: dict[str, Unit], *,
                       lock: bool) -> dict[tuple[int, str], DisclosureRequest]:
    """The stored requests the rows update, with their consultations and fee notices."""
    ids = [pk for pk, _version in _matching(rows, units, lock=lock).values()]
    found = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        qs = DisclosureRequest.objects.filter(pk__in=ids[start : start + LOOKUP_CHUNK])
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
        stored = {key: version for key, (_pk, version) in _matching(self.rows, self.units, lock=True).items()}
        return stored == self.versions


def _plan_ledger(rows, header, units, calendar, actor, source_name, errors, *, lock: bool) -> _Plan:
    """Raises LedgerInvalid with every error; else the plan, nothing written yet."""
    existing = _existing_requests(rows, units, lock=lock) if rows else {}
    versions = {key: req.version for key, req in existing.items()}
    code_by_id = {u.pk: code for code, u in units.items()}
    blank = {k: empty_value(k) for k in LEDGER_KEYS}
    label = {k: column_label(header, COLUMN[k]) for k in LEDGER_KEYS}
    plans = []
    for row in rows:
        unit = units[row.values["unit"]]
        req = existing.get((unit.pk, row.values["ref"]))
        if req is not None:
            consultations, fees = list(req.consultations.all()), list(req.fee_notices.all())
            before = ledger_values(req, consultations, fees, code_by_id[req.unit_id])
            merged = {**before, **{k: v for k, v in row.values.items() if k in row.given}}
        else:
            consultations, fees, before = [], [], blank
            merged = {**blank, **row.values}
        problems = check_consistency(merged, label.__getitem__)
        errors += [RowError(row.number, header.name(COLUMN[k]), reason) for k, reason in problems]
        plans.append((row, unit, req, consultations, fees, before, merged))
    if errors:
        raise LedgerInvalid(errors)

    writes = _Writes(calendar=calendar, now=timezone.now(), actor_id=actor.pk if actor is not None else None)
    result = ImportResult()
    for position, (row, unit, req, consultations, fees, before, merged) in enumerate(plans):
        plans[position] = None  # what a row's plan needs is in `writes` now
        if req is None:
            writes.add_new(row, unit, merged, source_name)
            result.created += 1
            continue
        old_status = req.status
        changed = [k for k in LEDGER_KEYS if merged[k] != before[k]]
        _set_ledger_fields(req, merged, is_new=False)
        if changed:
            consultations, fees = writes.sync_records(req, consultations, fees, merged)
        derived = writes.deadline(case_dates(req, consultations=consultations, fees=fees))
        derived["status"] = _history_status(req, consultations, old_status)
        derived_changed = [k for k, v in derived.items() if getattr(req, k) != v]
        if not changed and not derived_changed:
            result.unchanged += 1
            continue
        _set(req, **derived)
        result.updated += 1
        writes.changed_requests.append(_set(req, version=req.version + 1, updated_at=writes.now))
        writes.event(req.pk, old_status, req.status, {
            "source": source_name, "row": row.number,
            "changed": changed + (["deadline"] if set(derived_changed) - {"status"} else []),
        })
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
    # here for an updated request (add the column to REQUEST_UPDATE_FIELDS), and in _Writes.add_new
    # for a new one (add it to NEW_REQUEST_FIELDS).


REQUEST_UPDATE_FIELDS = [
    *MODEL_FIELDS.values(), "applicant_id_hash", "correction_rounds", "status", "version", "updated_at",
    "correction_due_on", "clock_start_on", "base_due_on", "due_on", "due_is_provisional",
]
# The columns a new request's INSERT takes from its row; every other column gets the model's default.
NEW_REQUEST_FIELDS = (
    *MODEL_FIELDS.values(), "unit_id", "ref_year", "ref_seq", "applicant_id_hash", "correction_rounds", "status",
    "correction_due_on", "clock_start_on", "base_due_on", "due_on", "due_is_provisional",
)
EVENT_FIELDS = ("request_id", "from_status", "to_status", "data")


@dataclass
class _Writes:
    """Everything an import writes, collected row by row and flushed in bulk at the end. New
    requests and every event are plain values (no model instance per row); updated requests are
    the instances read for the comparison."""

    calendar: dl.WorkCalendar
    now: datetime
    actor_id: int | None = None
    new_rows: list = field(default_factory=list)  # {attname: value} of each new request
    changed_requests: list = field(default_factory=list)
    events: list = field(default_factory=list)  # {attname: value}; a new request's request_id: its index in new_rows
    new_event_at: list = field(default_factory=list)  # positions in events of the new requests' events
    created: list = field(default_factory=list)  # (request, record) of an updated request: saved after it
    created_new: dict = field(default_factory=lambda: {model: [] for model in FIRST_RECORDS})  # values, by first_new
    changed: dict = field(default_factory=lambda: {model: [] for model in FIRST_RECORDS})
    dropped: dict = field(default_factory=lambda: {model: [] for model in FIRST_RECORDS})  # ids
    deadlines: dict = field(default_factory=dict)  # CaseDates → deadline fields: one computation per distinct case
    id_hashes: dict = field(default_factory=dict)  # ID number → blind index, computed once per number

    def deadline(self, case: dl.CaseDates) -> dict:
        """services' deadline fields of dl.compute_deadline(case), computed once per distinct case."""
        fields = self.deadlines.get(case)
        if fields is None:
            fields = self.deadlines[case] = deadline_fields(dl.compute_deadline(case, self.calendar))
        return dict(fields)

    def event(self, request_id, from_status: str, to_status: str, data: dict) -> None:
        self.events.append(
            {"request_id": request_id, "from_status": from_status or "", "to_status": to_status, "data": data})

    def add_new(self, row: _Row, unit: Unit, merged: dict, source_name: str) -> None:
        """A new request from its row: the fields _set_ledger_fields would set on a new instance, its
        first consultation and fee notice, the deadlines and state by the same rules, one event."""
        values = {name: merged[key] for key, name in MODEL_FIELDS.items()}
        if values["extension_days"] is None:
            values["extension_days"] = 0
        if not values["concluded_on"]:
            values["outcome"] = ""
        values["correction_rounds"] = 1 if values["correction_requested_on"] else 0
        number = values["applicant_id_number"]
        if number not in self.id_hashes:
            self.id_hashes[number] = applicant_id_hash(number)
        values["applicant_id_hash"] = self.id_hashes[number]
        values["unit_id"] = unit.pk
        values["ref_year"], values["ref_seq"] = _reference_number(unit, merged["ref"], merged["received_on"])
        index = len(self.new_rows)
        consultations = self.first_new(
            index, Consultation, merged["consultation_sent_on"], merged["consultation_replied_on"])
        fees = self.first_new(index, FeeNotice, merged["fee_notice_on"], merged["fee_paid_on"])
        req = SimpleNamespace(**values)  # what case_dates and the state rule read of a request
        values.update(self.deadline(case_dates(req, consultations=consultations, fees=fees)))
        values["status"] = _history_status(req, consultations, None)
        self.new_rows.append(values)
        self.new_event_at.append(len(self.events))
        self.event(index, "", values["status"], {"source": source_name, "row": row.number, "ref": values["ref"]})

    def first_new(self, index: int, model, first_on, second_on) -> list:
        """A new request's first consultation (fee notice), as plain values: its request_id is the
        request's index in new_rows until flush() knows the id."""
        if first_on is None:
            return []
        first, second, days = FIRST_RECORDS[model]
        record = {"request_id": index, first: first_on, second: second_on,
                  "due_on": dl.add_workdays(first_on, days, self.calendar)}
        self.created_new[model].append(record)
        return [SimpleNamespace(**record)]

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

    prepared: tuple | None = None  # (request writer, its rows' parameters, event writer, theirs), by prepare()

    def prepare(self) -> None:
        """Convert and encrypt every value of the INSERTs now, outside the write transaction: that is
        most of a bulk insert's time, running the statements a small part. Equal ID numbers share one
        Fernet token (their equality is public through the blind index anyway); contacts do not."""
        requests_db = connections[DisclosureRequest.objects.db]
        events_db = connections[RequestEvent.objects.db]
        request_writer = RowWriter(
            DisclosureRequest, requests_db, varying=NEW_REQUEST_FIELDS,
            constants={"created_at": self.now, "updated_at": self.now}, shared_tokens={"applicant_id_number": {}},
        )
        event_writer = RowWriter(RequestEvent, events_db, varying=EVENT_FIELDS,
                                 constants={"at": self.now, "actor_id": self.actor_id, "action": Action.IMPORT})
        self.prepared = (request_writer, request_writer.params(self.new_rows), event_writer, self.events)
        self.new_rows = []  # converted: the parameters are what flush() writes

    def flush(self) -> None:
        """A fixed number of bulk statements, whatever the number of rows (per batch)."""
        if self.prepared is None:
            self.prepare()
        request_writer, request_params, event_writer, events = self.prepared
        ids = request_writer.insert(request_params, returning=True) if request_params else []
        if self.changed_requests:
            DisclosureRequest.objects.bulk_update(
                self.changed_requests, REQUEST_UPDATE_FIELDS, batch_size=WRITE_BATCH // 4)
        for model, dropped in self.dropped.items():
            if dropped:
                model.objects.filter(pk__in=dropped).delete()
        for request, record in self.created:
            record.request = request
        for model in FIRST_RECORDS:
            model.objects.bulk_create([r for _q, r in self.created if isinstance(r, model)], batch_size=WRITE_BATCH)
            new_records = [{**r, "request_id": ids[r["request_id"]]} for r in self.created_new[model]]
            if new_records:
                first, second, _days = FIRST_RECORDS[model]
                writer = RowWriter(model, connections[model.objects.db],
                                   varying=("request_id", first, second, "due_on"), constants=_unrecorded(model))
                writer.insert(writer.params(new_records))
        for model, (first, second, _days) in FIRST_RECORDS.items():
            if self.changed[model]:
                model.objects.bulk_update(self.changed[model], [first, second, "due_on"], batch_size=WRITE_BATCH)
        for position in self.new_event_at:
            events[position] = {**events[position], "request_id": ids[events[position]["request_id"]]}
        if events:
            event_writer.insert(event_writer.params(events))


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
