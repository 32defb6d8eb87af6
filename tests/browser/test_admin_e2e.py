"""A clerk takes one request through its whole life in the Chinese admin, in a real Chromium (a
reviewer accepts it and the head signs the reply: who decides what, issue 9).

登记 → 开始审核 → 告知补正 (refused once without items) → 收到补正 → 进入办理 → 签发答复 → 归档
→ 登记行政复议,
each step through the page's own links, buttons and forms; the page is checked after every step,
the database at the end.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django import forms
from django.utils import timezone, translation
from playwright.sync_api import expect

from disclosure.deadlines import add_workdays
from disclosure.models import CalendarYear, DisclosureRequest, RequestEvent, Unit
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Status
from tests.factories import UnitFactory, staff

# The live server sees only committed data: a transactional test. serialized_rollback restores
# the migrations' rows (the seeded working-day calendar) first, and keeps the flush afterwards from
# re-creating content types that the next serialized test would then load a second time.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"  # tests.factories.UserFactory


def iso(day) -> str:
    return day.isoformat()


def status_shown(page):
    """The state label in the change page's 办理状态 fieldset."""
    return page.locator(".field-status .readonly")


def do_action(page, code: str, fields: dict[str, str], *, change_url: str, selects: dict[str, str] | None = None):
    """Click an action button on the change page, fill its form, submit, land back on the change page."""
    page.locator(f"#gk-action-{code}").click()
    page.wait_for_selector(f'#gk-action-form[data-action="{code}"]')
    for name, value in (selects or {}).items():
        page.select_option(f"#id_{name}", label=value)
    for name, value in fields.items():
        page.fill(f"#id_{name}", value)
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)


def test_clerk_takes_a_request_from_registration_to_archive_in_the_admin(page, live_server, tmp_path):
    today = timezone.localdate()
    assert CalendarYear.objects.exists()  # the seeded calendar, restored by serialized_rollback
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开")
    dept = UnitFactory(
        code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, parent=root, ref_prefix="金东发改公开"
    )
    staff("clerk", dept, "clerk")
    staff("reviewer", dept, "reviewer")  # accepts what the clerk registered (岗位分离)
    staff("head", dept, "head")  # signs the reply (签发)

    received = today - timedelta(days=35)
    correction_asked = received + timedelta(days=2)
    correction_period = correction_asked + timedelta(days=15)
    correction_received = correction_asked + timedelta(days=6)
    calendar = load_work_calendar()
    first_due = add_workdays(received, 20, calendar)
    due_after_correction = add_workdays(correction_received, 20, calendar)
    assert due_after_correction > first_due  # the dates chosen make the restart visible

    def log_in(username):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click('#login-form input[type="submit"]')
        page.wait_for_url(f"{live_server.url}/admin/")

    # --- log in (the UI is Chinese) ---
    log_in("clerk")
    expect(page.locator("#site-name")).to_have_text("政府信息公开申请办理系统")

    # --- 政府信息公开申请 → 增加: register in one form ---
    page.locator("#content-main").get_by_role("link", name="政府信息公开申请", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/disclosure/disclosurerequest/$"))
    page.click("a.addlink")
    page.wait_for_url(re.compile(r"/admin/disclosure/disclosurerequest/add/$"))
    page.select_option("#id_unit", value=str(dept.pk))
    page.select_option("#id_channel", label="当面")
    page.fill("#id_submitted_on", iso(received))
    page.select_option("#id_applicant_type", label="自然人")
    page.fill("#id_applicant_name", "张三")
    page.fill("#id_applicant_id_number", "330101198001031234")
    page.fill("#id_applicant_contact", "13800000000")
    page.fill("#id_content", "申请公开金东区2025年老旧小区改造项目的立项批复文件。")
    page.select_option("#id_provision_form", label="电子邮件")
    page.click('input[name="_save"]')
    # Saving leads to the new request's page, where the next steps are.
    page.wait_for_url(re.compile(r"/admin/disclosure/disclosurerequest/\d+/change/$"))
    req = DisclosureRequest.objects.get()
    assert req.ref == f"金东发改公开〔{received.year}〕第0001号"
    change_url = f"{live_server.url}/admin/disclosure/disclosurerequest/{req.pk}/change/"
    assert page.url == change_url
    expect(page.locator("ul.messagelist")).to_contain_text(req.ref)

    # The changelist lists it as registered; open it from there.
    page.locator(".breadcrumbs").get_by_role("link", name="政府信息公开申请", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/disclosure/disclosurerequest/$"))
    row = page.locator("#result_list tbody tr", has=page.get_by_role("link", name=req.ref, exact=True))
    expect(row).to_contain_text("已登记")
    row.get_by_role("link", name=req.ref, exact=True).click()
    page.wait_for_url(change_url)
    expect(status_shown(page)).to_have_text("已登记")
    expect(page.locator("#gk-due-on")).to_contain_text(iso(first_due))

    # --- 开始审核 ---
    do_action(page, "start_review", {}, change_url=change_url)
    expect(status_shown(page)).to_have_text("审核中")

    # --- 告知补正 without items: refused on the field, nothing changes ---
    version_before = DisclosureRequest.objects.get().version
    page.locator("#gk-action-request_correction").click()
    page.wait_for_selector('#gk-action-form[data-action="request_correction"]')
    page.fill("#id_requested_on", iso(correction_asked))
    page.fill("#id_period_until", iso(correction_period))
    page.click("#gk-action-submit")
    expect(page.locator(".errornote")).to_have_text("请修正下面的错误。")
    with translation.override("zh-hans"):
        required = str(forms.Field.default_error_messages["required"])
    expect(page.locator(".field-items .errorlist")).to_have_text(required)
    assert page.url.endswith(f"/{req.pk}/action/request_correction/")
    expect(page.locator("#id_period_until")).to_have_value(iso(correction_period))  # the input is kept
    refused = DisclosureRequest.objects.get()
    assert (refused.status, refused.version) == (Status.REVIEWING, version_before)
    assert refused.correction_requested_on is None
    assert RequestEvent.objects.filter(request=refused).count() == 2

    # --- 告知补正 with its items and period: the reply clock stops ---
    page.fill("#id_items", "请写明所需文件的名称或文号。")
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)
    expect(page.locator("ul.messagelist")).to_contain_text("已完成“告知补正”")
    expect(status_shown(page)).to_have_text("待补正")
    expect(page.locator("#gk-clock-stopped")).to_be_visible()
    expect(page.locator("#gk-due-on")).to_have_count(0)

    # --- 收到补正: the 20 working days run again from the corrected application ---
    do_action(page, "record_correction", {"received_on": iso(correction_received)}, change_url=change_url)
    expect(status_shown(page)).to_have_text("审核中")
    expect(page.locator("#gk-due-on")).to_contain_text(iso(due_after_correction))
    expect(page.locator("#gk-deadline")).to_contain_text("收到补正之日")

    # --- 审核通过，进入办理: not by the clerk who registered it (岗位分离), by the reviewer ---
    expect(page.locator("#gk-action-accept")).to_have_count(0)
    log_in("reviewer")
    page.goto(change_url)
    do_action(page, "accept", {}, change_url=change_url)
    expect(status_shown(page)).to_have_text("办理中")

    # --- the clerk drafts the reply: 予以公开 needs no legal review, so it goes to the head ---
    log_in("clerk")
    page.goto(change_url)
    expect(page.locator("#gk-action-reply")).to_have_count(0)
    do_action(page, "submit_for_sign_off", {}, selects={"outcome": "予以公开"}, change_url=change_url)
    expect(status_shown(page)).to_have_text("待签发")

    # --- 签发答复 by the head: what was submitted is shown as text ---
    log_in("head")
    page.goto(change_url)
    page.locator("#gk-action-reply").click()
    page.wait_for_selector('#gk-action-form[data-action="reply"]')
    expect(page.locator("#gk-fixed-facts")).to_contain_text("予以公开")
    page.fill("#id_replied_on", iso(today))
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)
    expect(status_shown(page)).to_have_text("已答复")
    expect(page.locator(".field-outcome .readonly")).to_have_text("予以公开")
    log_in("clerk")
    page.goto(change_url)

    # --- 归档 with the delivery record ---
    do_action(
        page,
        "archive",
        {"delivery_method": "电子邮件送达", "delivered_on": iso(today), "archived_on": iso(today)},
        change_url=change_url,
    )
    expect(status_shown(page)).to_have_text("已归档")
    # an archived file takes nothing but what may still happen to it: 复议 and 诉讼 (第五十一条)
    expect(page.locator("#gk-action-panel a.button")).to_have_count(2)
    expect(page.locator("#gk-action-archive")).to_have_count(0)

    # --- the applicant applies for 行政复议 ---
    do_action(page, "record_reconsideration", {"filed_on": iso(today)}, change_url=change_url)
    expect(status_shown(page)).to_have_text("已归档")
    expect(page.locator(".field-reconsideration_filed_on .readonly")).to_contain_text(str(today.year))
    expect(page.locator(".field-reconsideration_outcome .readonly")).to_have_text("-")  # 尚未审结

    # --- the timeline lists every step, oldest first ---
    timeline = page.locator("#gk-timeline tr.gk-event")
    # 告知补正 and 签发答复 each issued their letter (同时出具, ticked by default): 补正告知书, 答复书
    steps = ["register", "start_review", "request_correction", "issue_document", "record_correction", "accept",
             "submit_for_sign_off", "reply", "issue_document", "archive", "record_reconsideration"]
    expect(timeline).to_have_count(len(steps))
    assert [timeline.nth(i).get_attribute("data-action") for i in range(len(steps))] == steps
    expect(timeline.nth(2)).to_contain_text("请写明所需文件的名称或文号。")
    expect(timeline.nth(2)).to_contain_text("审核中 → 待补正")
    expect(timeline.nth(3)).to_contain_text("金东发改公补〔")
    expect(timeline.nth(8)).to_contain_text("金东发改公复〔")
    expect(timeline.nth(9)).to_contain_text("电子邮件送达")
    expect(timeline.nth(9)).to_contain_text("已答复 → 已归档")

    screenshot = tmp_path / "archived-request.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000

    # --- the database agrees ---
    done = DisclosureRequest.objects.get()
    assert done.status == Status.ARCHIVED
    assert done.outcome == "granted"
    assert (done.correction_requested_on, done.correction_received_on) == (correction_asked, correction_received)
    assert (done.delivery_method, done.delivered_on, done.archived_on) == ("电子邮件送达", today, today)
    events = list(RequestEvent.objects.filter(request=done).order_by("at", "pk"))
    assert [e.action for e in events] == steps
    assert [e.to_status for e in events] == [
        Status.REGISTERED,
        Status.REVIEWING,
        Status.AWAITING_CORRECTION,
        Status.AWAITING_CORRECTION,
        Status.REVIEWING,
        Status.HANDLING,
        Status.SIGN_OFF,
        Status.REPLIED,
        Status.REPLIED,
        Status.ARCHIVED,
        Status.ARCHIVED,
    ]
    assert (done.reconsideration_filed_on, done.reconsideration_outcome) == (today, "")
    assert {e.actor.username for e in events} == {"clerk", "reviewer", "head"}
    assert [e.actor.username for e in events if e.action in ("accept", "reply")] == ["reviewer", "head"]
