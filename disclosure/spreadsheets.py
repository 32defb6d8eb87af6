"""Spreadsheet files written and read safely, in one place for every export and import.

Writing (CWE-1236, OWASP "CSV injection"): a text cell starting with = + - @, a tab or a carriage
return is taken by Excel and LibreOffice for a formula, so every text cell of every CSV and XLSX the
project writes goes through `neutralise` (a leading apostrophe), and XLSX text cells are string
cells, never formulas. Numbers and dates are not text and are left alone. `restore` undoes it on
import, so an export reads back as the same text. JSON is not a spreadsheet and is left as it is.

Reading: `decode_csv` chooses the encoding from the whole file, not from a BOM alone;
`check_xlsx` looks at the zip's directory before openpyxl reads anything (declared and real
uncompressed sizes, the compression ratio), and `SheetLimits` caps rows, columns and cell length.
Messages quote at most a few characters of a cell (`excerpt`).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES

# --- writing -------------------------------------------------------------------------------------

# A text a spreadsheet would evaluate, behind any apostrophes already there: escaping "'=x" too keeps
# restore() exact ("'=x" → "''=x" → "'=x") while a plain leading apostrophe ("'quoted'") is kept.
_FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r]")
_FIRST = frozenset("=+-@\t\r'")  # a cheap test first: most cells start otherwise


def neutralise(value):
    """A value as a spreadsheet cell may safely hold it: text that would start a formula gets a
    leading apostrophe; everything else (numbers, dates, other text) is returned unchanged."""
    if isinstance(value, str) and value[:1] in _FIRST and _FORMULA_LIKE.match(value):
        return "'" + value
    return value


def restore(value):
    """The inverse of neutralise for a cell read back from a file."""
    if isinstance(value, str) and value.startswith("'") and _FORMULA_LIKE.match(value, 1):
        return value[1:]
    return value


def text_cell(cell):
    """An openpyxl cell (ordinary or write-only) whose text is neutralised and typed as a string, so
    neither a formula (openpyxl makes any "=…" one) nor an error value ("#N/A"). Returns the cell."""
    if isinstance(cell.value, str):
        cell.value = neutralise(cell.value)
        cell.data_type = "s"
    return cell


def write_only_value(sheet, value):
    """A value for a write-only sheet's append(): text neutralised, and typed as a string cell where
    openpyxl would not (an error literal such as "#N/A"; "=…" cannot remain once neutralised). A
    cell object only where needed: one per text cell would cost half as much again on a large export."""
    if not isinstance(value, str):
        return value
    value = neutralise(value)
    if value.startswith("=") or value in ERROR_CODES:
        return text_cell(WriteOnlyCell(sheet, value=value))
    return value


def neutralise_workbook(workbook) -> None:
    """text_cell on every cell of every sheet of an (ordinary, not write-only) workbook, before save."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text_cell(cell)


def excerpt(value, length: int = 30) -> str:
    """At most `length` characters of a cell for a message, "…" when cut."""
    text = str(value)
    return text if len(text) <= length else text[:length] + "…"


# --- reading: limits -----------------------------------------------------------------------------

MAX_COLUMNS = 256  # the ledger has fewer than 50 columns
MAX_RATIO = 100  # declared uncompressed / compressed size of an XLSX part (Apache POI's default)
RATIO_FREE_BYTES = 1024 * 1024  # parts smaller than this may compress better (repetitive XML)
MAX_ZIP_DIRECTORY_BYTES = 1024 * 1024  # the central directory: a few thousand parts at most


@dataclass(frozen=True)
class SheetLimits:
    """What a file may hold before it is refused unread (None: no cap)."""

    max_uncompressed_bytes: int | None
    max_rows: int | None
    max_cell_chars: int
    max_columns: int = MAX_COLUMNS

    @classmethod
    def for_uploads(cls) -> SheetLimits:
        """Files uploaded in the admin or the API (settings.GONGKAI_*)."""
        return cls(
            max_uncompressed_bytes=settings.GONGKAI_XLSX_MAX_UNCOMPRESSED_BYTES,
            max_rows=settings.GONGKAI_SHEET_MAX_ROWS,
            max_cell_chars=settings.GONGKAI_CELL_MAX_CHARS,
        )

    @classmethod
    def for_commands(cls) -> SheetLimits:
        """The operator's own file read by a management command: no cap on rows or total size (a
        1,000,000-row ledger imports), but the ratio, column and cell-length checks still hold."""
        return replace(cls.for_uploads(), max_uncompressed_bytes=None, max_rows=None)


class SheetRefused(ValueError):
    """The file exceeds a limit or is not what it claims; the message says which, in Chinese."""


# --- reading: CSV --------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 when every byte after an optional BOM is valid UTF-8, else GBK
    (GB18030, what Excel in a Chinese locale saves) — also when a BOM says UTF-8 but the body is not
    (else the header would read "锘縰nit"). A file whose first lines are UTF-8 and a later one is not
    mixes two encodings and is refused, naming the line, rather than read as GBK mojibake."""
    body = data[len(BOM):] if data.startswith(BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        earlier = body[: body.rfind(b"\n", 0, exc.start) + 1]
    if not earlier.isascii():
        raise SheetRefused(
            _("文件不是有效的 UTF-8 编码：前%(before)d行是 UTF-8，第%(line)d行却不是，同一文件混用了两种编码；"
              "请统一另存为 UTF-8 编码的 CSV。") % {"before": line - 1, "line": line}
        )
    try:
        return body.decode("gb18030")
    except UnicodeDecodeError:
        raise SheetRefused(
            _("文件不是有效的 UTF-8 编码（第%(line)d行起），也不是 GBK 编码；请另存为 UTF-8 编码的 CSV。")
            % {"line": line}
        ) from None


# --- reading: XLSX -------------------------------------------------------------------------------

def _directory_size(data: bytes) -> int | None:
    """The central directory's size from the end record (None: no end record: not a zip)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or end + 22 > len(data):
        return None
    return struct.unpack_from("<I", data, end + 12)[0]


def _inflates_within(data: bytes, info: zipfile.ZipInfo) -> bool:
    """Whether the part really inflates to no more than its declared size (decompressed in bounded
    steps, nothing kept): zipfile's read() would first inflate all of a part that lies about it."""
    start = info.header_offset
    if data[start:start + 4] != b"PK\x03\x04":
        return False
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    compressed = memoryview(data)[begin:begin + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        return len(compressed) <= info.file_size
    inflater = zlib.decompressobj(-15)
    total, pending = 0, bytes(compressed)
    try:
        while True:
            out = inflater.decompress(pending, 65536)
            total += len(out)
            if total > info.file_size:
                return False
            pending = inflater.unconsumed_tail
            if inflater.eof or (not out and not pending):
                return True
    except zlib.error:
        return False


def check_xlsx(data: bytes, limits: SheetLimits) -> None:
    """SheetRefused unless every part of the archive is a plain deflated part whose declared size,
    compression ratio and real size stay within the limits. Run before openpyxl opens the file."""
    directory = _directory_size(data)
    if directory is None:
        raise SheetRefused(_("无法读取 XLSX 文件：不是有效的压缩包。"))
    if directory > MAX_ZIP_DIRECTORY_BYTES:
        raise SheetRefused(_("XLSX 文件的部件过多，不像是电子表格。"))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise SheetRefused(_("无法读取 XLSX 文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc
    total = 0
    for info in parts:
        name = excerpt(info.filename, 60)
        if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SheetRefused(_("XLSX 文件的部件“%(part)s”经过加密或使用了不支持的压缩方式。") % {"part": name})
        total += info.file_size
        if limits.max_uncompressed_bytes is not None and total > limits.max_uncompressed_bytes:
            raise SheetRefused(
                _("XLSX 文件解压后超过%(limit)d MB（部件“%(part)s”声明%(size)d MB），不予读取；"
                  "请删除多余的工作表或内容后重试，或改用 CSV。")
                % {"limit": limits.max_uncompressed_bytes // 2**20, "part": name, "size": info.file_size // 2**20}
            )
        if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise SheetRefused(
                _("XLSX 文件的部件“%(part)s”压缩比异常（%(size)d MB 压缩为 %(packed)d KB），疑似压缩炸弹，不予读取。")
                % {"part": name, "size": info.file_size // 2**20, "packed": info.compress_size // 1024}
            )
        if not info.filename.startswith("xl/worksheets/") and not _inflates_within(data, info):
            # worksheets are streamed in small steps, cut off at their declared size; other parts are
            # read whole, so their real size is checked too
            raise SheetRefused(_("XLSX 文件的部件“%(part)s”解压后与声明的大小不符，文件已损坏。") % {"part": name})


def open_xlsx(data: bytes, limits: SheetLimits):
    """check_xlsx, then the workbook in openpyxl's read-only mode (sheets streamed, values not formulas)."""
    check_xlsx(data, limits)
    return load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def too_long(row: int, column: str, value: str, limits: SheetLimits) -> SheetRefused:
    return SheetRefused(
        _("第%(row)d行“%(column)s”列的内容有%(length)d个字符，超过上限%(limit)d个字符（开头为“%(start)s”）。")
        % {"row": row, "column": excerpt(column, 30), "length": len(value), "limit": limits.max_cell_chars,
           "start": excerpt(value, 10)}
    )


def too_many_rows(limits: SheetLimits) -> SheetRefused:
    return SheetRefused(
        _("文件超过%(limit)d行（GONGKAI_SHEET_MAX_ROWS），不予导入；请分年度或分单位导入，或由系统管理员使用命令导入。")
        % {"limit": limits.max_rows}
    )


def too_wide(row: int, limits: SheetLimits) -> SheetRefused:
    return SheetRefused(_("第%(row)d行超过%(limit)d列，不予导入。") % {"row": row, "limit": limits.max_columns})
