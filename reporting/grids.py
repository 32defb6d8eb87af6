"""The statutory tables as grids of (merged) cells: one layout for every renderer. The admin page and
the HTML export (exports.py), the XLSX (exports_xlsx.py) and the DOCX (exports_docx.py) all place the
cells of table_grids(), so the merged header cells and the labels are the same everywhere and exactly
those of the format (the seed report's layout). Pure: a compile document in, cells out.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import tables as t

# The charts' series colours, shared by the SVG, XLSX and DOCX charts.
COLOURS = ("#4472c4", "#ed7d31", "#a5a5a5", "#ffc000", "#5b9bd5", "#70ad47")


@dataclass(frozen=True)
class Cell:
    row: int  # 0-based
    col: int
    text: str = ""
    rowspan: int = 1
    colspan: int = 1
    is_head: bool = False
    value: int | float | None = None  # a figure (rendered as text)
    key: tuple[str, str, str] | None = None  # ("table3"|"table4", row/group, column): what it counts


@dataclass(frozen=True)
class Grid:
    code: str
    title: str
    rows: int
    cols: int
    cells: tuple[Cell, ...]
    label_cols: int  # leading label columns (wider)
    note: str = ""

    def at(self, row: int, col: int) -> Cell | None:
        return next((c for c in self.cells if c.row == row and c.col == col), None)


# --- Table 三 -----------------------------------------------------------------------------------------

T3_LABEL_COLS = 3
T3_HEAD_ROWS = 3


def table3_grid(doc: dict) -> Grid:
    """Header: the 勾稽关系 note over the label columns and three header rows, 申请人情况 over the seven
    columns, 自然人/总计 over two rows, 法人或其他组织 over the five organisation columns. Body: a line
    per data row; a group label (三、本年度办理结果, （三）不予公开 …) merged down over its rows."""
    edition, values = doc["edition"], doc["table3"]["rows"]
    data_rows = [r for r in t.TABLE3_LAYOUT[edition] if r.code]
    cells = [
        Cell(0, 0, t.TABLE3_HEADER_NOTE, rowspan=T3_HEAD_ROWS, colspan=T3_LABEL_COLS, is_head=True),
        Cell(0, 3, t.TABLE3_HEADER_APPLICANT, colspan=len(t.COLUMNS), is_head=True),
        Cell(1, 3, t.COLUMN_LABELS["natural_person"], rowspan=2, is_head=True),
        Cell(1, 4, t.TABLE3_HEADER_ORGANISATION, colspan=len(t.ORGANISATION_COLUMNS), is_head=True),
        *(Cell(2, 4 + i, t.COLUMN_LABELS[c], is_head=True) for i, c in enumerate(t.ORGANISATION_COLUMNS)),
        Cell(1, 3 + len(t.APPLICANT_COLUMNS), t.COLUMN_LABELS["total"], rowspan=2, is_head=True),
    ]
    for i, row in enumerate(data_rows):
        r = T3_HEAD_ROWS + i
        for level, label in enumerate(row.path):
            is_own = level == len(row.path) - 1
            previous = data_rows[i - 1].path if i else ()
            if not is_own and previous[: level + 1] == row.path[: level + 1]:
                continue  # inside a group label merged down from an earlier line
            span = 1
            if not is_own:
                while i + span < len(data_rows) and data_rows[i + span].path[: level + 1] == row.path[: level + 1]:
                    span += 1
            cells.append(Cell(r, level, label, rowspan=span, colspan=T3_LABEL_COLS - level if is_own else 1))
        for j, col in enumerate(t.COLUMNS):
            v = values[row.code][j]
            cells.append(Cell(r, T3_LABEL_COLS + j, str(v), value=v, key=("table3", row.code, col)))
    return Grid(
        "table3", t.TABLE3_TITLE, T3_HEAD_ROWS + len(data_rows), T3_LABEL_COLS + len(t.COLUMNS), tuple(cells),
        T3_LABEL_COLS,
    )


# --- Table 四 -----------------------------------------------------------------------------------------


def table4_grid(doc: dict) -> Grid:
    """行政复议 over five columns, 行政诉讼 over ten; 未经复议直接起诉 and 复议后起诉 over five each; the
    复议 result headers span rows 2–3; one line of figures."""
    width = len(t.TABLE4_COLUMNS)
    cells = [
        Cell(0, 0, t.TABLE4_GROUP_LABELS["reconsideration"], colspan=width, is_head=True),
        Cell(0, width, t.TABLE4_LITIGATION_LABEL, colspan=2 * width, is_head=True),
        *(Cell(1, i, t.TABLE4_COLUMN_LABELS[c], rowspan=2, is_head=True) for i, c in enumerate(t.TABLE4_COLUMNS)),
    ]
    for g, group in enumerate(t.TABLE4_GROUPS[1:], start=1):
        cells.append(Cell(1, g * width, t.TABLE4_GROUP_LABELS[group], colspan=width, is_head=True))
        cells += [
            Cell(2, g * width + i, t.TABLE4_COLUMN_LABELS[c], is_head=True) for i, c in enumerate(t.TABLE4_COLUMNS)
        ]
    for g, group in enumerate(t.TABLE4_GROUPS):
        for i, col in enumerate(t.TABLE4_COLUMNS):
            v = doc["table4"][group][col]
            cells.append(Cell(3, g * width + i, str(v), value=v, key=("table4", group, col)))
    note = (doc.get("table4_rule") or {}).get("text", "")
    return Grid("table4", t.TABLE4_TITLE, 4, 3 * width, tuple(cells), 0, note=note)


# --- Table 二 -----------------------------------------------------------------------------------------


def table2_grid(doc: dict) -> Grid:
    """The edition's sections stacked: a title line (第二十条第（一）项 …), a header line (信息内容 and
    the section's columns), a line per item; a section with fewer columns widens its last one."""
    sections = t.TABLE2[doc["edition"]]
    width = 1 + max(len(s.columns) for s in sections)
    entered = doc.get("table2") or {}
    cells, r = [], 0
    for s in sections:
        cells.append(Cell(r, 0, s.title, colspan=width, is_head=True))
        cells.append(Cell(r + 1, 0, t.TABLE2_ITEM_HEADER, is_head=True))
        span = [1] * len(s.columns)
        span[-1] = width - len(s.columns)
        cells += [Cell(r + 1, 1 + i, label, colspan=span[i], is_head=True) for i, (_c, label) in enumerate(s.columns)]
        for k, (item, label) in enumerate(s.items):
            cells.append(Cell(r + 2 + k, 0, label))
            for i, (col, _l) in enumerate(s.columns):
                v = (entered.get(item) or {}).get(col, 0)
                cells.append(Cell(r + 2 + k, 1 + i, _number_text(v), colspan=span[i], value=v))
        r += 2 + len(s.items)
    return Grid("table2", t.TABLE2_TITLE, r, width, tuple(cells), 1)


def _number_text(v) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def table_grids(doc: dict) -> list[Grid]:
    return [table2_grid(doc), table3_grid(doc), table4_grid(doc)]
