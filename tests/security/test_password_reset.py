"""Password reset by e-mail from the admin's login page (issue 14): the same answer for known and
unknown addresses, mail only for known ones, throttled, a link that works once, audited, and the
second factor still asked after a reset."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from api.models import ApiToken
from config.celery import app as celery_app
from security.models import AuditEntry

pytestmark = pytest.mark.django_db

FORM = "/admin/password_reset/"
NEW_PASSWORD = "Xin-mima-2026-qiuyue"


@pytest.fixture(autouse=True)
def mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GONGKAI_SITE_URL = "https://gongkai.example.gov.cn"


@pytest.fixture(autouse=True)
def worker_in_process():
    """The mail task runs where it is sent, as a worker would run it."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def clerk(people):
    user = people["clerk"]
    user.email = "clerk@jindong.gov.cn"
    user.save(update_fields=["email"])
    return user


def page(response) -> str:
    """The page without what differs on every response (the CSRF token, the CSP nonce)."""
    body = response.content.decode()
    return re.sub(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"', r'\1=""', body)


def ask(client, email, **extra):
    return client.post(FORM, {"email": email}, **extra)


def link_in(message) -> str:
    return re.search(r"https://gongkai\.example\.gov\.cn(/admin/reset/\S+/)", message.body).group(1)


def use_link(client, path, password=NEW_PASSWORD):
    form = client.get(path)  # Django moves the token into the session and redirects to …/set-password/
    assert form.status_code == 302
    return client.post(form["Location"], {"new_password1": password, "new_password2": password})


def test_the_login_page_links_to_the_reset(client, db):
    body = client.get("/admin/login/").content.decode()
    assert f'href="{FORM}"' in body and "忘记了用户名或密码？" in body  # Django's zh_Hans lacks it: locale/zh_Hans


def test_the_reset_pages_show_no_empty_app_list(client, db):
    body = client.get(FORM).content.decode()
    assert 'id="nav-sidebar"' not in body


def test_the_reset_pages_are_chinese_and_in_the_admin_s_frame(client, db):
    body = client.get(FORM).content.decode()
    assert 'lang="zh-hans"' in body and "忘记" in body and 'name="email"' in body
    assert "政府信息公开" in body or "Gongkai" in body  # the admin's own header


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_a_mail(client, clerk):
    known = ask(client, clerk.email)
    unknown = ask(client, "nobody@jindong.gov.cn")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert page(client.get(known["Location"])) == page(client.get(unknown["Location"]))
    assert [m.to for m in mail.outbox] == [[clerk.email]]
    message = mail.outbox[0]
    assert "重置" in message.subject and clerk.username in message.body
    assert link_in(message).startswith("/admin/reset/")


def test_the_link_comes_from_the_site_url_not_the_host_header(client, clerk, settings):
    settings.ALLOWED_HOSTS = ["*"]
    ask(client, clerk.email, HTTP_HOST="evil.example.com")
    assert "evil.example.com" not in mail.outbox[0].body
    assert "https://gongkai.example.gov.cn/admin/reset/" in mail.outbox[0].body


def test_no_mail_for_an_inactive_account_or_one_without_a_usable_password(client, clerk, people):
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    legal = people["legal"]
    legal.email = "legal@jindong.gov.cn"
    legal.set_unusable_password()
    legal.save()
    assert ask(client, clerk.email)["Location"] == ask(client, legal.email)["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_an_address_is_throttled_silently_with_the_same_answer(client, clerk, settings):
    settings.GONGKAI_PASSWORD_RESET_PER_HOUR = 2
    answers = [ask(client, clerk.email.upper() if i % 2 else clerk.email) for i in range(4)]
    assert {a.status_code for a in answers} == {302}
    assert len(mail.outbox) == 2
    assert ask(client, "nobody@jindong.gov.cn").status_code == 302  # another address is counted apart


def test_one_client_address_is_throttled_across_addresses(client, clerk, settings):
    settings.GONGKAI_PASSWORD_RESET_PER_IP_PER_HOUR = 3
    for i in range(3):
        ask(client, f"guess{i}@jindong.gov.cn")
    ask(client, clerk.email)
    assert mail.outbox == []
    ask(client, clerk.email, REMOTE_ADDR="10.0.0.9")
    assert len(mail.outbox) == 1


def test_the_link_sets_a_new_password_once_and_is_audited(client, clerk):
    ask(client, clerk.email)
    path = link_in(mail.outbox[0])
    done = use_link(client, path)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    clerk.refresh_from_db()
    assert clerk.check_password(NEW_PASSWORD)
    assert "_auth_user_id" not in client.session  # a reset signs nobody in
    again = client.get(path, follow=True)
    assert "new_password1" not in again.content.decode()  # the link is spent
    actions = list(AuditEntry.objects.filter(actor=clerk).order_by("pk").values_list("action", flat=True))
    assert actions == [AuditEntry.Action.PASSWORD_RESET_SENT, AuditEntry.Action.PASSWORD_RESET]


def test_a_weak_password_is_refused_and_the_link_still_works(client, clerk):
    ask(client, clerk.email)
    path = link_in(mail.outbox[0])
    form = client.get(path)
    weak = client.post(form["Location"], {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "new_password1" in weak.content.decode()
    clerk.refresh_from_db()
    assert not clerk.check_password("12345678")
    assert client.post(form["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302


def test_a_reset_revokes_the_account_s_api_tokens_and_ends_its_sessions(client, clerk):
    _, raw = ApiToken.issue(clerk)
    signed_in = APIClient()
    signed_in.force_login(clerk)
    assert signed_in.get("/api/v1/units/").status_code == 200
    ask(client, clerk.email)
    use_link(client, link_in(mail.outbox[0]))
    assert APIClient().get("/api/v1/units/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 401
    assert signed_in.get("/api/v1/units/").status_code in (401, 403)


def test_an_unknown_or_forged_link_changes_nothing(client, clerk):
    response = client.get("/admin/reset/MQ/abc-123/", follow=True)
    assert response.status_code == 200 and "new_password1" not in response.content.decode()
    clerk.refresh_from_db()
    assert clerk.check_password("Gongkai-test-2026")


@pytest.mark.two_factor
def test_after_a_reset_a_head_is_still_asked_for_the_second_factor(client, people):
    head = people["head"]
    head.email = "head@jindong.gov.cn"
    head.save(update_fields=["email"])
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    ask(client, head.email)
    use_link(client, link_in(mail.outbox[0]))
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()  # the authenticator stays
    login = client.post("/admin/login/?next=/admin/", {"username": head.username, "password": NEW_PASSWORD})
    assert login.status_code == 302
    blocked = client.get("/admin/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/security/2fa/verify/")
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    assert client.post("/security/2fa/verify/", {"otp": code, "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_the_mail_is_sent_in_the_request_when_the_broker_is_down(client, clerk, monkeypatch):
    monkeypatch.setattr("security.password_reset.send_now", lambda task, *args: False)
    ask(client, clerk.email)
    assert len(mail.outbox) == 1
