"""A clerk finds an online submission under 待确认 in the Chinese admin and confirms it, in a real
Chromium (issue 10); the pages are kept as screenshots under /tmp/shots/pcore/ for review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disclosure import services
from disclosure.models import DisclosureRequest, Unit
from disclosure.workflow import Status
from tests.factories import UnitFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"
SHOTS = Path("/tmp/shots/pcore")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_clerk_confirms_an_online_submission(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开")
    dept = UnitFactory(code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, parent=root,
                       ref_prefix="金东发改公开")
    staff("clerk", dept, "clerk")
    req, _code = services.submit_application(unit=dept, now=timezone.now(), data={
        "applicant_type": "natural_person", "applicant_name": "周九", "applicant_id_number": "110101199003070038",
        "phone": "13800138000", "email": "zhou@example.com", "address": "金华市金东区多湖街道1号",
        "content": "申请公开金东区2025年老旧小区改造项目的立项批复文件。", "provision_form": "email",
        "delivery_method": "online",
    })

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click('#login-form input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/")
    waiting = page.get_by_role("link", name="待确认（1）")
    expect(waiting).to_be_visible()
    waiting.click()
    page.wait_for_url(re.compile(r"online=submitted"))
    shot(page, "changelist-submitted")
    page.locator("#result_list tbody tr a").first.click()
    change_url = f"{live_server.url}/admin/disclosure/disclosurerequest/{req.pk}/change/"
    page.wait_for_url(re.compile(re.escape(change_url)))
    expect(page.locator("#gk-intake-submitted")).to_be_visible()
    expect(page.locator("#gk-deadline")).to_have_count(0)
    shot(page, "change-submitted")

    page.locator("#gk-action-confirm_receipt").click()
    page.wait_for_selector('#gk-action-form[data-action="confirm_receipt"]')
    expect(page.locator("#id_received_on")).to_have_value(timezone.localdate().isoformat())
    shot(page, "confirm-form")
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)
    expect(page.locator("#gk-deadline")).to_be_visible()
    shot(page, "change-confirmed")

    req = DisclosureRequest.objects.get(pk=req.pk)
    assert req.status == Status.REGISTERED and req.ref.startswith("金东发改公开〔")
    assert req.received_on == timezone.localdate()
