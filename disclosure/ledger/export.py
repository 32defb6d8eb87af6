"""Exporting requests in the ledger format: CSV, JSON or XLSX, ID numbers masked on request."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

from django.db import connections
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .. import deadlines as dl
from ..access import mask_contact, mask_id_number
from ..models import Consultation, DisclosureRequest, FeeNotice, Unit
from ..services import case_dates
from ..spreadsheets import neutralise, write_only_value
from ..workflow import CONCLUDED_STATUSES
from .columns import COMPUTED_COLUMNS, LEDGER_COLUMNS, MODEL_FIELDS, ledger_values

# --- export --------------------------------------------------------------------------------------


def ledger_queryset(*, year: int | None = None, unit: Unit | None = None):
    """--year Y: received in Y, or received before Y and still open on Y-01-01; --unit: the subtree.
    Online submissions not (or never) received as applications are no ledger rows (issue 10)."""
    qs = DisclosureRequest.objects.received().select_related("unit").prefetch_related("consultations", "fee_notices")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if year is not None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        qs = qs.filter(
            Q(received_on__gte=start, received_on__lt=end)
            | Q(received_on__lt=start) & (Q(concluded_on__isnull=True) | Q(concluded_on__gte=start))
        )
    return qs.order_by("unit__path", "received_on", "ref", "pk")


# What an export reads of a request: the ledger's fields and those the computed columns need. Plain
# values rows, not model instances (ID numbers and contacts decrypted by the field as they arrive).
_REQUEST_VALUES = (
    "pk", "unit_id", "unit__code", *MODEL_FIELDS.values(), "status", "due_on", "due_is_provisional",
)
EXPORT_CHUNK = 1000  # requests per batch: one query for their consultations, one for their fee notices


class _Record(SimpleNamespace):
    """A values row read as attributes, so ledger_values and services.case_dates take it as they
    take a model instance (one rule for the ledger view and the case dates)."""


def _records_by_request(model, date_fields: tuple[str, str], ids: list[int]) -> dict[int, list]:
    """{request id: its records (two dates each), in the model's order}, in one query. Plain SQL: the
    ORM spends longer preparing an IN of a thousand ids than the database takes to answer it."""
    by_request: dict[int, list] = {}
    if not ids:
        return by_request
    db = connections[model.objects.db]
    quote, meta = db.ops.quote_name, model._meta
    request_column = quote(meta.get_field("request").column)
    order = [request_column] + [
        quote(meta.get_field(name.lstrip("-")).column) + (" DESC" if name.startswith("-") else "")
        for name in meta.ordering
    ]
    sql = (f"SELECT {request_column}, {', '.join(quote(meta.get_field(f).column) for f in date_fields)} "
           f"FROM {quote(meta.db_table)} WHERE {request_column} IN ({', '.join(['%s'] * len(ids))}) "
           f"ORDER BY {', '.join(order)}")
    first_name, second_name = date_fields
    with db.cursor() as cursor:
        cursor.execute(sql, ids)
        for request_id, first, second in cursor.fetchall():
            by_request.setdefault(request_id, []).append(
                _Record(**{first_name: _as_date(first), second_name: _as_date(second)}))
    return by_request


def _as_date(value):
    """A date column's value as the driver gives it (SQLite: ISO text) → a date."""
    return value if value is None or type(value) is date else date.fromisoformat(str(value))


def _batches(queryset) -> Iterator[list[dict]]:
    """The requests as values rows, EXPORT_CHUNK at a time, as the database sends them (a server-side
    cursor on PostgreSQL): memory holds one batch, whatever the number of rows."""
    rows = queryset.prefetch_related(None).values(*_REQUEST_VALUES).iterator(chunk_size=EXPORT_CHUNK)
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == EXPORT_CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def export_rows(
    queryset, *, calendar: dl.WorkCalendar, today: date, mask_ids: bool = False,
    reveal: Callable[[int], bool] | None = None,
) -> Iterator[dict]:
    """One dict per request: the ledger columns then the computed ones, as Python values.

    mask_ids masks every ID number. reveal(unit_id) (access.can_reveal_id) decides per request, as
    the admin's page does: where it is false the ID number and the contact are masked; it is asked
    only about rows that have one of them, so a caller may count what it showed.

    Three queries per EXPORT_CHUNK requests (the requests, their consultations, their fee notices),
    values rows instead of model instances, and the working days by the calendar's index."""
    for batch in _batches(queryset):
        ids = [row["pk"] for row in batch]
        consultations_of = _records_by_request(Consultation, ("sent_on", "replied_on"), ids)
        fees_of = _records_by_request(FeeNotice, ("notice_on", "paid_on"), ids)
        for values in batch:
            req = _Record(**values)
            consultations, fees = consultations_of.get(req.pk, []), fees_of.get(req.pk, [])
            row = ledger_values(req, consultations, fees, req.unit__code)
            personal = row["applicant_id_number"] or row["applicant_contact"]
            if reveal is not None and personal and not reveal(req.unit_id):
                row["applicant_id_number"] = mask_id_number(row["applicant_id_number"])
                row["applicant_contact"] = mask_contact(row["applicant_contact"])
            elif mask_ids:
                row["applicant_id_number"] = mask_id_number(row["applicant_id_number"])
            concluded = req.status in CONCLUDED_STATUSES
            due = req.due_on
            overdue = due is not None and (
                (req.concluded_on is not None and req.concluded_on > due) or (not concluded and today > due)
            )
            row.update(
                status=req.status,
                due_on=due,
                due_is_provisional=req.due_is_provisional,
                working_days_used=dl.workdays_used(
                    case_dates(req, consultations=consultations, fees=fees), calendar, today),
                overdue=overdue,
            )
            yield row
        # let this batch go before the next is read, so memory holds one batch, not two
        batch.clear()
        consultations_of.clear()
        fees_of.clear()


EXPORT_COLUMNS = LEDGER_COLUMNS + COMPUTED_COLUMNS


def _headers(language: str) -> list[str]:
    return [c.key if language == "en" else c.zh for c in EXPORT_COLUMNS]


def _flat(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return value


STREAM_ROWS = 500  # rows per chunk of a streamed CSV or JSON


class _Count:
    rows = 0


def iter_csv(rows: Iterable[dict], *, headers: str = "zh", count: _Count | None = None) -> Iterator[str]:
    """The CSV as text chunks, written as the rows arrive. Text that a spreadsheet would take for a
    formula is neutralised (spreadsheets.neutralise)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(_headers(headers))
    count = count or _Count()
    keys = [c.key for c in EXPORT_COLUMNS]
    for row in rows:
        writer.writerow([neutralise(_flat(row[k])) for k in keys])
        count.rows += 1
        if count.rows % STREAM_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def iter_json(rows: Iterable[dict], *, count: _Count | None = None) -> Iterator[str]:
    """A list of objects keyed by the English keys; dates YYYY-MM-DD, empty → null, yes/no → booleans.
    Not a spreadsheet: text is written as it is stored (no neutralising apostrophe)."""
    count = count or _Count()
    keys = [c.key for c in EXPORT_COLUMNS]
    parts = ["["]
    for row in rows:
        item = {}
        for key in keys:
            value = row[key]
            item[key] = value.isoformat() if isinstance(value, date) else (None if value == "" else value)
        parts.append(("\n" if count.rows == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count.rows += 1
        if count.rows % STREAM_ROWS == 0:
            yield "".join(parts)
            parts = []
    parts.append("\n]\n" if count.rows else "]\n")
    yield "".join(parts)


def write_csv(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    """iter_csv into a text file; returns the number of rows."""
    count = _Count()
    for chunk in iter_csv(rows, headers=headers, count=count):
        out.write(chunk)
    return count.rows


def write_json(rows: Iterable[dict], out) -> int:
    """iter_json into a text file; returns the number of rows."""
    count = _Count()
    for chunk in iter_json(rows, count=count):
        out.write(chunk)
    return count.rows


def write_xlsx(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    """Dates as real date cells; yes/no as text; every text cell a neutralised string cell."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("台账"))
    sheet.append([write_only_value(sheet, h) for h in _headers(headers)])
    count = 0
    for row in rows:
        cells = []
        for c in EXPORT_COLUMNS:
            value = row[c.key]
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(write_only_value(sheet, _flat(value)))
        sheet.append(cells)
        count += 1
    book.save(out)
    return count


# --- a download from the admin or the API ----------------------------------------------------------

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
EXPORT_YEARS = (1901, 2999)  # export_ledger's bounds on --year


@dataclass(frozen=True)
class LedgerFile:
    content: bytes
    content_type: str
    filename: str
    detail: dict  # the audit entry: the parameters, the rows, how many went out with ID number or contact in full


@dataclass(frozen=True)
class LedgerDownload:
    """A ledger file as bytes chunks made while they are sent (StreamingHttpResponse): memory holds a
    batch of rows, whatever the number of rows. `detail` is known before the first byte (counted in
    one query) so that the audit entry is written before anything leaves."""

    chunks: Iterator[bytes]
    content_type: str
    filename: str
    detail: dict


XLSX_SPOOL_BYTES = 4 * 1024 * 1024  # an XLSX larger than this is assembled on disk, not in memory
FILE_CHUNK = 64 * 1024


def _counts(queryset, may_reveal: Callable[[int], bool]) -> tuple[int, int]:
    """(rows, rows whose ID number or contact goes out in full): what export_rows with reveal= will
    count, from one aggregate query per unit instead of the rows."""
    personal = ~Q(applicant_id_number="", applicant_contact="")
    per_unit = (queryset.prefetch_related(None).select_related(None).order_by().values("unit_id")
                .annotate(rows=Count("pk"), personal=Count("pk", filter=personal)))
    rows = revealed = 0
    for entry in per_unit:
        rows += entry["rows"]
        if entry["personal"] and may_reveal(entry["unit_id"]):
            revealed += entry["personal"]
    return rows, revealed


def _xlsx_chunks(rows: Iterable[dict], headers: str) -> Iterator[bytes]:
    """openpyxl's write-only workbook (rows go to its temporary sheet file as they come) saved into a
    spooled file, then sent in FILE_CHUNK pieces."""
    with tempfile.SpooledTemporaryFile(max_size=XLSX_SPOOL_BYTES) as spool:
        write_xlsx(rows, spool, headers=headers)
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK):
            yield chunk


def ledger_download(access, *, year: int | None, unit: Unit | None, fmt: str, headers: str,
                    calendar: dl.WorkCalendar, today: date, ids: Iterable[int] | None = None) -> LedgerDownload:
    """export_ledger --year --unit --format --headers as `access` (disclosure.access) may see it: only
    the requests of its visible units, the ID number and contact in full only where it may reveal
    them. The bytes are those of the command's -o file (CSV with a BOM, for Excel). `ids` narrows it to
    those requests (the admin list's 导出所选)."""
    queryset = ledger_queryset(year=year, unit=unit)
    if ids is not None:
        ids = sorted(set(ids))
        queryset = queryset.filter(pk__in=ids)
    queryset = access.visible_requests(queryset)
    count, revealed = _counts(queryset, access.can_reveal_id)
    rows = export_rows(queryset, calendar=calendar, today=today, reveal=access.can_reveal_id)
    if fmt == "xlsx":
        chunks = _xlsx_chunks(rows, headers)
    elif fmt == "csv":
        chunks = _encoded(iter_csv(rows, headers=headers), bom=True)
    else:
        chunks = _encoded(iter_json(rows), bom=False)
    name = "-".join(["ledger", *([str(year)] if year else []), *([unit.code] if unit else []),
                     *(["selected"] if ids is not None else [])])
    detail = {"year": year, "unit": unit.code if unit else None, "format": fmt, "headers": headers,
              "rows": count, "revealed": revealed, **({"ids": ids} if ids is not None else {})}
    return LedgerDownload(chunks, CONTENT_TYPES[fmt], f"{name}.{fmt}", detail)


def _encoded(texts: Iterator[str], *, bom: bool) -> Iterator[bytes]:
    if bom:
        yield "\ufeff".encode()
    for text in texts:
        if text:
            yield text.encode("utf-8")


def ledger_file(access, **options) -> LedgerFile:
    """ledger_download's file in memory (for callers that need the bytes at once)."""
    download = ledger_download(access, **options)
    return LedgerFile(b"".join(download.chunks), download.content_type, download.filename, download.detail)
