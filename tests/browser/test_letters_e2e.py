"""文书 end to end in a real Chromium: a clerk drafts the reply and looks at the draft letter, the
head signs it (签发), which issues the 答复书 with its 文号, and the applicant's PDF — converted from
that DOCX by the worker's task with the real LibreOffice — is downloaded from the 文书 panel; the
verification page then shows the document. Screenshots of the panel, the sign-off form and the
verification page are kept in the test's tmp_path (GONGKAI_SCREENSHOTS=dir keeps copies there)."""

from __future__ import annotations

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from disclosure import services
from disclosure.models import Unit
from documents.models import Document
from documents.pdf import pdf_available
from tests.factories import UnitFactory, staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Gongkai-test-2026"  # tests.factories.UserFactory


def login(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click('#login-form input[type="submit"]')
    page.wait_for_url(f"{live_server.url}/admin/")


def keep(page, tmp_path: Path, name: str) -> None:
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    target = os.environ.get("GONGKAI_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(target) / shot.name)


def test_a_clerk_drafts_the_head_signs_and_the_applicant_s_pdf_is_downloaded(page, live_server, tmp_path, monkeypatch):
    if not pdf_available():
        pytest.skip("needs LibreOffice (apt-get install libreoffice-writer-nogui)")
    # the worker's hand-off: run the PDF task at once in this process, as a worker would
    monkeypatch.setattr("documents.services.send_now", lambda task, *args: task(*args) or True)
    today = timezone.localdate()
    root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT, ref_prefix="金东公开",
                       reconsideration_body="金华市人民政府")
    dept = UnitFactory(code="jd-fgj", name="金东区发展和改革局", kind=Unit.Kind.DEPARTMENT, parent=root,
                       ref_prefix="金东发改公开", letter_prefix="金东发改")
    clerk, legal = staff("clerk", dept, "clerk"), staff("legal", dept, "legal_reviewer")
    staff("head", dept, "head")
    reviewer = staff("reviewer", dept, "reviewer")
    req = services.register_request(
        actor=clerk, unit=dept, applicant_type="natural_person", applicant_name="王秀英", channel="in_person",
        submitted_on=today, content="申请公开金东区2025年老旧小区改造项目的立项批复", today=today,
    )
    services.accept(req, actor=reviewer)  # not the clerk who registered it (岗位分离)
    change_url = f"{live_server.url}/admin/disclosure/disclosurerequest/{req.pk}/change/"

    # --- the clerk drafts the reply and reads the draft letter ---
    login(page, live_server, "clerk")
    page.goto(change_url)
    page.locator("#gk-action-submit_for_legal_review").click()
    page.wait_for_selector('#gk-action-form[data-action="submit_for_legal_review"]')
    page.select_option("#id_outcome", "granted")
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)
    expect(page.locator("#gk-letters")).to_be_visible()
    receipt_row = page.locator('.gk-letter-draft[data-kind="receipt"]')
    expect(receipt_row).to_contain_text("可出具")
    with page.context.expect_page() as draft_tab:
        receipt_row.locator(".gk-draft-txt").click()
    draft = draft_tab.value
    draft.wait_for_load_state()
    assert "王秀英" in draft.content() and "回执" in draft.content()
    draft.close()
    keep(page, tmp_path, "letters-panel-draft")

    req.refresh_from_db()  # submitted for legal review in the browser
    services.approve_legal_review(req, actor=legal, note="同意签发")

    # --- the head signs: the 答复书 is issued with its number ---
    login(page, live_server, "head")
    page.goto(change_url)
    page.locator("#gk-action-reply").click()
    page.wait_for_selector('#gk-action-form[data-action="reply"]')
    expect(page.locator("#id_issue_letter")).to_be_checked()
    keep(page, tmp_path, "sign-off-form")
    page.click("#gk-action-submit")
    page.wait_for_url(change_url)
    document = Document.objects.get(request=req, kind="reply")
    number = f"金东发改复〔{today.year}〕1号"
    assert document.number == number and document.pdf_sha256  # the task ran on commit
    issued = page.locator(f'.gk-letter-issued[data-number="{number}"]')
    expect(issued).to_contain_text("已生成")
    keep(page, tmp_path, "letters-panel-issued")

    # --- the applicant's PDF ---
    with page.expect_download() as download_info:
        issued.locator(".gk-letter-pdf").click()
    path = download_info.value.path()
    data = Path(path).read_bytes()
    assert data.startswith(b"%PDF") and data == bytes(Document.objects.get(pk=document.pk).pdf)
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "王秀英" in re.sub(r"\s", "", text) and re.sub(r"\s", "", number) in re.sub(r"\s", "", text)

    # --- anyone can check it is genuine ---
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{live_server.url}/public/verify/?code={document.verification_code}")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text(document.pdf_sha256)
    assert "王秀英" not in page.content()
    keep(page, tmp_path, "verify-page")
