"""A letter's formats from its one LetterContext: txt (checks, message bodies) and DOCX (docxtpl).

The PDF is made from the DOCX (pdf.py), so DOCX and PDF cannot differ; the txt prints the same fields
in the same order as the shipped templates (tests compare the three).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from functools import lru_cache
from pathlib import Path

import segno
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import SandboxedEnvironment

from .context import TEMPLATE_FIELDS, LetterContext
from .kinds import Kind

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates" / "documents"
QR_WIDTH = Mm(25)
INDENT = "\u3000\u3000"  # two full-width spaces: a paragraph's first line in plain text


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=len(Kind.values))
def default_template(kind: str) -> bytes:
    """The shipped template of a kind (documents/templates/documents/<kind>.docx)."""
    return (TEMPLATE_DIR / f"{Kind(kind).value}.docx").read_bytes()


def verification_lines(fields: dict) -> list[str]:
    return [f"验证码：{fields['verification_code']}", f"核验网址：{fields['verify_url']}"]


def render_txt(ctx: LetterContext) -> str:
    """The letter as plain text: title, 文号, addressee, body, remedy, 落款, verification."""
    f = ctx.fields
    lines = [str(f["unit_name"]), str(f["document_name"])]
    number = str(f.get("number_line") or "")
    if number:
        lines.append(number)
    lines.append("")
    if ctx.kind == Kind.DELIVERY_RECEIPT:
        lines += [str(p) for p in f["body"]]
        lines += ["送达地点：", "受送达人签名（盖章）：", "代收人及代收理由：", "送达人：", "备注："]
    else:
        lines.append(f"{f['addressee']}：")
        lines += [INDENT + str(p) for p in f["body"]]
        if f.get("remedy"):
            lines.append(INDENT + str(f["remedy"]))
    lines += ["", str(f["signature"]), str(f["letter_date"])]
    if f.get("verification_code"):
        lines += ["", *verification_lines(f)]
    return "\n".join(lines) + "\n"


def docx_text(data: bytes) -> str:
    """The text of a stored DOCX (paragraphs and table cells in order), one line each: the txt of an
    issued document as it was issued, whatever the record says now."""
    doc = Document(io.BytesIO(data))
    lines = []
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, doc).text)
        elif child.tag == qn("w:tbl"):
            for row in Table(child, doc).rows:
                cells = [cell.text for cell in row.cells]
                lines.append("：".join(c for i, c in enumerate(cells) if i == 0 or c != cells[i - 1]))
    text = "\n".join(lines).strip("\n")
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text + "\n"


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def _docx_context(tpl: DocxTemplate, ctx: LetterContext) -> dict:
    values = dict(ctx.fields)
    values["qr_code"] = (
        InlineImage(tpl, io.BytesIO(qr_png(str(values["verify_url"]))), width=QR_WIDTH)
        if values.get("verification_code") else ""
    )
    return values


def _jinja() -> SandboxedEnvironment:
    """A unit's administrator uploads templates: their tags run sandboxed (no attribute of Python's
    internals, no call the sandbox refuses), and every value is escaped into the XML."""
    return SandboxedEnvironment(autoescape=True)


def render_docx(ctx: LetterContext, template: bytes | None = None) -> bytes:
    """The DOCX of a letter from `template` (a unit's upload) or the shipped default for its kind."""
    tpl = DocxTemplate(io.BytesIO(template if template is not None else default_template(ctx.kind)))
    tpl.render(_docx_context(tpl, ctx), jinja_env=_jinja(), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


# Fields every template may use beyond the context: what render_docx adds.
RENDER_FIELDS = {"qr_code"}


def sample_context(kind: str) -> LetterContext:
    """A context with every field filled, to try a template on when it is uploaded."""
    fields: dict[str, object] = {name: f"示例{label}" for name, label in TEMPLATE_FIELDS.items()}
    fields.update(
        kind=Kind(kind).value,
        number="示例公复〔2026〕1号",
        number_line="示例公复〔2026〕1号",
        is_draft=False,
        body=["示例正文第一段。", "示例正文第二段。"],
        missing=[],
        verification_code="ABCD2345",
        verify_url="https://example.invalid/public/verify/?code=ABCD2345",
    )
    return LetterContext(kind=Kind(kind).value, fields=fields, missing=[], is_draft=False)


# A letter template with a letterhead image is well under a megabyte; a DOCX whose parts unpack to
# more than this is refused before python-docx loads them into memory (a zip bomb).
MAX_UNPACKED_BYTES = 30 * 1024 * 1024


def _unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return sum(info.file_size for info in package.infolist())


def check_template(kind: str, data: bytes) -> list[str]:
    """What is wrong with an uploaded template (Chinese messages naming each unknown field, or the
    render error); [] when it renders with the fields of TEMPLATE_FIELDS."""
    try:
        if _unpacked_size(data) > MAX_UNPACKED_BYTES:
            return [_("模板解压后超过%(mb)s MB，请删除其中过大的图片等内容后重新上传。")
                    % {"mb": MAX_UNPACKED_BYTES // (1024 * 1024)}]
        tpl = DocxTemplate(io.BytesIO(data))
        used = tpl.get_undeclared_template_variables(jinja_env=_jinja())
    except Exception as exc:  # a broken zip, not a DOCX, a Jinja syntax error: all refuse the upload
        return [_("模板无法读取（不是有效的DOCX模板或标签有语法错误）：%(error)s") % {"error": exc}]
    known = set(TEMPLATE_FIELDS) | RENDER_FIELDS
    unknown = sorted(used - known)
    if unknown:
        return [_("模板使用了未知字段“%(field)s”，可用字段见模板字段列表。") % {"field": name} for name in unknown]
    try:
        render_docx(sample_context(kind), data)
    except Exception as exc:  # any render error refuses the upload, with the error's own words
        return [_("模板无法生成文书：%(error)s") % {"error": exc}]
    return []
