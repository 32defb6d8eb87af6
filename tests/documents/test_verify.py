"""GET /public/verify/?code=: anonymous; unit, kind, 文号, date and SHA-256, nothing personal; never a 500."""

import pytest
from django.core.cache import cache

from documents import services
from public import views

from .records import replied


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)
    cache.clear()


@pytest.fixture
def document(people, tree):
    req = replied(people["clerk"], tree["dept"], applicant_name="王秀英", applicant_contact="13900001111")
    return services.issue_document(req, "reply", actor=people["clerk"])


def test_a_valid_code_shows_the_document_and_nothing_personal(client, document):
    document.store_pdf(b"%PDF-1.7 test")
    response = client.get("/public/verify/", {"code": document.verification_code})
    assert response.status_code == 200
    page = response.content.decode()
    for shown in ("金东区发展和改革局", "政府信息公开申请答复书", document.number, "2026-03-16",
                  document.docx_sha256, document.pdf_sha256):
        assert shown in page, shown
    for hidden in ("王秀英", "13900001111", "33010119800315123X", "申请公开某项目的批复文件", document.request.ref):
        assert hidden not in page, hidden


def test_the_code_may_be_typed_in_lower_case_with_spaces_and_dashes(client, document):
    code = document.verification_code
    typed = f" {code[:5].lower()}-{code[5:]} "
    assert document.number in client.get("/public/verify/", {"code": typed}).content.decode()


def test_a_replaced_document_says_which_one_replaces_it(client, document, people):
    new = services.reissue_document(document, actor=people["clerk"], reason="日期有误")
    page = client.get("/public/verify/", {"code": document.verification_code}).content.decode()
    assert new.number in page


@pytest.mark.parametrize("code", ["", "AAAAAAAAAA", "短", "x" * 5000, "<script>alert(1)</script>", "\x00\x01",
                                  "AAAAA AAAAA", "%00", "1" * 10])
def test_any_input_answers_a_page_never_a_500(client, document, code):
    response = client.get("/public/verify/", {"code": code})
    assert response.status_code in (200, 404)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_no_login_is_needed_and_the_page_is_not_cached(client, document):
    response = client.get("/public/verify/", {"code": document.verification_code})
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_client_guessing_codes_is_throttled(client, document, monkeypatch):
    monkeypatch.setattr(views, "RATE_PER_MINUTE", 3)
    codes = [client.get("/public/verify/", {"code": "AAAAAAAAAA"}).status_code for _ in range(5)]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]


def test_the_page_is_in_english_with_the_language_switch(client, document):
    client.cookies["django_language"] = "en"
    page = client.get("/public/verify/", {"code": document.verification_code}).content.decode()
    assert 'lang="en"' in page
    assert "/i18n/setlang/" in page
