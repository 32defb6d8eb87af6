"""Reading a rendered letter back, for the render and PDF tests."""

from __future__ import annotations

import io
import re

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

SPACE = re.compile(r"\s+")
PAGE_NUMBER = re.compile(r"—\d+—")


def docx_lines(data: bytes) -> list[str]:
    """The text of a DOCX's body, paragraphs and table cells in document order."""
    doc = Document(io.BytesIO(data))
    lines = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, doc).text)
        elif child.tag == qn("w:tbl"):
            for row in Table(child, doc).rows:
                lines.extend(cell.text for cell in row.cells)
    return [line for line in lines if line.strip()]


def normalised(text: str) -> str:
    """Whitespace removed (PDF extraction breaks lines where the page does) and page numbers dropped."""
    return PAGE_NUMBER.sub("", SPACE.sub("", text))
