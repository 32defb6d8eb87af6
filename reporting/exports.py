"""The statutory tables rendered to HTML and SVG, and the format → renderer table (RENDERERS) that the
views, the API and annual_report use.

One layout, several renderers: the admin page and the HTML export (here), the XLSX (exports_xlsx.py)
and the DOCX (exports_docx.py) all place the cells of grids.table_grids(); the PDF is the DOCX through
LibreOffice; JSON and CSV render the document itself.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from disclosure.spreadsheets import neutralise
from documents.pdf import docx_to_pdf

from . import narrative as n
from . import tables as t
from .exports_docx import write_docx
from .exports_xlsx import read_xlsx, write_xlsx
from .grids import COLOURS, Cell, Grid, table_grids

# --- HTML ----------------------------------------------------------------------------------------------


def grid_html(
    grid: Grid, link: Callable[[tuple[str, str, str]], str | None] | None = None, live: dict | None = None
) -> SafeString:
    """The grid as a <table> with rowspan/colspan; `link(key)` gives the drill-down URL of a figure;
    `live` {key: figure} marks frozen figures that differ from the live compile, the live one beside.
    Labels are the format's Chinese (gettext_noop in tables/labels.py), translated for the reader: the statutory
    files are rendered under in_statutory_language, so theirs stay Chinese."""
    by_row: dict[int, list[Cell]] = {}
    for cell in grid.cells:
        by_row.setdefault(cell.row, []).append(cell)
    lines = []
    for r in range(grid.rows):
        parts = []
        for c in sorted(by_row.get(r, []), key=lambda c: c.col):
            attrs = format_html(
                '{}{}class="{}"',
                format_html('rowspan="{}" ', c.rowspan) if c.rowspan > 1 else "",
                format_html('colspan="{}" ', c.colspan) if c.colspan > 1 else "",
                "num" if c.value is not None else ("head" if c.is_head else "label"),
            )
            url = link(c.key) if (link and c.key and (c.value or (live and live.get(c.key)))) else None
            text = c.text if c.value is not None or not c.text else _(c.text)
            body = format_html('<a href="{}">{}</a>', url, text) if url else text
            if live and c.key in live:
                body = format_html('{}<span class="diff" title="{}">→{}</span>', body, _("现在的数字"), live[c.key])
            tag = "th" if c.is_head else "td"
            parts.append(format_html("<{} {}>{}</{}>", tag, attrs, body, tag))
        lines.append(format_html("<tr>{}</tr>", mark_safe("".join(parts))))
    return format_html(
        '<table class="statutory {}">{}</table>', grid.code, mark_safe("\n".join(lines))
    )


def chart_svg(chart: n.Chart, width: int = 560) -> SafeString:
    """A horizontal bar chart (stacked when there are several series), drawn on the server."""
    label_w, bar_h, gap, top = 110, 22, 10, 8
    totals = chart.totals()
    peak = max(totals or [0]) or 1
    scale = (width - label_w - 60) / peak
    height = top + len(chart.categories) * (bar_h + gap) + (26 if chart.is_stacked else 4)
    parts = []
    for i, category in enumerate(chart.categories):
        y = top + i * (bar_h + gap)
        parts.append(
            format_html('<text x="{}" y="{}" text-anchor="end" class="cat">{}</text>', label_w - 6, y + 15, category)
        )
        x = label_w
        for s, (name, values) in enumerate(chart.series):
            w = values[i] * scale
            if w:
                parts.append(format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}：{}</title></rect>',
                    f"{x:.1f}", y, f"{w:.1f}", bar_h, COLOURS[s % len(COLOURS)], name, values[i],
                ))
            x += w
        parts.append(format_html('<text x="{}" y="{}" class="val">{}</text>', f"{x + 4:.1f}", y + 15, totals[i]))
    if chart.is_stacked:
        y = height - 8
        for s, (name, _v) in enumerate(chart.series):
            x = label_w + s * 75
            parts.append(format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>', x, y - 9, COLOURS[s % len(COLOURS)]
            ))
            parts.append(format_html('<text x="{}" y="{}" class="legend">{}</text>', x + 13, y, name))
    return format_html(
        '<figure class="chart" id="chart-{}"><figcaption>{}</figcaption>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" role="img" aria-label="{}">{}</svg></figure>',
        chart.code, chart.title, width, height, chart.title, mark_safe("".join(parts)),
    )


@t.in_statutory_language
def render_html(doc: dict, ctx: n.Context | None = None) -> bytes:
    """A standalone HTML file of the whole report (no external resources)."""
    ctx = ctx if ctx is not None else n.context_for_document(doc)
    grids = {g.code: g for g in table_grids(doc)}
    html = render_to_string(
        "reporting/report_standalone.html",
        {
            "doc": doc, "title": n.title(doc), "intro": n.intro(doc), "overview": n.draft_overview(doc, ctx),
            "sections": n.SECTION_TITLES, "texts": n.section_texts(doc, ctx),
            "table2": grid_html(grids["table2"]), "table3": grid_html(grids["table3"]),
            "table4": grid_html(grids["table4"]), "table4_note": grids["table4"].note,
            "charts": [chart_svg(c) for c in n.charts(doc)],
        },
    )
    return html.encode("utf-8")


@t.in_statutory_language
def render_xlsx(doc: dict) -> bytes:
    return write_xlsx(doc)


@t.in_statutory_language
def render_docx(doc: dict, ctx: n.Context | None = None) -> bytes:
    return write_docx(doc, ctx if ctx is not None else n.context_for_document(doc))


def render_pdf(doc: dict, ctx: n.Context | None = None) -> bytes:
    """The report's PDF: its DOCX through the letters' converter (documents/pdf.py, LibreOffice), so
    the PDF says what the DOCX says; PdfUnavailable/PdfFailed say why there is none."""
    return docx_to_pdf(render_docx(doc, ctx), timeout=settings.GONGKAI_PDF_TIMEOUT)


def read_report_xlsx(path_or_file) -> dict:
    return read_xlsx(path_or_file)


_NUMBER_LIST = re.compile(r"\[\s+(-?[\d.]+(?:,\s+-?[\d.]+)*)\s+\]")


def render_json(doc: dict) -> bytes:
    """Indented, with each table row's numbers on one line."""
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    text = _NUMBER_LIST.sub(lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    return (text + "\n").encode("utf-8")


def render_csv(doc: dict) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([neutralise(cell) for cell in row] for row in t.csv_rows(doc))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: spreadsheets open UTF-8 correctly


# Format → renderer(doc) -> bytes, for annual_report --format, the report page's downloads and the API.
RENDERERS = {
    "json": render_json, "csv": render_csv, "xlsx": render_xlsx, "docx": render_docx, "html": render_html,
    "pdf": render_pdf,
}
BINARY_FORMATS = frozenset({"xlsx", "docx", "pdf"})
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
# The renderers that take the report's text (narrative.report_context) beside its figures.
WITH_TEXT = frozenset({"docx", "html", "pdf"})
