"""XLSX of tables 二, 三 and 四 in the statutory layout (a sheet per table, merged cells as in the
format), the three charts as native spreadsheet charts, and the reader for a unit's submitted XLSX."""

from __future__ import annotations

import io
import re
from pathlib import Path
from types import SimpleNamespace

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from disclosure.spreadsheets import SheetLimits, SheetRefused, excerpt, neutralise_workbook, open_xlsx, restore

from . import narrative as n
from . import tables as t
from .errors import ReportError
from .grids import Grid, table_grids

SHEETS = {"table2": "表二", "table3": "表三", "table4": "表四"}
CHART_SHEET = "图表"
INFO_SHEET = "报告信息"
# The 报告信息 sheet's labels, read back on import; files written before they were Chinese carry the
# keys themselves (unit_code, …), which the reader still accepts.
INFO_LABELS = {"unit_code": "单位代码", "unit_name": "单位名称", "year": "报告年度", "edition": "格式版本"}
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_HEIGHTS = {"table3": {1: 22, 2: 22, 3: 30}, "table4": {1: 20, 2: 20, 3: 30}}
WIDTHS = {"table3": (14, 16, 44) + (9,) * 7, "table4": (9,) * 15, "table2": (22, 16, 16, 16)}


def _place(ws, grid: Grid) -> None:
    """Every cell of the grid at its place, merged over its span, bordered (merged areas included)."""
    for cell in grid.cells:
        value = cell.value if cell.value is not None else cell.text
        target = ws.cell(row=cell.row + 1, column=cell.col + 1, value=value)
        target.alignment = Alignment(
            horizontal="center" if (cell.is_head or cell.value is not None) else "left",
            vertical="center",
            wrap_text=True,
        )
        if cell.is_head:
            target.font = Font(bold=True)
        if cell.rowspan > 1 or cell.colspan > 1:
            ws.merge_cells(
                start_row=cell.row + 1, start_column=cell.col + 1,
                end_row=cell.row + cell.rowspan, end_column=cell.col + cell.colspan,
            )
    for row in ws.iter_rows(min_row=1, max_row=grid.rows, max_col=grid.cols):
        for c in row:
            c.border = BORDER
    for i, width in enumerate(WIDTHS[grid.code][: grid.cols], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row, height in HEADER_HEIGHTS.get(grid.code, {}).items():
        ws.row_dimensions[row].height = height  # spreadsheets do not grow rows for wrapped merged cells
    if grid.note:
        ws.cell(row=grid.rows + 2, column=1, value=grid.note)
    # Print: landscape, one page wide (as the statutory form is printed).
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def _chart_sheet(wb: Workbook, doc: dict) -> None:
    """The charts' data as small tables and a native bar chart over each (stacked for the outcomes)."""
    ws = wb.create_sheet(CHART_SHEET)
    row = 1
    for chart in n.charts(doc):
        ws.cell(row=row, column=1, value=chart.title).font = Font(bold=True)
        header = row + 1
        ws.cell(row=header, column=1, value="")
        for s, (name, _v) in enumerate(chart.series, start=2):
            ws.cell(row=header, column=s, value=name)
        for i, category in enumerate(chart.categories):
            ws.cell(row=header + 1 + i, column=1, value=category)
            for s, (_name, values) in enumerate(chart.series, start=2):
                ws.cell(row=header + 1 + i, column=s, value=values[i])
        last = header + max(len(chart.categories), 1)
        bar = BarChart()
        bar.type = "bar" if chart.is_stacked else "col"
        bar.title = chart.title
        if chart.is_stacked:
            bar.grouping, bar.overlap = "stacked", 100
        else:
            bar.legend = None
        data = Reference(ws, min_col=2, max_col=1 + len(chart.series), min_row=header, max_row=last)
        bar.add_data(data, titles_from_data=True)
        bar.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=last))
        bar.y_axis.scaling.min = 0  # counts start at zero, or small differences look large
        bar.x_axis.delete = bar.y_axis.delete = False  # openpyxl 3.1 hides axes in Excel unless told
        bar.height, bar.width = 7.5, 16
        ws.add_chart(bar, f"{get_column_letter(len(chart.series) + 3)}{row}")
        row = max(last + 2, row + 16)
    ws.column_dimensions["A"].width = 16
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0


def write_xlsx(doc: dict) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for grid in table_grids(doc):
        ws = wb.create_sheet(SHEETS[grid.code])
        _place(ws, grid)
    _chart_sheet(wb, doc)
    info = wb.create_sheet(INFO_SHEET)
    values = {"unit_code": doc["unit"]["code"], "unit_name": doc["unit"]["name"], "year": doc["year"],
              "edition": doc["edition"]}
    for i, (key, label) in enumerate(INFO_LABELS.items(), start=1):
        info.cell(row=i, column=1, value=label)
        info.cell(row=i, column=2, value=values[key])
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 36
    neutralise_workbook(wb)  # a unit's name or a label could start like a formula
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- Reading a submitted XLSX ----------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\u3000]+")


class XlsxFormatError(ValueError):
    pass


def _text(value) -> str:
    return _SPACE.sub("", str(value)) if value is not None else ""


def _count(ws, row: int, col: int) -> int:
    value = ws.cell(row=row, column=col).value
    text = _text(value)
    if text == "":
        return 0
    try:
        number = float(text)
    except ValueError:
        raise XlsxFormatError(
            _("工作表“%(sheet)s”%(cell)s单元格应为数字，而不是“%(value)s”。")
            % {"sheet": excerpt(ws.title, 31), "cell": f"{get_column_letter(col)}{row}", "value": excerpt(value)}
        ) from None
    if not number.is_integer() or number < 0:
        raise XlsxFormatError(
            _("工作表“%(sheet)s”%(cell)s单元格应为非负整数。")
            % {"sheet": ws.title, "cell": f"{get_column_letter(col)}{row}"}
        )
    return int(number)


def _find_sheet(wb, code: str, marker: str):
    if SHEETS[code] in wb.sheetnames:
        return wb[SHEETS[code]]
    for ws in wb.worksheets:
        for row in ws.iter_rows(max_row=5, max_col=20, values_only=True):
            if any(_text(v) == _text(marker) for v in row):
                return ws
    return None


def _read_table3(ws) -> tuple[dict[str, list[int]], str]:
    labels = {}
    for edition in t.EDITIONS:
        for code, label in t.ROW_LABELS[edition].items():
            labels.setdefault(_text(label), set()).add(code)
    rows: dict[str, list[int]] = {}
    for r in range(1, ws.max_row + 1):
        texts = [_text(ws.cell(row=r, column=c).value) for c in range(1, 4)]
        label = next((x for x in reversed(texts) if x), "")
        codes = labels.get(label)
        if not codes:
            continue
        code = min(codes)
        rows[code] = [_count(ws, r, 4 + j) for j in range(len(t.COLUMNS))]
    edition = t.EDITION_2021 if rows.keys() & t.ONLY_IN[t.EDITION_2021] else t.EDITION_2019
    return rows, edition


def _read_table4(ws) -> dict[str, dict[str, int]]:
    width = len(t.TABLE4_COLUMNS)
    for r in range(1, ws.max_row + 1):
        texts = [_text(ws.cell(row=r, column=c).value) for c in range(1, 3 * width + 1)]
        if all(x == "" or x.replace(".", "").isdigit() for x in texts) and texts[0] != "":
            return {
                g: {col: _count(ws, r, gi * width + i + 1) for i, col in enumerate(t.TABLE4_COLUMNS)}
                for gi, g in enumerate(t.TABLE4_GROUPS)
            }
    raise XlsxFormatError(_("工作表“%(sheet)s”中找不到表四的数字行。") % {"sheet": ws.title})


def _read_table2(ws, edition: str) -> dict:
    result: dict[str, dict] = {}
    section = None
    for r in range(1, ws.max_row + 1):
        label = _text(ws.cell(row=r, column=1).value)
        section = next((s for s in t.TABLE2[edition] if _text(s.title) == label), section)
        if section is None:
            continue
        for item, item_label in section.items:
            if _text(item_label) == label:
                result[item] = {}
                for i, (col, _l) in enumerate(section.columns):
                    raw = ws.cell(row=r, column=2 + i).value
                    text = _text(raw).replace("万元", "")
                    try:
                        value = float(text) if text else 0
                    except ValueError:
                        raise XlsxFormatError(
                            _("工作表“%(sheet)s”%(cell)s单元格应为数字。")
                            % {"sheet": ws.title, "cell": f"{get_column_letter(2 + i)}{r}"}
                        ) from None
                    result[item][col] = int(value) if float(value).is_integer() else value
    return result


# A submitted file may declare any size: only this corner of each sheet is read (the statutory
# tables are about 40 rows by at most 15 columns, table 四 being the widest).
REPORT_MAX_ROWS = 300
REPORT_MAX_COLUMNS = 20
REPORT_MAX_SHEETS = 20  # ours has five


class _Sheet:
    """The first REPORT_MAX_ROWS × REPORT_MAX_COLUMNS values of a worksheet, read once in openpyxl's
    read-only mode, with the few worksheet calls the readers below make. Merged cells read as in an
    ordinary workbook: the value in the top-left cell, the others empty."""

    def __init__(self, ws):
        self.title = ws.title
        ws.reset_dimensions()  # never trust (or pad to) a declared A1:XFD1048576
        self._rows = [tuple(row) for row in ws.iter_rows(max_row=REPORT_MAX_ROWS, max_col=REPORT_MAX_COLUMNS,
                                                         values_only=True)]
        self.max_row = len(self._rows)

    def cell(self, row: int, column: int) -> SimpleNamespace:
        values = self._rows[row - 1] if 0 < row <= len(self._rows) else ()
        return SimpleNamespace(value=restore(values[column - 1]) if 0 < column <= len(values) else None)

    def iter_rows(self, max_row: int | None = None, max_col: int | None = None, values_only: bool = True):
        for row in self._rows[:max_row]:
            yield tuple(restore(v) for v in row[:max_col])


class _Book:
    def __init__(self, wb):
        self.worksheets = [_Sheet(ws) for ws in wb.worksheets[:REPORT_MAX_SHEETS]]
        self.sheetnames = [ws.title for ws in self.worksheets]

    def __getitem__(self, name: str) -> _Sheet:
        return self.worksheets[self.sheetnames.index(name)]


def _open(path_or_file) -> _Book:
    """The workbook checked before openpyxl reads it (spreadsheets.check_xlsx), then bounded."""
    if hasattr(path_or_file, "read"):
        data = path_or_file.read()
    else:
        data = Path(path_or_file).read_bytes()
    try:
        wb = open_xlsx(data, SheetLimits.for_uploads())
    except SheetRefused as exc:
        raise ReportError(str(exc)) from exc
    try:
        return _Book(wb)
    finally:
        wb.close()


def read_xlsx(path_or_file) -> dict:
    """A unit's XLSX in the statutory layout → the annual-report.md document (without checks).
    The year and unit come from the 报告信息 sheet our export writes, else from a “2019年” in a title."""
    wb = _open(path_or_file)
    try:
        ws3 = _find_sheet(wb, "table3", t.TABLE3_HEADER_NOTE)
        if ws3 is None:
            raise XlsxFormatError(_("找不到表三（“收到和处理政府信息公开申请情况”）的工作表。"))
        rows, edition = _read_table3(ws3)
        ws4 = _find_sheet(wb, "table4", t.TABLE4_GROUP_LABELS["reconsideration"])
        if ws4 is None:
            raise XlsxFormatError(_("找不到表四（“行政复议、行政诉讼情况”）的工作表。"))
        table4 = _read_table4(ws4)
        info = {}
        if INFO_SHEET in wb.sheetnames:
            keys = {label: key for key, label in INFO_LABELS.items()}
            info = {keys.get(str(k).strip(), str(k).strip()): v
                    for k, v in wb[INFO_SHEET].iter_rows(max_col=2, values_only=True) if k}
        edition = str(info.get("edition") or edition)
        ws2 = _find_sheet(wb, "table2", "第二十条第（一）项")
        table2 = _read_table2(ws2, edition) if ws2 is not None and edition in t.EDITIONS else {}
    except XlsxFormatError as exc:
        raise ReportError(str(exc)) from exc
    year = info.get("year")
    if year is None:
        for ws in wb.worksheets:
            match = next((re.search(r"(20\d\d)年", str(v)) for row in ws.iter_rows(max_row=3, values_only=True)
                          for v in row if v and re.search(r"(20\d\d)年", str(v))), None)
            if match:
                year = int(match.group(1))
                break
    try:
        year = int(year) if year is not None else None
    except (TypeError, ValueError):
        year = None
    doc = {
        "year": year,
        "edition": edition,
        "table3": {"columns": list(t.COLUMNS), "rows": rows},
        "table4": table4,
        "table2": table2,
        "breakdowns": {},
    }
    if info.get("unit_code"):
        doc["unit"] = {"code": str(info["unit_code"]), "name": str(info.get("unit_name") or "")}
    return doc
