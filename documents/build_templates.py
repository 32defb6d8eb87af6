"""Build the shipped DOCX templates (documents/templates/documents/<kind>.docx) with python-docx.

    .venv/bin/python -m documents.build_templates

The templates are generated, not hand-edited, so the layout (GB/T 9704-2012, documents/typography.py)
and the docxtpl tags stay reviewable here. A unit that wants its own letterhead downloads one of
these, edits it in Word and uploads it (render.check_template refuses unknown fields).
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_ALIGN_VERTICAL, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from . import typography as t
from .kinds import DOCUMENT_NAME, Kind

OUT = Path(__file__).resolve().parent / "templates" / "documents"


def _para(doc, text: str = "", *, style: str | None = None, align=None, indent: bool = False, font=None,
          size=None, right_indent_chars: float = 0, keep_next: bool = False):
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)  # one run: a docxtpl tag must not be split across runs
        if font or size:
            t.style_run(run, font or t.BODY_FONT, size or t.SIZE_BODY)
    pf = p.paragraph_format
    if align is not None:
        pf.alignment = align
    if indent:
        pf.first_line_indent = Pt(t.SIZE_BODY.pt * 2)
    if right_indent_chars:
        pf.right_indent = Pt(t.SIZE_BODY.pt * right_indent_chars)
    if keep_next:
        pf.keep_with_next = True
    return p


def _footer_page_number(doc) -> None:
    """GB/T 9704 页码: 4号 "— 1 —" centred under the type area."""
    footer = doc.sections[0].footer
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text=""):
        r = p.add_run(text)
        t.style_run(r, t.BODY_FONT, t.SIZE_SMALL)
        return r

    run("— ")
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        r = run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            r._element.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            r._element.append(instr)
    run(" —")


def _head(doc) -> None:
    _para(doc, "{{ unit_name }}", style="Title")
    _para(doc, "{{ document_name }}", style="Title")
    _para(doc, "{{ number_line }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc)


def _signature(doc) -> None:
    _para(doc)
    _para(doc)
    _para(doc, "{{ signature }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent_chars=2, keep_next=True)
    _para(doc, "{{ letter_date }}", align=WD_ALIGN_PARAGRAPH.RIGHT, right_indent_chars=2)


def _verification(doc) -> None:
    """The issued document's verification code and QR code (the public verification page)."""
    _para(doc, "{%p if verification_code %}")
    qr = _para(doc, "{{ qr_code }}", align=WD_ALIGN_PARAGRAPH.LEFT)
    qr.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    qr.paragraph_format.space_before = Pt(14)
    for text in ("验证码：{{ verification_code }}", "核验网址：{{ verify_url }}"):
        p = _para(doc, text, font=t.BODY_FONT, size=t.SIZE_SMALL, align=WD_ALIGN_PARAGRAPH.LEFT)
        p.paragraph_format.line_spacing = Pt(20)
    _para(doc, "{%p endif %}")


def _new_document():
    doc = Document()
    t.apply_styles(doc)
    _footer_page_number(doc)
    return doc


def letter_template():
    """Every kind but the 送达回证: title, 文号, addressee, body, remedy clause, 落款, verification."""
    doc = _new_document()
    _head(doc)
    _para(doc, "{{ addressee }}：")
    _para(doc, "{%p for p in body %}")
    _para(doc, "{{ p }}", indent=True)
    _para(doc, "{%p endfor %}")
    _para(doc, "{%p if remedy %}")
    _para(doc, "{{ remedy }}", indent=True)
    _para(doc, "{%p endif %}")
    _signature(doc)
    _verification(doc)
    return doc


DELIVERY_ROWS = (
    ("送达文书", "{{ delivered_document }}"),
    ("受送达人", "{{ addressee }}"),
    ("送达方式", "{{ delivery_method }}"),
    ("送达日期", "{{ delivered_on }}"),
    ("送达地点", ""),
    ("受送达人签名（盖章）", ""),
    ("代收人及代收理由", ""),
    ("送达人", ""),
    ("备注", ""),
)


def delivery_receipt_template():
    """送达回证: a form the recipient signs, returned to the file."""
    doc = _new_document()
    _head(doc)
    table = doc.add_table(rows=len(DELIVERY_ROWS), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Mm(45), Mm(111))  # the grid (LibreOffice) and every cell (Word): 156 mm, the type area
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row, (label, value) in zip(table.rows, DELIVERY_ROWS, strict=True):
        row.height = Mm(26 if label.startswith("受送达人签名") else 11)
        for cell, width, text in zip(row.cells, widths, (label, value), strict=True):
            cell.width = width
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            p = cell.paragraphs[0]
            t.compact(p)
            p.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER if width == widths[0] else WD_ALIGN_PARAGRAPH.LEFT
            if text:
                t.style_run(p.add_run(text), t.BODY_FONT, t.SIZE_SMALL)
    _signature(doc)
    _verification(doc)
    return doc


def build(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in Kind:
        doc = delivery_receipt_template() if kind == Kind.DELIVERY_RECEIPT else letter_template()
        core = doc.core_properties
        core.author, core.last_modified_by, core.title = "", "", DOCUMENT_NAME[kind]
        core.comments = f"文书模板：{kind.value}（documents/build_templates.py 生成）"
        path = out / f"{kind.value}.docx"
        doc.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
