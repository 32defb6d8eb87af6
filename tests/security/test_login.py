"""Lockout per user and address, the client address behind proxies, sessions, passwords, CSRF."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from security.clientip import client_ip
from security.models import AuditEntry
from tests.api.builders import RECEIVED

PASSWORD = "Gongkai-test-2026"  # tests/factories.py
LOGIN = "/admin/login/"


def login(client, username, password, ip, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_five_failures_lock_that_user_at_that_address_only(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 5
    for _ in range(4):
        assert login(client, "clerk", "wrong-password", "10.0.0.1").status_code == 200
    assert login(client, "clerk", "wrong-password", "10.0.0.1").status_code == 429  # the fifth locks
    locked = login(client, "clerk", PASSWORD, "10.0.0.1")
    assert locked.status_code == 429 and not logged_in(client)
    assert "锁定" in locked.content.decode()
    assert login(client, "clerk", PASSWORD, "10.0.0.2").status_code == 302  # same user, other address
    assert logged_in(client)
    client.logout()
    assert login(client, "reviewer", PASSWORD, "10.0.0.1").status_code == 302  # other user, same address
    assert AuditEntry.objects.filter(action="login_failed", actor_name="clerk").count() >= 5


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        login(client, "clerk", "wrong-password", "10.0.0.1")
    assert login(client, "clerk", PASSWORD, "10.0.0.1").status_code == 302
    client.logout()
    for _ in range(2):
        login(client, "clerk", "wrong-password", "10.0.0.1")
    assert login(client, "clerk", PASSWORD, "10.0.0.1").status_code == 302


@pytest.mark.django_db
def test_behind_a_proxy_a_forged_forwarded_for_does_not_escape_the_lockout(client, people, settings):
    settings.GONGKAI_TRUSTED_PROXIES = 1
    settings.AXES_FAILURE_LIMIT = 3
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):  # the proxy appends the real address 203.0.113.9
        login(client, "clerk", "wrong-password", "127.0.0.1", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.9")
    response = login(client, "clerk", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9")
    assert response.status_code == 429
    # another client behind the same proxy is not locked out
    assert login(client, "clerk", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 302


@pytest.mark.parametrize(
    "proxies, forwarded, remote, expected",
    [
        (0, "6.6.6.6", "10.0.0.1", "10.0.0.1"),  # no proxy: the header is the client's own words
        (1, "", "10.0.0.1", "10.0.0.1"),
        (1, "203.0.113.9", "127.0.0.1", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "127.0.0.1", "203.0.113.9"),  # forged left part ignored
        (2, "203.0.113.9, 10.0.0.7", "127.0.0.1", "203.0.113.9"),  # load balancer + nginx
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.7", "127.0.0.1", "203.0.113.9"),
        (1, "not-an-ip", "127.0.0.1", "127.0.0.1"),
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(settings, proxies, forwarded, remote, expected):
    settings.GONGKAI_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=remote)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_api_token_endpoint_is_locked_out_too(people, settings):
    settings.AXES_FAILURE_LIMIT = 3
    api = APIClient()
    for _ in range(3):
        api.post("/api/v1/auth/token/", {"username": "clerk", "password": "nope"}, format="json", REMOTE_ADDR="10.0.0.5")
    response = api.post("/api/v1/auth/token/", {"username": "clerk", "password": PASSWORD}, format="json",
                        REMOTE_ADDR="10.0.0.5")
    assert response.status_code in (400, 403, 429)
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_login_rotates_the_session_key(client, people):
    client.get(LOGIN)
    session = client.session
    session["before_login"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    old_key = session.session_key
    assert login(client, "clerk", PASSWORD, "10.0.0.1").status_code == 302
    assert client.session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()


@pytest.mark.django_db
def test_sessions_expire_when_idle_and_each_request_renews_them(client, people, settings):
    client.force_login(people["clerk"])
    key = client.session.session_key
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE == 30 * 60
    soon = timezone.now() + timedelta(minutes=5)
    Session.objects.filter(session_key=key).update(expire_date=soon)
    assert client.get("/admin/").status_code == 200
    assert Session.objects.get(session_key=key).expire_date > soon + timedelta(minutes=20)  # renewed
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Gk-2026-ab", True),  # 10 characters
        ("Gk-2026-a", False),  # 9
        ("1234567890123", False),  # numeric
        ("password1234", False),  # common
    ],
)
def test_passwords_need_ten_characters_and_pass_the_usual_validators(password, ok):
    if ok:
        validate_password(password)
    else:
        with pytest.raises(ValidationError):
            validate_password(password)


REQUEST = {
    "unit": None, "applicant_type": "natural_person", "applicant_name": "张三", "channel": "in_person",
    "submitted_on": RECEIVED.isoformat(), "content": "申请公开某项目的批复文件",
}


@pytest.mark.django_db
def test_session_authenticated_api_writes_need_the_csrf_token(people, tree):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(people["clerk"])
    body = {**REQUEST, "unit": tree["dept"].pk}
    refused = api.post("/api/v1/requests/", body, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.content.decode()
    api.get("/admin/")  # a page with a form sets the csrftoken cookie
    token = api.cookies["csrftoken"].value
    accepted = api.post("/api/v1/requests/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


@pytest.mark.django_db
def test_token_authenticated_api_writes_need_no_csrf_token(people, tree):
    _, raw = ApiToken.issue(people["clerk"])
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.post("/api/v1/requests/", {**REQUEST, "unit": tree["dept"].pk}, format="json").status_code == 201


@pytest.mark.django_db
def test_admin_forms_need_the_csrf_token(people):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post(LOGIN, {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 403
