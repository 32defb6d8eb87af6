"""context_for: what each letter says, from the record and the deadline engine (letters.md)."""

import io
from datetime import date

import pytest

from disclosure import deadlines as dl
from disclosure import services
from disclosure.workcalendar import load_work_calendar
from documents.context import LetterNotApplicable, context_for
from documents.kinds import Kind
from documents.render import render_docx, render_txt

from ..factories import RequestFactory
from . import cases as c
from .letters_text import docx_lines, normalised

pytestmark = pytest.mark.django_db


def text(ctx) -> str:
    return "\n".join(str(p) for p in ctx.fields["body"]) + "\n" + str(ctx.fields["remedy"])


def test_reply_says_names_dates_basis_and_remedy(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"], outcome="granted")
    ctx = context_for(req, Kind.REPLY)
    f = ctx.fields
    assert f["title"] == "金东区发展和改革局政府信息公开申请答复书"
    assert f["addressee"] == "张三" and f["number"] == "" and ctx.is_draft and ctx.missing == []
    assert f["opening"] == (
        f"本机关于2026年3月2日收到您当面提交的政府信息公开申请（申请编号：{req.ref}），申请公开“{c.CONTENT}”。"
    )
    assert f["legal_basis"] == "第三十六条第（二）项"
    assert "根据《中华人民共和国政府信息公开条例》第三十六条第（二）项的规定，本机关予以公开，现以纸质形式向您提供" in text(ctx)
    assert f["remedy"] == (
        "如您对本答复不服，可以在收到本答复书之日起60日内向金东区人民政府申请行政复议，"
        "或者在收到本答复书之日起6个月内依法向人民法院提起行政诉讼。"
    )
    assert f["signature"] == "金东区发展和改革局" and f["letter_date"] == "2026年3月20日"


def test_number_and_verification_code_are_the_callers(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"])
    ctx = context_for(req, Kind.REPLY, number="金东发改公复〔2026〕3号", verification_code="ABCDE23456")
    assert ctx.fields["number"] == ctx.fields["number_line"] == "金东发改公复〔2026〕3号" and not ctx.is_draft
    assert ctx.fields["verify_url"].endswith("/public/verify/?code=ABCDE23456")


def test_refusal_from_2024_puts_reconsideration_first(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"], outcome="refused.third_party",
                    reply_data={"reason": "涉及被征收户的个人隐私，第三方不同意公开"})
    f = context_for(req, Kind.REPLY).fields
    assert f["title"] == "金东区发展和改革局政府信息公开申请告知书"
    assert f["legal_basis"] == "第十五条、第三十六条第（三）项"
    assert f["reasons"] == "涉及被征收户的个人隐私，第三方不同意公开"
    assert "理由：涉及被征收户的个人隐私，第三方不同意公开。" in f["body"]
    assert "应当先申请行政复议" in f["remedy"] and "6个月" not in f["remedy"]
    assert "60日内向金东区人民政府申请行政复议" in f["remedy"]


def test_reply_before_2024_uses_the_old_remedy(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"], outcome="refused.process_info",
                    reply_data={"reason": "属于内部讨论记录"}, submitted_on=date(2023, 11, 1),
                    replied_on=date(2023, 11, 28))
    f = context_for(req, Kind.REPLY).fields
    assert f["letter_date"] == "2023年11月28日"
    assert "向金东区人民政府或者上一级主管部门申请行政复议" in f["remedy"] and "6个月" in f["remedy"]
    assert "应当先" not in f["remedy"]


def test_township_and_government_go_to_the_government_above(people, city_tree):
    town = c.replied(people["town_clerk"], city_tree["town"])
    assert context_for(town, Kind.REPLY).fields["reconsideration_body"] == "金东区人民政府"
    admin = people["admin"]
    gov = c.replied(admin, city_tree["root"])
    assert context_for(gov, Kind.REPLY).fields["reconsideration_body"] == "金华市人民政府"


def test_a_configured_body_wins_and_a_missing_one_blocks_issue(people, tree):
    from disclosure.models import Unit

    Unit.objects.filter(pk=tree["root"].pk).update(reconsideration_body="")  # no government above 金东区
    gov = c.replied(people["admin"], Unit.objects.get(pk=tree["root"].pk))
    ctx = context_for(gov, Kind.REPLY)
    assert "【待填写：行政复议机关" in ctx.fields["remedy"] and ctx.missing and not ctx.can_issue
    Unit.objects.filter(pk=tree["root"].pk).update(reconsideration_body="浙江省人民政府")
    gov = c.fresh(gov)
    ctx = context_for(gov, Kind.REPLY)
    assert ctx.missing == [] and "60日内向浙江省人民政府申请行政复议" in ctx.fields["remedy"]


@pytest.mark.parametrize(
    ("outcome", "data", "says"),
    [
        ("already_public", {"access_route": "金东区人民政府门户网站“政府信息公开”栏目"}, "获取该政府信息的方式和途径：金东区人民政府门户网站"),
        ("partial", {"reason": "含有个人身份证号码", "withheld_parts": "被征收户的身份证号码"}, "其中，被征收户的身份证号码不予公开，理由是：含有个人身份证号码。"),
        ("unavailable.not_held", {}, "经检索，本机关没有您申请公开的政府信息"),
        ("not_this_agency", {"competent_body": "金华市自然资源和规划局", "competent_contact": "0579-12345678"},
         "负责公开该政府信息的行政机关为金华市自然资源和规划局，联系方式：0579-12345678"),
        ("not_processed.duplicate", {"earlier_request": "金东公开〔2026〕第0001号"}, "（申请编号：金东公开〔2026〕第0001号）作出答复"),
        ("special_access", {}, "依照有关法律、行政法规的规定办理"),
        ("unavailable.needs_creation", {}, "本机关不予提供"),
        ("not_processed.petition", {}, "不作为政府信息公开申请处理"),
        ("not_processed.publication", {}, "公开出版物"),
        ("not_processed.excessive", {}, "本机关不予处理"),
        ("refused.query_matter", {"reason": "属于档案查询"}, "属于行政查询事项"),
    ],
)
def test_reply_body_per_outcome(people, city_tree, outcome, data, says):
    req = c.replied(people["clerk"], city_tree["dept"], outcome=outcome, reply_data=data)
    f = context_for(req, Kind.REPLY).fields
    assert says in text(type("C", (), {"fields": f})())
    assert f["body"][1] == "经研究，现答复如下："


def test_refusal_without_reasons_is_refused_by_name(db, tree):
    req = RequestFactory(unit=tree["dept"], status="replied", outcome="refused.state_secret",
                         concluded_on=date(2026, 3, 20), reply_data={})
    with pytest.raises(LetterNotApplicable, match="理由"):
        context_for(req, Kind.REPLY)


def test_reply_without_an_outcome_is_refused(people, tree):
    req = c.handling(people["clerk"], tree["dept"])
    with pytest.raises(LetterNotApplicable, match="尚未答复"):
        context_for(req, Kind.REPLY)


def test_closed_request_has_no_reply(people, tree):
    req = c.handling(people["clerk"], tree["dept"])
    services.conclude(req, actor=people["clerk"], outcome="withdrawn", concluded_on=date(2026, 3, 10), today=c.TODAY)
    with pytest.raises(LetterNotApplicable, match="终止办理"):
        context_for(c.fresh(req), Kind.REPLY)


def test_ledger_imported_request_marks_what_it_lacks(db, tree):
    req = c.imported(RequestFactory(unit=tree["dept"], status="replied", outcome="refused.state_secret",
                                    concluded_on=date(2026, 3, 20), reply_data={}))
    ctx = context_for(req, Kind.REPLY)
    assert "理由：【待填写：不予公开的理由】。" in ctx.fields["body"]
    assert "不予公开的理由" in ctx.missing and not ctx.can_issue


def test_correction_notice_lists_items_and_the_period(people, city_tree):
    req = c.corrected(people["clerk"], city_tree["dept"])
    f = context_for(req, Kind.CORRECTION_NOTICE).fields
    assert f["title"] == "金东区发展和改革局政府信息公开申请补正告知书"
    assert "1. 请写明所需文件的名称或文号" in f["body"] and "2. 请提供身份证明复印件" in f["body"]
    assert f["deadline"] == f["correction_period_until"] == "2026年3月20日"
    assert "请您于2026年3月20日前向本机关提交补正后的申请" in text(type("C", (), {"fields": f})())
    assert f["letter_date"] == "2026年3月5日" and "60日" in f["remedy"]


def test_extension_notice_names_the_engines_extended_deadline(people, city_tree):
    req = c.extended(people["clerk"], people["head"], city_tree["dept"])
    f = context_for(req, Kind.EXTENSION_NOTICE).fields
    assert f["extended_due_on"] == f["deadline"]
    expected = dl.compute_deadline(services.case_dates(req), load_work_calendar()).due_on
    assert req.due_on == expected
    assert f["deadline"] == f"{expected.year}年{expected.month}月{expected.day}日"
    assert f"答复期限延长15个工作日，本机关将于{f['deadline']}前作出答复" in f["body"][1]
    assert "因需要调取档案并逐页审查" in f["body"][1] and f["letter_date"] == "2026年3月26日"


def test_extension_notice_without_an_extension_is_refused(people, tree):
    req = c.handling(people["clerk"], tree["dept"])
    with pytest.raises(LetterNotApplicable, match="该申请没有延期，不能生成延期答复告知书"):
        context_for(req, Kind.EXTENSION_NOTICE)


def test_delay_notice_and_reasons_notice(people, city_tree):
    req = c.delayed(people["clerk"], people["head"], city_tree["dept"])
    f = context_for(req, Kind.DELAY_NOTICE).fields
    assert f["deadline"] == f["delayed_until"] == "2026年5月29日" == f["reply_due_on"]
    assert "第三十五条" in f["body"][1] and f["letter_date"] == "2026年3月10日"
    r = context_for(req, Kind.REASONS_NOTICE).fields
    assert "（一个月内提出申请32件）" in r["body"][1] and r["remedy"] == "" and r["letter_date"] == "2026年3月4日"


def test_extension_after_a_delay_names_the_extended_not_the_delayed_date(people, city_tree):
    req = c.delayed(people["clerk"], people["head"], city_tree["dept"])
    services.approve_extension(req, actor=people["head"], days=10, approved_on=date(2026, 3, 11),
                               notified_on=date(2026, 3, 11), reason="需要会商", today=c.TODAY)
    req = c.fresh(req)
    f = context_for(req, Kind.EXTENSION_NOTICE).fields
    without_delay = services.case_dates(req)
    import dataclasses

    expected = dl.compute_deadline(dataclasses.replace(without_delay, delayed_until=None), load_work_calendar()).due_on
    assert expected < req.delayed_until
    assert f["extended_due_on"] == f"{expected.year}年{expected.month}月{expected.day}日"


def test_fee_notice(people, city_tree):
    req, notice = c.fee(people["clerk"], city_tree["dept"])
    f = context_for(req, Kind.FEE_NOTICE).fields
    assert "应缴金额：人民币120.00元。" in f["body"]
    assert f["payment_due_on"] == f["deadline"] == f"{notice.due_on.year}年{notice.due_on.month}月{notice.due_on.day}日"
    assert "国办函〔2020〕109号" in f["body"][1] and "收到本通知书之日起60日内" in f["remedy"]
    assert f["letter_date"] == "2026年3月6日"


def test_fee_notice_without_a_fee_is_refused(people, tree):
    with pytest.raises(LetterNotApplicable, match="收费通知"):
        context_for(c.handling(people["clerk"], tree["dept"]), Kind.FEE_NOTICE)


def test_consultation_letters_to_a_third_party_and_an_agency(people, tree):
    req, consultation = c.consulted(people["clerk"], tree["dept"])
    f = context_for(req, Kind.CONSULTATION_LETTER).fields
    assert f["addressee"] == "金华市某某建设有限公司" and "第三十二条" in f["body"][1]
    assert f["deadline"] == f"{consultation.due_on.year}年{consultation.due_on.month}月{consultation.due_on.day}日"
    assert "张三" not in "".join(f["body"])  # the applicant is not named to the third party
    assert f["remedy"] == ""
    req2, agency = c.consulted(people["clerk"], tree["dept"], kind="agency", party="金东区财政局")
    g = context_for(req2, Kind.CONSULTATION_LETTER, target=agency).fields
    assert "第三十四条" in g["body"][1] and "视为同意公开" in g["body"][2]
    with pytest.raises(LetterNotApplicable, match="不属于该申请"):
        context_for(req2, Kind.CONSULTATION_LETTER, target=consultation)


def test_consultation_letter_without_consultations_is_refused(people, tree):
    with pytest.raises(LetterNotApplicable, match="征求意见"):
        context_for(c.handling(people["clerk"], tree["dept"]), Kind.CONSULTATION_LETTER)


def test_receipt_names_the_statutory_deadline(people, tree):
    req = c.register(people["clerk"], tree["dept"])
    f = context_for(req, Kind.RECEIPT).fields
    due = req.base_due_on
    assert f["deadline"] == f"{due.year}年{due.month}月{due.day}日" and f"申请编号为{req.ref}" in f["body"][0]
    assert f["letter_date"] == "2026年3月2日" and f["remedy"] == ""


def test_delivery_receipt_names_the_reply_it_delivers(people, city_tree):
    # archiving needs the issued reply (part S's services): the record as it stands after delivery
    req = RequestFactory(unit=city_tree["dept"], status="archived", outcome="granted", concluded_on=date(2026, 3, 20),
                         delivery_method="邮寄（EMS）", delivered_on=date(2026, 3, 23), archived_on=date(2026, 3, 24))
    ctx = context_for(req, Kind.DELIVERY_RECEIPT, number="金东发改公复〔2026〕3号")
    f = ctx.fields
    assert f["delivered_document"] == "金东区发展和改革局政府信息公开申请答复书（金东发改公复〔2026〕3号）"
    assert f["number"] == "" and f["delivery_method"] == "邮寄（EMS）" and f["delivered_on"] == "2026年3月23日"
    assert not ctx.is_draft


def test_delivery_receipt_before_delivery_is_refused(people, tree):
    req = c.replied(people["clerk"], tree["dept"])
    with pytest.raises(LetterNotApplicable, match="送达"):
        context_for(req, Kind.DELIVERY_RECEIPT)


def test_unknown_kind_and_explicit_date(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"])
    with pytest.raises(LetterNotApplicable, match="没有这种文书"):
        context_for(req, "summons")
    assert context_for(req, Kind.REPLY, on=date(2026, 4, 1)).fields["letter_date"] == "2026年4月1日"


def test_an_organisation_is_addressed_as_such(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"], applicant_type="commercial", applicant_name="金华某某律师事务所")
    f = context_for(req, Kind.REPLY).fields
    assert f["addressee"] == "金华某某律师事务所" and f["opening"].startswith("本机关于2026年3月2日收到贵单位当面提交")


LEDGER = """ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,content,correction_requested_on,correction_received_on,extension_days,concluded_on,result
FG-2023-007,jd-fgj,letter,2023-11-01,2023-11-03,natural_person,李四,某项目的会议纪要,,,,2023-11-24,refused.process_info
FG-2024-003,jd-fgj,online,2024-03-04,2024-03-04,natural_person,王五,某项目的批复文件,,,10,2024-04-19,granted
DX-2024-002,jd-dxz,in_person,2024-05-06,2024-05-06,commercial,金华某某公司,某地块的征收公告,,,,2024-05-20,refused.third_party
JD-2023-011,jindong,email,2023-12-18,2023-12-18,natural_person,赵六,某道路工程的招标文件,,,15,,
JD-2026-001,jindong,in_person,2026-03-02,2026-03-02,natural_person,钱七,某小区改造方案,2026-03-05,,,,
"""


@pytest.fixture
def ledger(city_tree, tmp_path):
    from django.core.management import call_command

    from disclosure.models import DisclosureRequest

    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER, encoding="utf-8")
    call_command("import_ledger", str(path), stdout=io.StringIO())
    return {r.ref: r for r in DisclosureRequest.objects.filter(ref__in=[line.split(",")[0] for line in LEDGER.split()[1:]])}


def _cn(d):
    return f"{d.year}年{d.month}月{d.day}日"


def test_ledger_imported_letters_follow_letters_md_and_the_engine(ledger):
    """Replies before and after 2024 of a department and a township, extensions, an open correction —
    as imported from a ledger: names, dates, basis, remedy and deadline right; what a ledger does not
    hold is marked 【待填写】, so none of them can be issued until filled in."""
    old = context_for(ledger["FG-2023-007"], Kind.REPLY)
    assert old.fields["legal_basis"] == "第十六条第二款、第三十六条第（三）项"
    assert old.fields["letter_date"] == "2023年11月24日" and old.fields["addressee"] == "李四"
    assert "向金东区人民政府或者上一级主管部门申请行政复议" in old.fields["remedy"] and "6个月" in old.fields["remedy"]
    assert "理由：【待填写：不予公开的理由】。" in old.fields["body"] and not old.can_issue

    new = context_for(ledger["DX-2024-002"], Kind.REPLY)
    assert new.fields["opening"].startswith("本机关于2024年5月6日收到贵单位当面提交的政府信息公开申请")
    assert "60日内向金东区人民政府申请行政复议" in new.fields["remedy"] and "6个月" not in new.fields["remedy"]

    granted = ledger["FG-2024-003"]
    ext = context_for(granted, Kind.EXTENSION_NOTICE)
    assert ext.fields["deadline"] == _cn(granted.due_on)
    assert ext.fields["letter_date"] == "【待填写：成文日期】" and "延期理由" in ext.missing
    assert "60日内向金东区人民政府申请行政复议" in ext.fields["remedy"]  # every possible date is in 2024
    assert context_for(granted, Kind.REPLY).can_issue  # nothing missing from a granted reply

    straddling = context_for(ledger["JD-2023-011"], Kind.EXTENSION_NOTICE)  # received 2023-12-18, due 2024
    assert "【待填写：救济告知" in straddling.fields["remedy"]
    assert straddling.fields["deadline"] == _cn(ledger["JD-2023-011"].due_on)

    open_correction = ledger["JD-2026-001"]
    cor = context_for(open_correction, Kind.CORRECTION_NOTICE)
    assert cor.fields["letter_date"] == "2026年3月5日" and cor.fields["addressee"] == "钱七"
    assert "1. 【待填写：补正事项】" in cor.fields["body"] and cor.fields["deadline"] == "【待填写：补正期限】"
    assert "60日内向金华市人民政府申请行政复议" in cor.fields["remedy"]  # the district's: the city above it
    for ctx in (old, new, ext, straddling, cor):
        txt = render_txt(ctx)
        assert normalised("".join(docx_lines(render_docx(ctx)))) == normalised(txt)


def test_the_provision_route_given_in_the_reply_is_what_the_letter_says(people, city_tree):
    req = c.replied(people["clerk"], city_tree["dept"], reply_data={"provision_route": "通过电子邮件发送至您提供的邮箱"})
    assert "本机关予以公开，现通过电子邮件发送至您提供的邮箱。" in context_for(req, Kind.REPLY).fields["body"][2]
    plain = c.replied(people["clerk"], city_tree["dept"], provision_form="inspection")
    assert "到本机关当场查阅、抄录" in context_for(plain, Kind.REPLY).fields["body"][2]


def test_a_reply_awaiting_sign_off_previews_its_letter_on_the_day_given(people, city_tree):
    req = c.handling(people["clerk"], city_tree["dept"])
    services.submit_for_legal_review(req, actor=people["clerk"], outcome="refused.internal_affairs",
                                     reply_data={"reason": "属于人事管理信息"})
    req = c.fresh(req)
    services.approve_legal_review(req, actor=people["legal"])
    req = c.fresh(req)
    assert req.status == "sign_off" and req.concluded_on is None
    with pytest.raises(LetterNotApplicable, match="无法确定文书日期"):
        context_for(req, Kind.REPLY)
    f = context_for(req, Kind.REPLY, on=date(2026, 3, 27)).fields
    assert f["letter_date"] == "2026年3月27日" and f["legal_basis"] == "第十六条第一款、第三十六条第（三）项"
    assert "理由：属于人事管理信息。" in f["body"]
