"""Reading a ledger-format file: CSV or XLSX into rows of cells, the header mapped onto the
columns a file must or may have, and the errors every import reports (row N, column X: reason)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

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


def read_sheet(source) -> Sheet:
    """A CSV (UTF-8 with or without BOM) or XLSX file, from a path, bytes or a binary file."""
    if isinstance(source, bytes):
        data = source
    elif hasattr(source, "read"):
        data = source.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise LedgerFileError(_("无法读取文件“%(path)s”：%(error)s") % {"path": source, "error": exc.strerror}) from exc
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        raise LedgerFileError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 UTF-8 编码的 CSV。"))
    else:
        rows = _csv_rows(data)
    numbered = [(n, cells) for n, cells in enumerate(rows, start=1)]
    if not numbered or not any(str(c).strip() for c in numbered[0][1]):
        raise LedgerFileError(_("文件为空，或第1行不是表头。"))
    body = [(n, cells) for n, cells in numbered[1:] if any(c != "" for c in cells)]
    return Sheet(header=numbered[0][1], rows=body)


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel in a Chinese locale saves CSV as GBK; accept it rather than refuse
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise LedgerFileError(_("文件不是 UTF-8 编码的 CSV，也不是 XLSX。")) from exc
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:  # NUL bytes, a field longer than the csv module allows
        raise LedgerFileError(_("无法读取 CSV 文件：%(error)s") % {"error": exc}) from exc


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    try:
        return [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    except Exception as exc:  # a damaged sheet inside a readable archive
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    finally:
        book.close()


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
            errors.append(RowError(1, text, _("未知的列名；请使用台账格式规定的英文键或中文表头。")))
            continue
        if column.key in index:
            errors.append(
                RowError(1, text, _("与第%(n)d列“%(other)s”重复。") % {"n": index[column.key] + 1, "other": names[column.key]})
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
                RowError(1, header.name(column), _("缺少必填列“%(zh)s”（%(key)s）。") % {"zh": column.zh, "key": column.key})
            )
    return header, errors


def _label(header: Header, column: Column) -> str:
    """How a reason names another column: 收到补正日期 or 收到补正日期（correction_received_on）."""
    name = header.name(column)
    return column.zh if name == column.zh else f"{column.zh}（{name}）"


def _cells_by_key(cells: list, header: Header) -> dict:
    return {key: (cells[pos] if pos < len(cells) else "") for key, pos in header.index.items()}
