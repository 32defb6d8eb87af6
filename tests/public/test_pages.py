"""The public pages (portal.md) without a browser: the guide, the form with its errors next to the
fields, the receipt, the lookup's single 404, the letters, the online correction and the throttles."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosure import services
from disclosure.models import Attachment, DisclosureRequest
from disclosure.workflow import Status
from notifications.delivery import deliver_now
from notifications.models import Alert, AlertKind

VALID_ID = "110101199003070038"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def no_captcha(settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = False
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "1000/hour"
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "1000/minute"


def form_data(to, **overrides):
    data = {
        "unit": to.code, "applicant_type": "natural_person", "applicant_name": "张三",
        "applicant_id_number": VALID_ID, "phone": "138 0013 8000", "email": "zhang@example.com",
        "address": "金华市金东区某路1号", "content": "2025年某道路改造工程的立项批复。",
        "provision_form": "email", "delivery_method": "online", "website": "",
    }
    data.update(overrides)
    return data


def apply(client, to, files=None, **overrides):
    return client.post(reverse("public:apply"), {**form_data(to, **overrides), **(files or {})})


def code_on(response) -> str:
    match = re.search(r'data-testid="tracking-code">([0-9A-Z-]+)<', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match[1]


def test_the_guide_lists_the_units_and_the_articles(client, tree, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get(reverse("public:guide"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "第二十九条" in page and "20个工作日" in page and "信息处理费" in page
    assert tree["dept"].name in page and f"?unit={tree['dept'].code}" in page
    assert reverse("public:status") in page
    assert "<script" not in page


def test_applying_gives_a_submitted_request_a_code_shown_once_and_an_email(client, tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = apply(client, tree["dept"], files={"id_copy": SimpleUploadedFile("身份证.pdf", PDF)})
    assert response.status_code == 200
    code = code_on(response)
    req = DisclosureRequest.objects.get()
    assert req.status == Status.SUBMITTED and req.unit == tree["dept"] and req.requested_delivery == "online"
    assert code not in str(req.tracking_hash) and services.lookup_application(tracking_code=code, phone="13800138000") == req
    assert Attachment.objects.get(request=req).name == "身份证.pdf"
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    # the receipt goes through the outbox (notifications.applicants): once by e-mail, once by SMS
    alerts = Alert.objects.filter(kind=AlertKind.APPLICANT_SUBMITTED)
    assert sorted(a.channel for a in alerts) == ["email", "sms"]
    deliver_now([a.pk for a in alerts])
    assert len(mail.outbox) == 1 and code in mail.outbox[0].body and mail.outbox[0].to == ["zhang@example.com"]


def test_a_document_name_and_number_go_into_the_content(client, tree):
    apply(client, tree["dept"], content="", document_name="关于某道路改造的批复", document_number="金东发改〔2025〕12号")
    assert "文号：金东发改〔2025〕12号" in DisclosureRequest.objects.get().content


@pytest.mark.parametrize(("field", "overrides"), [
    ("applicant_id_number", {"applicant_id_number": "110101199003070039"}),  # wrong check digit
    ("applicant_name", {"applicant_name": "<script>alert(1)</script>"}),
    ("unit", {"unit": "no-such-unit"}),
    ("content", {"content": "长" * 300_000}),
    ("content", {"content": "", "document_name": ""}),
    ("phone", {"phone": ""}),
    ("phone", {"phone": "call me"}),
    ("email", {"delivery_method": "email", "email": ""}),
    ("address", {"delivery_method": "post", "address": ""}),
    ("delivery_method", {"delivery_method": "pigeon"}),
    ("agent_id_number", {"agent_name": "李四"}),
])
def test_each_error_is_next_to_its_field_and_nothing_is_saved(client, tree, field, overrides):
    response = apply(client, tree["dept"], **overrides)
    page = response.content.decode()
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in page
    assert re.search(rf'aria-describedby="id_{field}_error[^"]*"', page) or f'aria-describedby="id_{field}_error' in page
    assert DisclosureRequest.objects.count() == 0
    # what was typed is kept
    if field != "applicant_name":
        assert "张三" in page
    if "content" not in overrides:
        assert "2025年某道路改造工程的立项批复。" in page


def test_markup_in_a_name_is_refused_and_never_echoed_raw(client, tree):
    page = apply(client, tree["dept"], applicant_name="<b>x</b>").content.decode()
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


@pytest.mark.parametrize("upload", [
    SimpleUploadedFile("page.html", b"<html><script>alert(1)</script></html>"),
    SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf"),
    SimpleUploadedFile("poly.png", PNG + b"<script>alert(1)</script>"),
])
def test_bad_uploads_are_field_errors_and_the_form_says_files_are_not_kept(client, tree, upload):
    response = apply(client, tree["dept"], files={"id_copy": upload})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="id_id_copy_error"' in page
    assert "请重新选择" in page
    assert DisclosureRequest.objects.count() == 0 and Attachment.objects.count() == 0


def test_an_oversized_upload_is_a_field_error(client, tree, settings):
    settings.GONGKAI_ATTACHMENT_MAX_BYTES = 1000
    response = apply(client, tree["dept"], files={"id_copy": SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)})
    assert response.status_code == 400 and 'id="id_id_copy_error"' in response.content.decode()
    assert DisclosureRequest.objects.count() == 0


def test_an_agent_needs_a_power_of_attorney(client, tree):
    response = apply(client, tree["dept"], agent_name="李四", agent_id_number=VALID_ID)
    assert response.status_code == 400 and 'id="id_power_of_attorney_error"' in response.content.decode()
    response = apply(client, tree["dept"], agent_name="李四", agent_id_number=VALID_ID,
                     files={"power_of_attorney": SimpleUploadedFile("委托书.pdf", PDF)})
    assert response.status_code == 200
    assert DisclosureRequest.objects.get().agent_name == "李四"


def test_the_honeypot_refuses_quietly(client, tree):
    response = apply(client, tree["dept"], website="http://spam.example")
    assert response.status_code == 400 and DisclosureRequest.objects.count() == 0


def test_the_captcha_is_on_by_default(client, tree, settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = True
    page = client.get(reverse("public:apply")).content.decode()
    assert 'name="captcha_1"' in page and "/captcha/image/" in page
    response = apply(client, tree["dept"], captcha_0="x", captcha_1="wrong")
    assert response.status_code == 400 and 'id="id_captcha_error"' in response.content.decode()
    assert DisclosureRequest.objects.count() == 0


def test_the_captcha_passes_with_the_right_answer(client, tree, settings):
    from captcha.models import CaptchaStore

    settings.GONGKAI_PUBLIC_CAPTCHA = True
    key = CaptchaStore.generate_key()
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = apply(client, tree["dept"], captcha_0=key, captcha_1=answer)
    assert response.status_code == 200 and DisclosureRequest.objects.count() == 1


# --- following a request -----------------------------------------------------------------------


@pytest.fixture
def applied(client, tree):
    code = code_on(apply(client, tree["dept"]))
    return DisclosureRequest.objects.get(), code


def lookup(client, code, phone="13800138000"):
    return client.post(reverse("public:status"), {"tracking_code": code, "phone": phone})


def test_the_status_shows_plain_words_and_a_masked_id(client, applied, django_assert_max_num_queries):
    req, code = applied
    with django_assert_max_num_queries(6):
        response = lookup(client, code.lower().replace("-", " "), phone="138-0013-8000")
    page = response.content.decode()
    assert response.status_code == 200
    assert "已提交待确认" in page and req.unit.name in page
    assert VALID_ID not in page and "110***********0038" in page


def test_every_miss_is_the_same_404(client, applied, tree):
    req, code = applied
    other = code_on(apply(client, tree["town"], phone="13900000000"))
    bodies = set()
    for c, phone in ((code, "13900000000"), (other, "13800138000"), ("AAAA-BBBB-CCCC-DDDD", "13800138000"),
                     ("<script>", "x"), ("", "")):
        response = lookup(client, c, phone)
        assert response.status_code == 404
        bodies.add(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode()))
    assert len(bodies) == 1


def test_a_rejected_submission_is_not_found(client, applied, people):
    req, code = applied
    services.reject_submission(req, actor=people["clerk"], expected_version=req.version, reason="重复提交")
    assert lookup(client, code).status_code == 404


def test_lookups_are_throttled_per_address(client, applied, settings):
    req, code = applied
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "3/minute"
    assert [lookup(client, code).status_code for _i in range(3)] == [200, 200, 200]
    response = lookup(client, code)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    # another address is counted apart
    assert client.post(reverse("public:status"), {"tracking_code": code, "phone": "13800138000"},
                       REMOTE_ADDR="10.1.2.3").status_code == 200


def test_submissions_are_throttled_per_address(client, tree, settings):
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "2/hour"
    assert [apply(client, tree["dept"]).status_code for _i in range(2)] == [200, 200]
    response = apply(client, tree["dept"])
    assert response.status_code == 429 and "张三" in response.content.decode()
    assert DisclosureRequest.objects.count() == 2


# --- after confirmation: letters and the online correction --------------------------------------


@pytest.fixture
def confirmed(applied, people):
    req, code = applied
    services.confirm_receipt(req, actor=people["clerk"], expected_version=req.version)
    req.refresh_from_db()
    return req, code


def test_confirmed_shows_the_reference_and_the_deadline(client, confirmed):
    req, code = confirmed
    page = lookup(client, code).content.decode()
    assert "已受理" in page and req.ref in page and req.due_on.isoformat() in page


def issue_receipt_letter(req, clerk):
    from unittest.mock import patch

    from documents import services as letter_services

    with patch.object(letter_services, "send_now", lambda *args: True):
        return letter_services.issue_document(req, "receipt", actor=clerk, queue_pdf=False)


def test_a_letter_is_downloaded_with_code_and_phone_and_never_otherwise(client, confirmed, people, tree):
    from security.models import AuditEntry

    req, code = confirmed
    document = issue_receipt_letter(req, people["clerk"])
    page = lookup(client, code).content.decode()
    url = reverse("public:letter", args=[document.pk])
    assert f'action="{url}"' in page and document.number in page
    response = client.post(url, {"tracking_code": code, "phone": "13800138000"})
    assert response.status_code == 200 and response.content == bytes(document.docx)
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD).count() == 1
    # a wrong phone, a GET, and another applicant's code are all refused the same way
    assert client.post(url, {"tracking_code": code, "phone": "13900000000"}).status_code == 404
    assert client.get(url).status_code == 405
    other_code = code_on(apply(client, tree["dept"], phone="13900000000"))
    assert client.post(url, {"tracking_code": other_code, "phone": "13900000000"}).status_code == 404


def test_letters_are_not_downloadable_when_delivered_by_post(client, tree, people):
    code = code_on(apply(client, tree["dept"], delivery_method="post"))
    req = DisclosureRequest.objects.get()
    services.confirm_receipt(req, actor=people["clerk"], expected_version=req.version)
    req.refresh_from_db()
    document = issue_receipt_letter(req, people["clerk"])
    page = lookup(client, code).content.decode()
    assert document.number in page and reverse("public:letter", args=[document.pk]) not in page
    assert client.post(reverse("public:letter", args=[document.pk]),
                       {"tracking_code": code, "phone": "13800138000"}).status_code == 404


def test_the_correction_is_answered_online(client, confirmed, people):
    from datetime import timedelta

    from django.utils import timezone

    req, code = confirmed
    today = timezone.localdate()
    services.request_correction(req, actor=people["clerk"], requested_on=today, items="请写明文件的年份。",
                                period_until=today + timedelta(days=15), expected_version=req.version)
    page = lookup(client, code).content.decode()
    assert "需要补正" in page and "请写明文件的年份。" in page and 'action="/public/status/correct/"' in page
    # an error keeps the page, with the message next to the field
    response = client.post(reverse("public:correct"), {"tracking_code": code, "phone": "13800138000", "content": ""})
    assert response.status_code == 400 and 'id="id_content_error"' in response.content.decode()
    response = client.post(reverse("public:correct"), {
        "tracking_code": code, "phone": "13800138000", "content": "2025年的立项批复。",
        "file": SimpleUploadedFile("补正.pdf", PDF)})
    assert response.status_code == 200 and "补正材料已提交" in response.content.decode()
    req.refresh_from_db()
    assert req.online_correction_at is not None
    assert Attachment.objects.filter(request=req, name="补正.pdf").exists()
    # no second one while the first waits for a clerk
    response = client.post(reverse("public:correct"), {"tracking_code": code, "phone": "13800138000", "content": "再补"})
    assert response.status_code == 409


def test_no_staff_data_on_the_status_page(client, confirmed, people):
    req, code = confirmed
    services.assign_handler(req, actor=people["head"], handler=people["clerk"]) if hasattr(services, "assign_handler") else None
    page = lookup(client, code).content.decode()
    for staff_word in ("clerk", "经办人", "/admin/", people["clerk"].username):
        assert staff_word not in page


@pytest.mark.parametrize("name", ["public:guide", "public:apply", "public:status"])
def test_the_pages_are_in_english_when_asked(client, tree, name, settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = True
    page = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for unit in tree.values():
        page = page.replace(unit.name, "")
    leftover = re.findall(r"[\u4e00-\u9fff]+", page.replace("简体中文", ""))
    assert not leftover, leftover




def test_an_oversized_urlencoded_post_is_refused_not_failed(client, tree):
    """A 300,000-character description sent url-encoded is past Django's request size limit: a 400, never a 500."""
    from urllib.parse import urlencode

    body = urlencode(form_data(tree["dept"], content="长" * 300_000))
    response = client.post(reverse("public:apply"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and DisclosureRequest.objects.count() == 0
