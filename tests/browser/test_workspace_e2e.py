"""我的待办 and 督办 in a real Chromium: a clerk's home page → an action → back home with the count
down; a supervisor's board → a figure → the request list showing exactly those requests."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disclosure import services
from disclosure.models import DisclosureRequest, Unit
from disclosure.workflow import Status
from tests.factories import RequestFactory, UnitFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"  # tests.factories.UserFactory


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click('#login-form input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")


def shoot(page, tmp_path: Path, name: str) -> None:
    target = Path(os.environ.get("GONGKAI_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target / f"{name}.png"), full_page=True)


def units():
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开")
    dept = UnitFactory(code="jd-fgj", name="金东区发展和改革局", parent=root, ref_prefix="金东发改公开")
    town = UnitFactory(code="jd-dxz", name="多湖街道", kind=Unit.Kind.TOWNSHIP, parent=root, ref_prefix="多湖公开")
    other = UnitFactory(code="wucheng", name="婺城区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="婺城公开")
    return root, dept, town, other


def awaiting_correction(unit, clerk, name, today):
    received = today - timedelta(days=6)
    req = services.register_request(
        actor=clerk, unit=unit, applicant_type="natural_person", applicant_name=name, channel="in_person",
        submitted_on=received, content="申请公开某项目的批复文件", today=today,
    )
    return services.request_correction(
        req, actor=clerk, requested_on=received + timedelta(days=1), items="请写明所需信息的名称或文号。",
        period_until=today + timedelta(days=1), today=today,
    )


def test_clerk_goes_from_the_home_page_to_an_action_and_back_with_the_count_down(page, live_server, tmp_path):
    today = timezone.localdate()
    _root, dept, town, _other = units()
    clerk = staff("clerk", dept, "clerk")
    first = awaiting_correction(dept, clerk, "张三", today)
    awaiting_correction(dept, clerk, "李四", today)
    elsewhere = awaiting_correction(town, staff("town_clerk", town, "clerk"), "王五", today)

    sign_in(page, live_server, "clerk")
    expect(page.locator("h1")).to_contain_text("我的待办")
    chip = page.locator("#ws-count-correction")
    expect(chip).to_have_attribute("data-count", "2")
    expect(page.locator(f'tr[data-request="{elsewhere.pk}"]')).to_have_count(0)  # another unit's
    shoot(page, tmp_path, "workspace-home-clerk")

    row = page.locator(f'#ws-group-correction tr[data-request="{first.pk}"]')
    expect(row).to_contain_text("张三")
    row.get_by_role("link", name="收到补正").click()
    page.wait_for_selector('#gk-action-form[data-action="record_correction"]')
    page.fill("#id_received_on", today.isoformat())
    page.click("#gk-action-submit")
    page.wait_for_url(re.compile(rf"/admin/disclosure/disclosurerequest/{first.pk}/change/$"))

    page.locator("#site-name a").click()  # the header's link: the home page
    page.wait_for_url(f"{live_server.url}/admin/")
    expect(page.locator("#ws-count-correction")).to_have_attribute("data-count", "1")
    expect(page.locator(f'#ws-group-correction tr[data-request="{first.pk}"]')).to_have_count(0)
    assert DisclosureRequest.objects.get(pk=first.pk).status == Status.REVIEWING
    # the admin's app list is still one click away
    expect(page.locator("#ws-all").get_by_role("link", name="政府信息公开申请", exact=True)).to_be_visible()


def test_supervisor_opens_a_board_figure_and_the_list_shows_exactly_those_requests(page, live_server, tmp_path):
    today = timezone.localdate()
    root, dept, town, other = units()
    staff("duban", root, "supervisor")
    late = [RequestFactory(unit=dept, status=Status.HANDLING, due_on=today - timedelta(days=d)) for d in (3, 8, 15)]
    RequestFactory(unit=dept, status=Status.HANDLING, due_on=today + timedelta(days=20))
    RequestFactory(unit=town, status=Status.HANDLING, due_on=today - timedelta(days=4))
    RequestFactory(unit=other, status=Status.HANDLING, due_on=today - timedelta(days=4))

    sign_in(page, live_server, "duban")
    page.locator("#ws-board-link").click()
    page.wait_for_url(f"{live_server.url}/admin/board/")
    expect(page.locator("#ws-board-table")).not_to_contain_text("婺城区")  # not in the subtree
    expect(page.locator("#ws-trend svg polyline")).to_have_count(3)
    shoot(page, tmp_path, "workspace-board")

    figure = page.locator('tr[data-unit="jd-fgj"] a[data-figure="overdue"]')
    expect(figure).to_have_text("3")
    figure.click()
    page.wait_for_url(re.compile(r"/admin/disclosure/disclosurerequest/\?"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    for req in late:
        expect(page.locator("#result_list")).to_contain_text(req.ref)
