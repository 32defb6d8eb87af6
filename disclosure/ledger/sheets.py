"""Reading a ledger-format file: CSV or XLSX into rows of cells, the header mapped onto the
columns a file must or may have, and the errors every import reports (row N, column X: reason)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from ..spreadsheets import (
    SheetLimits,
    SheetRefused,
    decode_csv,
    excerpt,
    open_xlsx,
    restore,
    too_long,
    too_many_rows,
    too_wide,
)

# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class LedgerInvalid(Exception):
    """The file has errors; nothing was written. `errors` lists every bad cell, in row order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: e.row)  # stable: columns stay in file order
        super().__init__("\n".join(str(e) for e in self.errors))


class LedgerFileError(ValueError):
    """The file cannot be read at all (not CSV/XLSX, empty, wrong encoding)."""


# --- reading CSV and XLSX ----------------------------------------------------------------------


@dataclass
class Sheet:
    header: list
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells); blank rows left out


class ImpreciseNumber(str):
    """A number cell too long for a spreadsheet's floating point (an 18-digit ID number typed as a
    number): its last digits are already lost, so it must not be stored as if it were exact."""


def _cell(value):
    """XLSX cell → str or date (real date cells are accepted as dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
        return ImpreciseNumber(text) if abs(value) >= 2**53 else text
    return str(value).strip()


def read_sheet(source, limits: SheetLimits | None = None) -> Sheet:
    """A CSV (UTF-8 with or without BOM, or GBK) or XLSX file, from a path, bytes or a binary file.

    `limits` (default: those for uploads, SheetLimits.for_uploads) bound what is read: the XLSX is
    checked before openpyxl opens it and read by the header's columns only; rows, columns and cell
    length are capped (LedgerFileError naming the row and column). Cells our exports neutralised
    (spreadsheets.neutralise) read back as the text they were."""
    limits = limits or SheetLimits.for_uploads()
    if isinstance(source, bytes):
        data = source
    elif hasattr(source, "read"):
        data = source.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise LedgerFileError(
                _("无法读取文件“%(path)s”：%(error)s") % {"path": source, "error": exc.strerror}) from exc
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise LedgerFileError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 UTF-8 编码的 CSV。"))
    try:
        header, rows = _xlsx_rows(data, limits) if data[:4] == b"PK\x03\x04" else _csv_rows(data, limits)
        if not any(str(c).strip() for c in header):
            raise LedgerFileError(_("文件为空，或第1行不是表头。"))
        for position, cell in enumerate(header):
            if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                raise too_long(1, get_column_letter(position + 1), cell, limits)
        body = []
        for number, cells in rows:
            # A row of text (every CSV row) is looked at whole first: most have no cell to restore
            # and are shorter in all than one cell may be.
            try:
                joined = "\x00".join(cells)
            except TypeError:  # an XLSX row with numbers or dates
                joined = None
            if joined is None or joined.startswith("'") or "\x00'" in joined:
                cells = [restore(c) for c in cells]
            if joined is None or len(joined) > limits.max_cell_chars:
                for position, cell in enumerate(cells):
                    if isinstance(cell, str) and len(cell) > limits.max_cell_chars:
                        name = str(header[position]) if position < len(header) else get_column_letter(position + 1)
                        raise too_long(number, name, cell, limits)
            if cells.count("") != len(cells):  # not a blank line (as any(c != ""), without a generator per row)
                body.append((number, cells))
    except SheetRefused as exc:
        raise LedgerFileError(str(exc)) from exc
    return Sheet(header=[restore(c) for c in header], rows=body)


def _csv_rows(data: bytes, limits: SheetLimits) -> tuple[list, Iterator[tuple[int, list]]]:
    text = decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=""))

    def rows():
        try:
            for number, row in enumerate(reader, start=1):
                if limits.max_rows is not None and number > limits.max_rows + 1:
                    raise too_many_rows(limits)
                if len(row) > limits.max_columns:
                    raise too_wide(number, limits)
                yield number, [c.strip() for c in row]
        except csv.Error as exc:  # NUL bytes, a field longer than the csv module allows
            raise LedgerFileError(_("无法读取 CSV 文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc

    lines = rows()
    first = next(lines, None)
    if first is None:
        raise LedgerFileError(_("文件为空，或第1行不是表头。"))
    return _trimmed(first[1]), lines


def _trimmed(cells: list) -> list:
    """A header without its empty cells at the end."""
    end = len(cells)
    while end and cells[end - 1] in ("", None):
        end -= 1
    return list(cells[:end])


def _xlsx_rows(data: bytes, limits: SheetLimits) -> tuple[list, Iterator[tuple[int, list]]]:
    """The header (row 1, at most limits.max_columns wide), then the rows by the header's columns only:
    a sheet may declare the full width (XFD) and openpyxl would pad every row to 16,384 cells."""
    try:
        book = open_xlsx(data, limits)
    except SheetRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the declared dimension may be wrong, or the full sheet (A1:XFD1048576)
        first = next(sheet.iter_rows(min_row=1, max_row=1, max_col=limits.max_columns + 1, values_only=True), ())
        header = _trimmed([_cell(v) for v in first])
    except Exception as exc:
        book.close()
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc
    if len(header) > limits.max_columns:
        book.close()
        raise too_wide(1, limits)
    # one row past the cap tells a sheet that goes on (openpyxl pads up to max_row when it does)
    last = limits.max_rows + 2 if limits.max_rows is not None else None

    def rows():
        try:
            cells = sheet.iter_rows(min_row=2, max_col=max(len(header), 1), max_row=last, values_only=True)
            for number, row in enumerate(cells, start=2):
                if last is not None and number >= last:
                    raise too_many_rows(limits)
                if any(v is not None and v != "" for v in row):
                    yield number, [_cell(v) for v in row]
        except (SheetRefused, LedgerFileError):
            raise
        except Exception as exc:  # a damaged sheet inside a readable archive
            raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc
        finally:
            book.close()

    return header, rows()


# --- headers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool = False
    also: tuple[str, ...] = ()


def _norm_header(text) -> str:
    return re.sub(r"\s+", "", str(text or "")).lstrip("\ufeff").strip("*＊").lower()


# Columns some offices keep that carry no ledger data (row numbers).
IGNORED_HEADERS = frozenset({"序号", "no", "no.", "#"})


@dataclass
class Header:
    index: dict[str, int]
    names: dict[str, str]
    chinese: bool

    def name(self, column: Column) -> str:
        """The column as the file names it (or would, in the file's language, when it is absent)."""
        return self.names.get(column.key) or (column.zh if self.chinese else column.key)


def map_header(cells: list, columns: Iterable[Column], ignored: Iterable[Column] = ()) -> tuple[Header, list[RowError]]:
    columns = list(columns)
    lookup = {_norm_header(a): c for c in columns for a in (c.key, c.zh, *c.also)}
    skip = {_norm_header(a) for c in ignored for a in (c.key, c.zh, *c.also)} | IGNORED_HEADERS
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    errors: list[RowError] = []
    chinese = english = 0
    for position, raw in enumerate(cells):
        text = str(raw or "").strip().lstrip("\ufeff")
        norm = _norm_header(text)
        if not norm or norm in skip:
            continue
        column = lookup.get(norm)
        if column is None:
            errors.append(RowError(1, excerpt(text, 40), _("未知的列名；请使用台账格式规定的英文键或中文表头。")))
            continue
        if column.key in index:
            errors.append(
                RowError(1, excerpt(text, 40),
                         _("与第%(n)d列“%(other)s”重复。") % {"n": index[column.key] + 1, "other": names[column.key]})
            )
            continue
        index[column.key], names[column.key] = position, text
        if re.search(r"[\u4e00-\u9fff]", text):
            chinese += 1
        else:
            english += 1
    header = Header(index=index, names=names, chinese=chinese > english)
    for column in columns:
        if column.required and column.key not in index:
            errors.append(
                RowError(1, header.name(column),
                         _("缺少必填列“%(zh)s”（%(key)s）。") % {"zh": column.zh, "key": column.key})
            )
    return header, errors


def column_label(header: Header, column: Column) -> str:
    """How a reason names another column: 收到补正日期 or 收到补正日期（correction_received_on）."""
    name = header.name(column)
    return column.zh if name == column.zh else f"{column.zh}（{name}）"


def cells_by_key(cells: list, header: Header) -> dict:
    return {key: (cells[pos] if pos < len(cells) else "") for key, pos in header.index.items()}
