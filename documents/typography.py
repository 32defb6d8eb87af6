"""One set of styles for every DOCX the project writes: the letters and the annual report.

GB/T 9704-2012 (党政机关公文格式): A4; type area 156 mm × 225 mm — margins top 37 mm, bottom 35 mm,
left 28 mm, right 26 mm; 22 lines of 28 characters; title 2号 (22 pt) 方正小标宋简体, centred; body 3号
(16 pt) 仿宋_GB2312; first-level headings 黑体, second-level 楷体_GB2312; all text black.

Fonts are named as offices have them, in w:rFonts eastAsia (and ascii/hAnsi, so that digits match),
with every theme-font and theme-colour reference removed — otherwise Word and LibreOffice use the
theme (Calibri, Word's blue headings) instead. Where the offices' fonts are missing (a server),
LibreOffice substitutes through documents/fontconfig/fonts.conf (pdf.py).
"""

from __future__ import annotations

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_SMALL = Pt(14)  # 4号 (notes, the verification line, table text of a letter)
SIZE_TABLE = Pt(10.5)  # 5号 (the annual report's statistical tables)
# 225 mm / 22 lines ≈ 28.95 pt: 22 lines to a page, as the standard counts them.
LINE_SPACING = Pt(28.95)
BLACK = RGBColor(0, 0, 0)

MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr_owner, font: str) -> None:
    """Name `font` for every script on a run or style (its rPr), and drop theme-font references."""
    rpr = rpr_owner.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in _THEME_ATTRS:
        if rfonts.get(qn(attr)) is not None:
            del rfonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), font)


def _no_theme_colour(rpr_owner) -> None:
    rpr = rpr_owner.get_or_add_rPr()
    for color in rpr.findall(qn("w:color")):
        rpr.remove(color)
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "000000")
    rpr.append(color)


def style_run(run, font: str = BODY_FONT, size=SIZE_BODY, *, bold: bool = False) -> None:
    set_fonts(run._element, font)
    run.font.size = size
    run.font.bold = bold
    run.font.color.rgb = BLACK


def set_page(section) -> None:
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = MARGINS["top"], MARGINS["bottom"]
    section.left_margin, section.right_margin = MARGINS["left"], MARGINS["right"]
    section.header_distance, section.footer_distance = Mm(15), Mm(20)


NO_SPACE = Pt(0)


def _style(doc, name: str, font: str, size, *, bold: bool = False, align=None, indent_first: bool = False,
           space_before=NO_SPACE, space_after=NO_SPACE, exact: bool = True):
    style = doc.styles[name]
    set_fonts(style.element, font)
    _no_theme_colour(style.element)
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    pf = style.paragraph_format
    if exact:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = LINE_SPACING if size <= SIZE_BODY else Pt(36)
    pf.space_before, pf.space_after = space_before, space_after
    if align is not None:
        pf.alignment = align
    pf.first_line_indent = Pt(size.pt * 2) if indent_first else None
    # Word's Title style draws a blue rule under itself; a 公文 title has none.
    ppr = style.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):
        ppr.remove(border)
    return style


def apply_styles(doc) -> None:
    """The project's typography on a python-docx Document: page, Normal, Title, Heading 1–3."""
    for section in doc.sections:
        set_page(section)
    _style(doc, "Normal", BODY_FONT, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, "Title", TITLE_FONT, SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(14.5))
    _style(doc, "Heading 1", HEADING_FONT, SIZE_BODY, space_before=Pt(0), space_after=Pt(0), indent_first=True)
    _style(doc, "Heading 2", SUBHEADING_FONT, SIZE_BODY, indent_first=True)
    _style(doc, "Heading 3", BODY_FONT, SIZE_BODY, bold=True, indent_first=True)
    for name in ("Heading 1", "Heading 2", "Heading 3"):
        doc.styles[name].paragraph_format.keep_with_next = True
    # East-Asian text: the document's default language, so Word lays out CJK punctuation properly.
    rpr_default = doc.styles.element.find(qn("w:docDefaults"))
    if rpr_default is not None:
        for lang in rpr_default.iter(qn("w:lang")):
            lang.set(qn("w:eastAsia"), "zh-CN")


def body_paragraph(doc, text: str):
    """A body paragraph: Normal (仿宋 3号, fixed line spacing), first line indented two characters."""
    paragraph = doc.add_paragraph(text)
    paragraph.paragraph_format.first_line_indent = Pt(SIZE_BODY.pt * 2)
    return paragraph


def compact(paragraph) -> None:
    """A paragraph of small text (a table cell, a note, a picture): single line spacing, no indent,
    so the body's fixed 3号 spacing does not stretch it."""
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    pf.first_line_indent = None
    pf.space_before = pf.space_after = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
