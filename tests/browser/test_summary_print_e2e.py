"""The printable case summary (办理单): opened from the request page's 打印办理单, printed to PDF by
Chromium's own print (page.pdf(), the print CSS applied), the PDF read back."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from disclosure import services
from disclosure.models import Unit
from tests.factories import UnitFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"  # tests.factories.UserFactory


def test_the_case_summary_prints_to_a_pdf_with_facts_timeline_and_sign_offs(page, live_server, tmp_path):
    unit = UnitFactory(code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, ref_prefix="金东发改公开")
    clerk = staff("clerk", unit, "clerk")
    reviewer = staff("reviewer", unit, "reviewer")
    day = timezone.localdate() - timedelta(days=3)
    req = services.register_request(
        actor=clerk, unit=unit, applicant_type="natural_person", applicant_name="欧阳修",
        applicant_id_number="330101199003151234", channel="in_person", submitted_on=day,
        content="申请公开老旧小区改造项目的批复文件", today=timezone.localdate(),
    )
    services.start_review(req, actor=reviewer)
    services.accept(req, actor=reviewer)

    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/{req.pk}/change/")
    # the top of the page: the facts and the deadline, the timeline folded away below
    assert page.locator("#gk-facts").is_visible() and page.locator("#gk-due-on").is_visible()
    assert not page.locator("#gk-timeline").is_visible()
    page.locator("#gk-timeline-section > summary").click()
    assert page.locator("#gk-timeline").is_visible()

    with page.context.expect_page() as opened:
        page.locator("#gk-print-summary").click()
    summary = opened.value
    summary.wait_for_selector("#gk-summary-title")
    assert summary.locator(".gk-event").count() == 3  # 登记, 开始审核, 审核通过
    pdf = tmp_path / "summary.pdf"
    summary.emulate_media(media="print")
    assert not summary.locator(".gk-toolbar").is_visible()  # the print CSS hides the buttons
    summary.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    flat = "".join(text.split())
    assert "政府信息公开申请办理单" in flat
    assert req.ref in flat and "欧阳修" in flat
    assert "330101199003151234" not in flat and "330***********1234" in flat  # masked on paper
    assert "审核意见" in flat and "法制审核意见" in flat and "签发" in flat
    assert f"{reviewer}（审核通过，进入办理" in flat  # the 审核 sign-off: who, which step, when
