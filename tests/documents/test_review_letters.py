"""Review of issue 15's letters against letters.md: for a department, a township and the government
itself, replies before and after 2024-01-01, a granted and a refused reply — the legal basis and the
remedy clause (复议机关, 60日/6个月, 复议前置); the extension notice's deadline is the request's
due_on; the correction notice's period end is correction_period_until."""

from datetime import date

import pytest

from disclosure import services as disclosure_services
from documents import services
from documents.rules import format_cn_date

from ..steps import accept_as_colleague, reply_in_unit
from .records import with_prefix

BEFORE = {"submitted_on": date(2023, 11, 6), "replied_on": date(2023, 11, 20), "today": date(2023, 11, 30)}
AFTER = {"submitted_on": date(2026, 3, 2), "replied_on": date(2026, 3, 16), "today": date(2026, 3, 20)}
BODY = {  # letters.md: a department's 本级人民政府; a township's or a government's government above it, or configured
    "dept": {"after": "金东区人民政府", "before": "金东区人民政府或者上一级主管部门"},
    "town": {"after": "金东区人民政府", "before": "金东区人民政府"},
    "root": {"after": "金华市人民政府", "before": "金华市人民政府"},
}
CLERK = {"dept": "clerk", "town": "town_clerk", "root": "root_clerk"}


@pytest.fixture
def clerks(people, tree):
    from tests.factories import staff

    for unit in ("dept", "town", "root"):
        with_prefix(tree[unit], letter_prefix={"dept": "金东发改", "town": "多湖", "root": "金东政"}[unit])
    return {**people, "root_clerk": staff("root_clerk", tree["root"], "clerk")}


def reply_txt(clerk, unit, era, outcome, reply_data):
    dates = BEFORE if era == "before" else AFTER
    req = disclosure_services.register_request(
        actor=clerk, unit=unit, applicant_type="natural_person", applicant_name="张三",
        applicant_id_number="33010119800315123X", applicant_contact="13812345678", channel="in_person",
        submitted_on=dates["submitted_on"], content="某项目的批复文件", today=dates["submitted_on"])
    accept_as_colleague(req, clerk)
    reply_in_unit(req, clerk, outcome=outcome, replied_on=dates["replied_on"], reply_data=reply_data,
                  today=dates["today"])
    req.refresh_from_db()
    return req, services.draft_file(req, "reply", "txt").data.decode("utf-8")


@pytest.mark.parametrize("unit", ["dept", "town", "root"])
@pytest.mark.parametrize("era", ["before", "after"])
@pytest.mark.parametrize(("outcome", "reply_data", "basis"), [
    ("granted", {}, "第三十六条第（二）项"),
    ("refused.third_party", {"reason": "涉及第三方商业秘密"}, "第十五条、第三十六条第（三）项"),
    ("refused.process_info", {"reason": "属于讨论记录"}, "第十六条第二款、第三十六条第（三）项"),
])
def test_the_reply_s_legal_basis_and_remedy_clause(clerks, tree, unit, era, outcome, reply_data, basis):
    req, txt = reply_txt(clerks[CLERK[unit]], tree[unit], era, outcome, reply_data)
    assert f"《中华人民共和国政府信息公开条例》{basis}的规定" in txt
    body = BODY[unit][era]
    remedy = next(line for line in txt.splitlines() if "行政复议" in line)
    assert f"60日内向{body}申请行政复议" in remedy, remedy
    refused = outcome.startswith("refused.")
    if era == "after" and refused:
        assert "6个月" not in remedy and "应当先申请行政复议" in remedy, remedy
    else:
        assert "6个月内依法向人民法院提起行政诉讼" in remedy, remedy
        assert "先申请行政复议" not in remedy
    assert format_cn_date((BEFORE if era == "before" else AFTER)["replied_on"]) in txt.splitlines()[-1] or \
        format_cn_date(req.concluded_on) in txt


def test_the_extension_notice_s_deadline_is_the_request_s_due_on(clerks, tree):
    clerk, head = clerks["clerk"], clerks["head"]
    req = disclosure_services.register_request(
        actor=clerk, unit=tree["dept"], applicant_type="natural_person", applicant_name="张三",
        applicant_id_number="33010119800315123X", applicant_contact="13812345678", channel="in_person",
        submitted_on=date(2026, 3, 2), content="某项目的批复文件", today=date(2026, 3, 2))
    accept_as_colleague(req, clerk)
    disclosure_services.approve_extension(req, actor=head, days=20, approved_on=date(2026, 3, 20),
                                          notified_on=date(2026, 3, 20), reason="需要检索大量档案",
                                          today=date(2026, 3, 20))
    req.refresh_from_db()
    txt = services.draft_file(req, "extension_notice", "txt").data.decode("utf-8")
    assert req.due_on and f"本机关将于{format_cn_date(req.due_on)}前作出答复" in txt, (req.due_on, txt)
    assert "60日内向金东区人民政府申请行政复议" in txt


def test_the_correction_notice_s_period_end_is_correction_period_until(clerks, tree):
    clerk = clerks["town_clerk"]
    req = disclosure_services.register_request(
        actor=clerk, unit=tree["town"], applicant_type="natural_person", applicant_name="张三",
        applicant_id_number="33010119800315123X", applicant_contact="13812345678", channel="in_person",
        submitted_on=date(2026, 3, 2), content="某项目", today=date(2026, 3, 2))
    disclosure_services.request_correction(req, actor=clerk, requested_on=date(2026, 3, 4), items="请写明文件名称",
                                           period_until=date(2026, 3, 18), today=date(2026, 3, 4))
    req.refresh_from_db()
    txt = services.draft_file(req, "correction_notice", "txt").data.decode("utf-8")
    assert f"请您于{format_cn_date(req.correction_period_until)}前" in txt and req.correction_period_until == date(2026, 3, 18)
    assert "60日内向金东区人民政府申请行政复议" in txt and "6个月" in txt
