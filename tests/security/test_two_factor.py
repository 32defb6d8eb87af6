"""TOTP is required of administrators and heads (marked two_factor: the requirement stays on)."""

import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from api.models import ApiToken
from security.models import AuditEntry
from tests.factories import UserFactory

pytestmark = [pytest.mark.two_factor, pytest.mark.django_db]

PASSWORD = "Gongkai-test-2026"
SETUP = "/security/2fa/setup/"
VERIFY = "/security/2fa/verify/"


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)


@pytest.mark.parametrize("who", ["head", "admin", "superuser"])
def test_heads_and_admins_are_sent_to_set_up_a_second_factor(client, people, superuser, who):
    user = superuser if who == "superuser" else people[who]
    client.force_login(user)
    response = client.get("/admin/disclosure/disclosurerequest/")
    assert response.status_code == 302
    assert response["Location"] == SETUP + "?next=%2Fadmin%2Fdisclosure%2Fdisclosurerequest%2F"


@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "supervisor"])
def test_other_roles_need_no_second_factor(client, people, who):
    client.force_login(people[who])
    assert client.get("/admin/").status_code == 200


def test_setup_shows_secret_uri_and_qr_and_a_correct_code_enables_it(client, people):
    head = people["head"]
    client.force_login(head)
    page = client.get(SETUP + "?next=/admin/").content.decode()
    device = TOTPDevice.objects.get(user=head, confirmed=False)
    assert "otpauth://totp/" in page and "<svg" in page
    secret = re.search(r"<code>([A-Z2-7]+=*)</code>", page).group(1)
    assert "secret=" + secret.rstrip("=") in device.config_url
    wrong = client.post(SETUP, {"otp": "000000" if code_for(device) != "000000" else "111111", "next": "/admin/"})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next attempt wait (see the throttling test)
    done = client.post(SETUP, {"otp": code_for(device), "next": "/admin/"})
    # the recovery codes are shown once (tests/security/test_recovery_codes.py), then on to `next`
    assert done.status_code == 200 and 'href="/admin/"' in done.content.decode()
    assert TOTPDevice.objects.get(user=head).confirmed
    assert client.get("/admin/").status_code == 200
    assert AuditEntry.objects.filter(action="otp_setup", actor=head).exists()


def test_a_new_login_must_verify_again(client, people):
    head = people["head"]
    device = confirmed_device(head)
    client.force_login(head)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.get(SETUP).status_code == 302  # a confirmed device: no second setup
    key_before = client.session.session_key
    assert client.post(VERIFY, {"otp": code_for(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.session.session_key != key_before  # rotated on verification too
    assert client.get("/admin/").status_code == 200


def test_verify_refuses_foreign_redirects(client, people):
    head = people["head"]
    device = confirmed_device(head)
    client.force_login(head)
    response = client.post(VERIFY, {"otp": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/admin/"


def test_after_a_wrong_code_even_the_right_one_must_wait(client, people):
    head = people["head"]
    device = confirmed_device(head)
    client.force_login(head)
    client.post(VERIFY, {"otp": "000001" if code_for(device) != "000001" else "000002"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    refused = client.post(VERIFY, {"otp": code_for(device)})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    device.throttle_reset()
    assert client.post(VERIFY, {"otp": code_for(device)}).status_code == 302


def test_session_api_calls_of_an_unverified_head_are_refused(people):
    api = APIClient()
    api.force_login(people["head"])
    response = api.get("/api/v1/requests/")
    assert response.status_code == 403 and response.json()["code"] == "second_factor_required"


def test_api_token_for_a_head_needs_a_valid_otp(people):
    head = people["head"]
    api = APIClient()
    no_device = api.post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD}, format="json")
    assert no_device.status_code == 400 and "otp" in str(no_device.json())
    device = confirmed_device(head)
    missing = api.post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD}, format="json")
    assert missing.status_code == 400 and "otp" in str(missing.json())
    wrong = api.post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD, "otp": "000000"
                                             if code_for(device) != "000000" else "111111"}, format="json")
    assert wrong.status_code == 400
    assert not ApiToken.objects.exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = api.post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD, "otp": code_for(device)},
                  format="json")
    assert ok.status_code == 201, ok.content
    token = ok.json()["token"]
    listed = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/requests/")
    assert listed.status_code == 200


def test_a_clerk_gets_a_token_without_otp(people):
    response = APIClient().post("/api/v1/auth/token/", {"username": "clerk", "password": PASSWORD}, format="json")
    assert response.status_code == 201


def test_enforcement_can_be_switched_off(client, people, settings):
    settings.GONGKAI_REQUIRE_2FA = False
    client.force_login(people["head"])
    assert client.get("/admin/").status_code == 200
    assert APIClient().post("/api/v1/auth/token/", {"username": "head", "password": PASSWORD},
                            format="json").status_code == 201


def test_setup_pages_need_a_login(client):
    assert client.get(SETUP).status_code == 302
    assert client.get(reverse("security:otp_verify"))["Location"].startswith("/admin/login/")


def test_reset_2fa_removes_the_device_and_the_next_login_sets_up_again(client, people):
    import io

    from django.core.management import call_command

    head = people["head"]
    confirmed_device(head)
    out = io.StringIO()
    call_command("reset_2fa", "head", stdout=out)
    assert "1" in out.getvalue() and not TOTPDevice.objects.filter(user=head).exists()
    entry = AuditEntry.objects.get(action="otp_reset", via="command")
    assert entry.target_id == str(head.pk) and entry.detail["reset"] is True
    client.force_login(head)
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_reset_2fa_of_an_unknown_user_is_a_usage_error():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="不存在"):
        call_command("reset_2fa", "nobody")
