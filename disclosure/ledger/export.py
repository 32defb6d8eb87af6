"""Exporting requests in the ledger format: CSV, JSON or XLSX, ID numbers masked on request."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..access import mask_contact, mask_id_number
from ..models import DisclosureRequest, Unit
from ..spreadsheets import neutralise, write_only_value
from ..workflow import CONCLUDED_STATUSES
from .columns import COMPUTED_COLUMNS, LEDGER_COLUMNS
from .requests import _case_dates, ledger_values

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


def export_rows(
    queryset, *, calendar: dl.WorkCalendar, today: date, mask_ids: bool = False,
    reveal: Callable[[int], bool] | None = None,
) -> Iterator[dict]:
    """One dict per request: the ledger columns then the computed ones, as Python values.

    mask_ids masks every ID number. reveal(unit_id) (access.can_reveal_id) decides per request, as
    the admin's page does: where it is false the ID number and the contact are masked; it is asked
    only about rows that have one of them, so a caller may count what it showed."""
    for req in queryset.iterator(chunk_size=2000):
        consultations, fees = list(req.consultations.all()), list(req.fee_notices.all())
        row = ledger_values(req, consultations, fees, req.unit.code)
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
            working_days_used=dl.workdays_used(_case_dates(req, consultations, fees), calendar, today),
            overdue=overdue,
        )
        yield row


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


def write_csv(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    """Text that a spreadsheet would take for a formula is neutralised (spreadsheets.neutralise)."""
    writer = csv.writer(out)
    writer.writerow(_headers(headers))
    count = 0
    for row in rows:
        writer.writerow([neutralise(_flat(row[c.key])) for c in EXPORT_COLUMNS])
        count += 1
    return count


def write_json(rows: Iterable[dict], out) -> int:
    """A list of objects keyed by the English keys; dates YYYY-MM-DD, empty → null, yes/no → booleans.
    Not a spreadsheet: text is written as it is stored (no neutralising apostrophe)."""
    out.write("[")
    count = 0
    for row in rows:
        item = {}
        for c in EXPORT_COLUMNS:
            value = row[c.key]
            item[c.key] = value.isoformat() if isinstance(value, date) else (None if value == "" else value)
        out.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_xlsx(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    """Dates as real date cells; yes/no as text; every text cell a neutralised string cell."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

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


def ledger_file(access, *, year: int | None, unit: Unit | None, fmt: str, headers: str,
                calendar: dl.WorkCalendar, today: date, ids: Iterable[int] | None = None) -> LedgerFile:
    """export_ledger --year --unit --format --headers as `access` (disclosure.access) may see it: only
    the requests of its visible units, the ID number and contact in full only where it may reveal
    them. The bytes are those of the command's -o file (CSV with a BOM, for Excel). `ids` narrows it to
    those requests (the admin list's 导出所选)."""
    shown = 0

    def may_reveal(unit_id: int) -> bool:
        nonlocal shown
        allowed = access.can_reveal_id(unit_id)
        shown += allowed
        return allowed

    queryset = ledger_queryset(year=year, unit=unit)
    if ids is not None:
        ids = sorted(set(ids))
        queryset = queryset.filter(pk__in=ids)
    rows = export_rows(access.visible_requests(queryset), calendar=calendar, today=today, reveal=may_reveal)
    if fmt == "xlsx":
        binary = io.BytesIO()
        count = write_xlsx(rows, binary, headers=headers)
        content = binary.getvalue()
    else:
        text = io.StringIO(newline="")
        count = write_csv(rows, text, headers=headers) if fmt == "csv" else write_json(rows, text)
        content = text.getvalue().encode("utf-8-sig" if fmt == "csv" else "utf-8")
    name = "-".join(["ledger", *([str(year)] if year else []), *([unit.code] if unit else []),
                     *(["selected"] if ids is not None else [])])
    detail = {"year": year, "unit": unit.code if unit else None, "format": fmt, "headers": headers,
              "rows": count, "revealed": shown, **({"ids": ids} if ids is not None else {})}
    return LedgerFile(content, CONTENT_TYPES[fmt], f"{name}.{fmt}", detail)
