"""The formats of a letter: DOCX (read back with python-docx) and txt say the same, per kind; the
verification code and QR code; check_template refusing a unit's bad template."""

import io
from datetime import date

import pytest
from docx import Document

from documents import render
from documents.build_templates import letter_template
from documents.context import TEMPLATE_FIELDS, context_for
from documents.kinds import Kind
from documents.typography import BODY_FONT, TITLE_FONT

from ..factories import RequestFactory
from . import cases as c
from .letters_text import docx_lines, normalised

pytestmark = pytest.mark.django_db


def contexts(people, tree):
    """One context per kind, from requests built through the services."""
    clerk, head, dept = people["clerk"], people["head"], tree["dept"]
    fee_req, _fee = c.fee(clerk, dept)
    consulted, _consultation = c.consulted(clerk, dept)
    delivered = RequestFactory(unit=dept, status="archived", outcome="granted", concluded_on=date(2026, 3, 20),
                               delivery_method="当面送达", delivered_on=date(2026, 3, 23), archived_on=date(2026, 3, 24))
    delayed = c.delayed(clerk, head, dept)
    return {
        Kind.RECEIPT: context_for(c.register(clerk, dept), Kind.RECEIPT),
        Kind.CORRECTION_NOTICE: context_for(c.corrected(clerk, dept), Kind.CORRECTION_NOTICE),
        Kind.CONSULTATION_LETTER: context_for(consulted, Kind.CONSULTATION_LETTER),
        Kind.EXTENSION_NOTICE: context_for(c.extended(clerk, head, dept), Kind.EXTENSION_NOTICE),
        Kind.REASONS_NOTICE: context_for(delayed, Kind.REASONS_NOTICE),
        Kind.DELAY_NOTICE: context_for(delayed, Kind.DELAY_NOTICE),
        Kind.FEE_NOTICE: context_for(fee_req, Kind.FEE_NOTICE),
        Kind.REPLY: context_for(
            c.replied(clerk, dept, outcome="refused.process_info", reply_data={"reason": "属于内部讨论记录 <草稿> & 意见"}),
            Kind.REPLY, number="金东发改公复〔2026〕3号",
        ),
        Kind.DELIVERY_RECEIPT: context_for(delivered, Kind.DELIVERY_RECEIPT, number="金东发改公复〔2026〕3号"),
    }


@pytest.fixture
def every_kind(people, city_tree):
    return contexts(people, city_tree)


def test_every_kind_renders_docx_and_txt_with_the_same_text(every_kind):
    assert set(every_kind) == set(Kind)
    for kind, ctx in every_kind.items():
        data = render.render_docx(ctx)
        lines = docx_lines(data)
        txt = render.render_txt(ctx)
        f = ctx.fields
        assert lines[0] == f["unit_name"] and lines[1] == f["document_name"], kind
        assert f["letter_date"] in lines and f["signature"] in lines, kind
        for needed in ("deadline", "remedy", "legal_basis"):
            if f[needed]:
                assert f[needed] in "".join(lines) and f[needed] in txt, (kind, needed)
        if kind == Kind.DELIVERY_RECEIPT:
            for value in (f["delivered_document"], f["addressee"], f["delivery_method"], f["delivered_on"]):
                assert value in lines and value in txt
            assert "受送达人签名（盖章）" in lines
        else:
            assert normalised("".join(lines)) == normalised(txt), kind
            assert f"{f['addressee']}：" in lines
        assert "{{" not in "".join(lines) and "{%" not in "".join(lines), kind


def test_reply_docx_carries_the_letters_facts(every_kind):
    ctx = every_kind[Kind.REPLY]
    lines = docx_lines(render.render_docx(ctx))
    assert lines[:4] == ["金东区发展和改革局", "政府信息公开申请告知书", "金东发改公复〔2026〕3号", "张三："]
    text = "".join(lines)
    assert "第十六条第二款、第三十六条第（三）项" in text
    assert "理由：属于内部讨论记录 <草稿> & 意见。" in text  # escaped in the XML, intact in the text
    assert "60日内向金东区人民政府申请行政复议" in text and "应当先申请行政复议" in text
    assert lines[-1] == "2026年3月20日"


def test_draft_says_it_is_a_draft(every_kind):
    ctx = every_kind[Kind.CORRECTION_NOTICE]
    assert ctx.is_draft
    assert "（草稿，签发时编号）" in docx_lines(render.render_docx(ctx))
    assert "（草稿，签发时编号）" in render.render_txt(ctx)


def test_verification_code_and_qr_code_only_on_an_issued_document(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"])
    draft = Document(io.BytesIO(render.render_docx(context_for(req, Kind.REPLY))))
    assert draft.inline_shapes.__len__() == 0
    ctx = context_for(req, Kind.REPLY, number="金东发改公复〔2026〕4号", verification_code="K7QX2M4PZA")
    data = render.render_docx(ctx)
    issued = Document(io.BytesIO(data))
    assert len(issued.inline_shapes) == 1
    text = "".join(docx_lines(data))
    assert "验证码：K7QX2M4PZA" in text and "/public/verify/?code=K7QX2M4PZA" in text
    assert "验证码：K7QX2M4PZA" in render.render_txt(ctx)


def test_the_shipped_templates_use_the_national_layout():
    doc = Document(io.BytesIO(render.default_template(Kind.REPLY)))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    title, normal = doc.styles["Title"], doc.styles["Normal"]
    east_asia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    assert title.element.rPr.rFonts.get(east_asia) == TITLE_FONT and title.font.size.pt == 22
    assert normal.element.rPr.rFonts.get(east_asia) == BODY_FONT and normal.font.size.pt == 16
    assert str(title.font.color.rgb) == "000000"
    assert doc.paragraphs[0].style.name == "Title" and doc.paragraphs[0].alignment is None  # centred by the style
    assert title.paragraph_format.alignment == 1


@pytest.mark.parametrize("kind", Kind.values)
def test_every_shipped_template_passes_the_upload_check(kind):
    assert render.check_template(kind, render.default_template(kind)) == []


def _template_with(text: str) -> bytes:
    doc = letter_template()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_check_template_names_an_unknown_field():
    problems = render.check_template("reply", _template_with("身份证号：{{ applicant_id_number }}"))
    assert len(problems) == 1 and "applicant_id_number" in problems[0]


def test_check_template_refuses_a_template_that_does_not_render():
    assert "无法读取" in render.check_template("reply", _template_with("{% for p in body %}"))[0]
    assert "无法生成" in render.check_template("reply", _template_with("{{ unit_name.nosuch.deeper }}"))[0]
    assert "无法读取" in render.check_template("reply", b"not a docx at all")[0]


def test_check_template_accepts_a_template_using_listed_fields():
    assert render.check_template("reply", _template_with("{{ request_ref }} {{ reconsideration_body }}")) == []
    assert {"unit_name", "number", "body", "remedy", "letter_date", "qr_code"} <= set(TEMPLATE_FIELDS)


def test_a_units_template_is_used_when_given(people, city_tree):
    ctx = context_for(c.replied(people["clerk"], city_tree["dept"]), Kind.REPLY)
    lines = docx_lines(render.render_docx(ctx, _template_with("本单位信封抬头 {{ request_ref }}")))
    assert lines[-1] == f"本单位信封抬头 {ctx.fields['request_ref']}"


def test_sha256_of_bytes():
    assert render.sha256(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_annual_report_docx_uses_the_letters_typography(db):
    """One set of styles: black 小标宋 title, 黑体 headings, 仿宋 body on GB/T 9704 pages — no Word blue."""
    from reporting import exports, narrative, services
    from tests.reporting.test_seed import load_seed_ledger

    data = exports.render_docx(services.compile_report(load_seed_ledger(), 2019), narrative.Context())
    doc = Document(io.BytesIO(data))
    east_asia = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    title, heading, normal = (doc.styles[n] for n in ("Title", "Heading 1", "Normal"))
    assert doc.paragraphs[0].style.name == "Title"
    assert title.element.rPr.rFonts.get(east_asia) == TITLE_FONT and title.font.size.pt == 22
    assert heading.element.rPr.rFonts.get(east_asia) == "黑体" and heading.font.size.pt == 16
    assert normal.element.rPr.rFonts.get(east_asia) == BODY_FONT
    for style in (title, heading):
        assert str(style.font.color.rgb) == "000000" and style.font.color.theme_color is None
    styles_xml = doc.styles.element.xml
    assert "w:themeColor" not in "".join(doc.styles[n].element.xml for n in ("Title", "Heading 1", "Heading 2"))
    assert 'w:eastAsia="zh-CN"' in styles_xml
    section = doc.sections[0]
    assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                  section.right_margin)] == [37, 35, 28, 26]
    widths = [sum(col.width.mm for col in table.columns) for table in doc.tables]
    assert all(w <= 157 for w in widths), widths  # every table inside the type area


def test_docx_text_is_the_stored_letter_whatever_the_record_says_later(every_kind):
    for kind, ctx in every_kind.items():
        data = render.render_docx(ctx)
        text = render.docx_text(data)
        if kind == Kind.DELIVERY_RECEIPT:
            assert f"送达方式：{ctx.fields['delivery_method']}" in text and "受送达人签名（盖章）：" in text
        else:
            assert normalised(text) == normalised(render.render_txt(ctx)), kind


def test_a_units_template_runs_sandboxed():
    """A unit administrator's template cannot reach Python's internals (server-side template injection)."""
    evil = _template_with("{{ unit_name.__class__.__mro__[1].__subclasses__() }}")
    problems = render.check_template("reply", evil)
    assert len(problems) == 1 and "无法生成" in problems[0] and "unsafe" in problems[0]
    from jinja2.exceptions import SecurityError

    with pytest.raises(SecurityError):
        render.render_docx(render.sample_context("reply"), evil)


def test_a_template_that_unpacks_too_large_is_refused_before_it_is_loaded(monkeypatch):
    monkeypatch.setattr(render, "MAX_UNPACKED_BYTES", 1000)
    problems = render.check_template("reply", render.default_template("reply"))
    assert len(problems) == 1 and "解压后超过" in problems[0]
