"""DOCX of the whole annual report: title, introduction, the six sections, section 一's generated draft,
the tables in the statutory layout (merged cells) and the charts (PNG drawn with Pillow).

The words come from narrative.py and the tables from grids.table_grids over the same compile document.
"""

from __future__ import annotations

import io
import os
from functools import lru_cache

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from documents import typography

from . import narrative as n
from .grids import COLOURS, Grid, table_grids

TYPE_AREA_CM = 15.6  # GB/T 9704-2012: 156 mm between the margins
SMALL_TABLE_ROWS = 8

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)


@lru_cache(maxsize=4)
def _font(size: int):
    """A CJK font for the chart labels: GONGKAI_CHART_FONT, else a usual system path, else Pillow's own
    (which has no Chinese glyphs: the bars and numbers are still right, the labels show boxes)."""
    for path in (os.environ.get("GONGKAI_CHART_FONT"), *FONT_CANDIDATES):
        if path and os.path.exists(path):
            try:
                return ImageFont.truetype(path, size)
            except OSError:
                continue
    return ImageFont.load_default(size)


def chart_png(chart: n.Chart, width: int = 1200) -> bytes:
    """A horizontal bar chart, stacked when there are several series, with a legend and totals."""
    font, small = _font(26), _font(22)
    label_w, bar_h, gap, top = 230, 44, 20, 70
    legend_h = 50 if chart.is_stacked else 0
    height = top + len(chart.categories) * (bar_h + gap) + legend_h + 20
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((20, 18), chart.title, fill="black", font=font)
    totals = chart.totals()
    scale = (width - label_w - 120) / (max(totals or [0]) or 1)
    for i, category in enumerate(chart.categories):
        y = top + i * (bar_h + gap)
        draw.text((label_w - 12, y + bar_h / 2), category, fill="black", font=small, anchor="rm")
        x = label_w
        for s, (_name, values) in enumerate(chart.series):
            w = values[i] * scale
            if w:
                draw.rectangle([x, y, x + w, y + bar_h], fill=COLOURS[s % len(COLOURS)])
            x += w
        draw.text((x + 10, y + bar_h / 2), str(totals[i]), fill="black", font=small, anchor="lm")
    if chart.is_stacked:
        y = height - legend_h
        for s, (name, _v) in enumerate(chart.series):
            x = label_w + s * 150
            draw.rectangle([x, y + 8, x + 22, y + 30], fill=COLOURS[s % len(COLOURS)])
            draw.text((x + 30, y + 19), name, fill="black", font=small, anchor="lm")
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return buffer.getvalue()


def _set_cell_text(cell, text: str, *, bold: bool = False, center: bool = False, size: float = 9) -> None:
    paragraph = cell.paragraphs[0]
    typography.compact(paragraph)
    run = paragraph.add_run(text)
    typography.style_run(run, typography.BODY_FONT, Pt(size), bold=bold)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _table(document, grid: Grid, widths_cm: tuple[float, ...] | None = None) -> None:
    table = document.add_table(rows=grid.rows, cols=grid.cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell in grid.cells:
        if cell.rowspan > 1 or cell.colspan > 1:
            table.cell(cell.row, cell.col).merge(table.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
    # table.cell() rebuilds the whole cell list on every call (1 s for table 三); read it once after merging.
    flat = table._cells  # row-major, a merged cell repeated over its span (private, python-docx 1.2)
    for cell in grid.cells:
        target = flat[cell.row * grid.cols + cell.col]
        _set_cell_text(target, cell.text, bold=cell.is_head, center=cell.is_head or cell.value is not None)
        target.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    if widths_cm:  # the grid columns (what LibreOffice follows) and every cell (what Word follows)
        scale = TYPE_AREA_CM / sum(widths_cm[: grid.cols])
        widths_cm = tuple(w * scale for w in widths_cm)
        table.autofit = False
        for i, width in enumerate(widths_cm[: grid.cols]):
            table.columns[i].width = Cm(width)
        for cell in grid.cells:
            flat[cell.row * grid.cols + cell.col].width = Cm(sum(widths_cm[cell.col : cell.col + cell.colspan]))
    if grid.rows <= SMALL_TABLE_ROWS:  # table 四: kept on one page, with its heading (keep_with_next)
        for row in table.rows[:-1]:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True
    if grid.note:
        note = document.add_paragraph()
        typography.compact(note)
        typography.style_run(note.add_run(grid.note), typography.BODY_FONT, Pt(9))


def write_docx(doc: dict, ctx: n.Context) -> bytes:
    document = Document()
    typography.apply_styles(document)  # the letters' typography: black 小标宋 title, 黑体 headings, 仿宋 body
    document.add_heading(n.title(doc), level=0)
    typography.body_paragraph(document, n.intro(doc))
    grids = {g.code: g for g in table_grids(doc)}
    texts = n.section_texts(doc, ctx)
    titles = n.SECTION_TITLES

    document.add_heading(titles[0], level=1)
    for paragraph in n.draft_overview(doc, ctx):
        typography.body_paragraph(document, paragraph)
    for chart in n.charts(doc):
        document.add_picture(io.BytesIO(chart_png(chart)), width=Cm(TYPE_AREA_CM))
        typography.compact(document.paragraphs[-1])
        document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    document.add_heading(titles[1], level=1)
    _table(document, grids["table2"], (5, 4, 4, 4))
    document.add_heading(titles[2], level=1)
    _table(document, grids["table3"], (1.7, 1.9, 5.6) + (1.1,) * 7)
    document.add_heading(titles[3], level=1)
    _table(document, grids["table4"], (17 / 15,) * 15)
    document.add_heading(titles[4], level=1)
    for paragraph in texts["5"]:
        typography.body_paragraph(document, paragraph)
    document.add_heading(titles[5], level=1)
    for paragraph in texts["6"]:
        typography.body_paragraph(document, paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
