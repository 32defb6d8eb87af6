"""更换身份验证器: a session already verified (by the old phone or a recovery code) enrols a new phone;
only a code from the new phone confirms it, the old one stops working at once, the recovery codes
stay, and a password alone can never get there (marked two_factor: the requirement stays on)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from security import twofactor
from security.models import AuditEntry

pytestmark = [pytest.mark.two_factor, pytest.mark.django_db]

SETUP = "/security/2fa/setup/"
VERIFY = "/security/2fa/verify/"
CODES = "/security/2fa/recovery-codes/"
REPLACE = "/security/2fa/replace/"
SECRET = re.compile(r"<code>([A-Z2-7]+=*)</code>")


def code_for(device, drift=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def not_a_code_of(device, *preferred) -> str:
    """A 6-digit code the device does not accept now (its window is the current step and one either side)."""
    window = {code_for(device, drift) for drift in (-1, 0, 1)}
    return next(c for c in (*preferred, "000000", "111111", "222222", "333333") if c not in window)


def unthrottle(device):
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)


def shown_device(page, user) -> TOTPDevice:
    """The pending device whose secret the page shows (and the only unconfirmed one)."""
    (device,) = TOTPDevice.objects.filter(user=user, confirmed=False)
    secret = SECRET.search(page.content.decode()).group(1)
    assert "secret=" + secret.rstrip("=") in device.config_url
    return device


@pytest.fixture
def head_with_phone(people):
    """A head with a confirmed authenticator (the old phone) and ten recovery codes."""
    head = people["head"]
    old = TOTPDevice.objects.create(user=head, name="old phone", confirmed=True)
    return head, old, twofactor.issue_recovery_codes(head)


@pytest.fixture
def verified(client, head_with_phone):
    head, old, codes = head_with_phone
    client.force_login(head)
    assert client.post(VERIFY, {"otp": code_for(old), "next": "/admin/"})["Location"] == "/admin/"
    return head, old, codes


def test_the_new_phone_replaces_the_old_one_at_once(client, verified):
    head, old, _codes = verified
    page = client.get(REPLACE + "?next=/admin/disclosure/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    text = page.content.decode()
    assert "更换身份验证器" in text and "<svg" in text and "otpauth://totp/" in text
    new = shown_device(page, head)
    key_before = client.session.session_key

    done = client.post(REPLACE, {"otp": code_for(new), "next": "/admin/disclosure/"})
    assert done.status_code == 302 and done["Location"] == "/admin/disclosure/"
    assert list(TOTPDevice.objects.filter(user=head).values_list("pk", "confirmed")) == [(new.pk, True)]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    # the session is verified again, with the new device, under a new key
    assert client.session.session_key != key_before
    assert client.session["otp_device_id"] == new.persistent_id
    landing = client.get("/admin/")
    assert landing.status_code == 200 and "已更换身份验证器" in landing.content.decode()

    # a fresh login: the old phone's code is refused, the new phone's accepted
    client.logout()
    client.force_login(head)
    assert twofactor.verify(head, code_for(old)) is None
    refused = client.post(VERIFY, {"otp": not_a_code_of(new, code_for(old)), "next": "/admin/"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    unthrottle(new)
    new.refresh_from_db()
    new.last_t = -1  # the confirming code was spent; any later one will do
    new.save(update_fields=["last_t"])
    assert client.post(VERIFY, {"otp": code_for(new), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_other_sessions_verified_with_the_old_phone_are_verified_no_more(client, verified):
    head, old, _codes = verified
    other = Client()
    other.force_login(head)
    old.refresh_from_db()
    old.last_t = -1
    old.save(update_fields=["last_t"])
    assert other.post(VERIFY, {"otp": code_for(old), "next": "/admin/"}).status_code == 302
    assert other.get("/admin/").status_code == 200

    new = shown_device(client.get(REPLACE), head)
    assert client.post(REPLACE, {"otp": code_for(new)}).status_code == 302
    assert other.get("/admin/")["Location"].startswith(VERIFY)


def test_an_audit_entry_records_the_replacement(client, verified):
    head, _old, _codes = verified
    new = shown_device(client.get(REPLACE), head)
    client.post(REPLACE, {"otp": code_for(new)})
    entry = AuditEntry.objects.get(action="otp_replaced")
    assert entry.actor == head and entry.via == "web" and entry.ip_address == "127.0.0.1"
    assert entry.detail == {"devices_removed": 1, "verified_with": "authenticator"}
    assert entry.get_action_display() == "更换身份验证器"


def test_a_session_verified_with_a_recovery_code_can_enrol_the_new_phone(client, head_with_phone):
    """The lost phone: a recovery code gets the head in, and the head enrols the new phone alone."""
    head, old, codes = head_with_phone
    client.force_login(head)
    assert client.post(VERIFY, {"otp": codes[0], "next": CODES}).status_code == 302
    page = client.get(CODES)
    assert f'<a href="{REPLACE}" id="otp-replace-link">更换身份验证器</a>' in page.content.decode()
    new = shown_device(client.get(REPLACE), head)
    assert client.post(REPLACE, {"otp": code_for(new), "next": "/admin/"})["Location"] == "/admin/"
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert client.get("/admin/").status_code == 200
    entry = AuditEntry.objects.get(action="otp_replaced")
    assert entry.detail == {"devices_removed": 1, "verified_with": "recovery_code"}


def test_recovery_codes_are_kept(client, verified):
    head, _old, codes = verified
    stored = set(StaticToken.objects.filter(device__user=head).values_list("token", flat=True))
    page = client.get(REPLACE)
    assert "不影响备用验证码" in page.content.decode()
    new = shown_device(page, head)
    client.post(REPLACE, {"otp": code_for(new)})
    assert TOTPDevice.objects.get(user=head).confirmed
    assert set(StaticToken.objects.filter(device__user=head).values_list("token", flat=True)) == stored
    assert twofactor.is_recovery(twofactor.verify(head, codes[5]))
    assert twofactor.recovery_codes_left(head) == 9


def test_a_wrong_code_says_so_on_the_field_and_changes_nothing(client, verified):
    head, old, _codes = verified
    new = shown_device(client.get(REPLACE), head)
    # the classic slip: the old phone's code typed on the new phone's page
    wrong = client.post(REPLACE, {"otp": not_a_code_of(new, code_for(old)), "next": "/admin/"})
    assert wrong.status_code == 200
    page = wrong.content.decode()
    assert '<ul class="errorlist" id="id_otp_error"><li>验证码不正确或已过期' in page
    assert 'aria-invalid="true" aria-describedby="id_otp_error"' in page
    assert shown_device(wrong, head) == new  # the same secret again, to try once more
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    assert not AuditEntry.objects.filter(action="otp_replaced").exists()
    assert client.session["otp_device_id"] == old.persistent_id
    assert client.get("/admin/").status_code == 200  # still verified


@pytest.mark.parametrize("typed", ["", "abc", "12345", "abcde-fghjk", "１２３", "9" * 40])
def test_codes_that_cannot_be_right_are_refused_without_a_server_error(client, verified, typed):
    head, old, codes = verified
    shown_device(client.get(REPLACE), head)
    response = client.post(REPLACE, {"otp": typed})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]


def test_a_recovery_code_does_not_confirm_the_new_phone(client, verified):
    head, old, codes = verified
    shown_device(client.get(REPLACE), head)
    response = client.post(REPLACE, {"otp": codes[0]})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    assert twofactor.recovery_codes_left(head) == 10  # and it was not used up


def test_after_a_wrong_code_even_the_right_one_must_wait(client, verified):
    head, old, _codes = verified
    new = shown_device(client.get(REPLACE), head)
    client.post(REPLACE, {"otp": not_a_code_of(new)})
    new.refresh_from_db()
    assert new.throttling_failure_count == 1
    refused = client.post(REPLACE, {"otp": code_for(new)})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    new.refresh_from_db()
    assert not new.confirmed
    TOTPDevice.objects.filter(pk=new.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=1.5))
    assert client.post(REPLACE, {"otp": code_for(new)}).status_code == 302
    new.refresh_from_db()
    assert new.confirmed and new.throttling_failure_count == 0


def test_abandoning_the_page_keeps_the_old_phone_and_reuses_the_pending_device(client, verified):
    head, old, _codes = verified
    first = shown_device(client.get(REPLACE), head)
    second = shown_device(client.get(REPLACE), head)
    assert first == second and first.bin_key == second.bin_key
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    assert not AuditEntry.objects.filter(action="otp_replaced").exists()

    # the next login still uses the old phone, the pending one gets nobody in
    client.logout()
    client.force_login(head)
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert client.get(SETUP)["Location"].startswith(VERIFY)  # no second set-up either
    refused = client.post(VERIFY, {"otp": not_a_code_of(old, code_for(first)), "next": "/admin/"})
    assert refused.status_code == 200
    unthrottle(old)
    old.refresh_from_db()
    old.last_t = -1
    old.save(update_fields=["last_t"])
    assert client.post(VERIFY, {"otp": code_for(old), "next": "/admin/"})["Location"] == "/admin/"
    # and coming back later shows the same new secret
    assert shown_device(client.get(REPLACE), head) == first


def test_a_password_alone_cannot_replace_the_authenticator(client, head_with_phone):
    """Logged in but not verified: the page and a direct POST with a valid code from the pending
    device are both sent to verification, and nothing changes."""
    head, old, _codes = head_with_phone
    pending = twofactor.pending_device(head)  # e.g. left from an earlier, abandoned visit
    client.force_login(head)
    for response in (client.get(REPLACE), client.post(REPLACE, {"otp": code_for(pending), "next": "/admin/"})):
        assert response.status_code == 302
        assert response["Location"] == VERIFY + "?next=" + REPLACE
        assert pending.config_url not in response.content.decode()
    pending.refresh_from_db()
    assert not pending.confirmed and pending.throttling_failure_count == 0 and pending.last_t == -1
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    assert not AuditEntry.objects.filter(action="otp_replaced").exists()
    assert "otp_device_id" not in client.session
    assert client.get("/admin/")["Location"].startswith(VERIFY)


def test_a_head_without_an_authenticator_is_sent_to_set_up_not_replace(client, people):
    head = people["head"]
    pending = twofactor.pending_device(head)
    client.force_login(head)
    response = client.post(REPLACE, {"otp": code_for(pending)})
    assert response.status_code == 302 and response["Location"] == SETUP + "?next=" + REPLACE
    pending.refresh_from_db()
    assert not pending.confirmed and not AuditEntry.objects.filter(action="otp_replaced").exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for response in (client.get(REPLACE), client.post(REPLACE, {"otp": "123456"})):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "supervisor"])
def test_people_without_the_head_or_admin_role_get_404(client, people, who):
    user = people[who]
    client.force_login(user)
    assert client.get(REPLACE).status_code == 404
    assert client.post(REPLACE, {"otp": "123456"}).status_code == 404
    assert not TOTPDevice.objects.exists()


def test_a_clerk_with_an_authenticator_anyway_still_gets_404(client, people):
    clerk = people["clerk"]
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client.force_login(clerk)
    assert client.post(VERIFY, {"otp": code_for(device), "next": "/admin/"}).status_code == 302
    assert client.get(REPLACE).status_code == 404
    assert list(TOTPDevice.objects.filter(user=clerk)) == [device]


def test_an_administrator_can_replace_too(client, people):
    admin = people["admin"]
    old = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.force_login(admin)
    client.post(VERIFY, {"otp": code_for(old)})
    new = shown_device(client.get(REPLACE), admin)
    assert client.post(REPLACE, {"otp": code_for(new)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=admin)) == [new]


def test_a_code_from_another_pending_device_does_not_confirm_the_one_shown(client, verified):
    """Only the device on the page can be confirmed here (say one was added for the user by hand)."""
    head, old, _codes = verified
    shown = shown_device(client.get(REPLACE), head)
    stray = TOTPDevice.objects.create(user=head, name="stray", confirmed=False)
    while code_for(stray) in {code_for(shown, drift) for drift in (-1, 0, 1)}:  # one chance in 300,000
        stray.key = random_hex(20)
        stray.save(update_fields=["key"])
    response = client.post(REPLACE, {"otp": code_for(stray)})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert list(TOTPDevice.objects.filter(user=head, confirmed=True)) == [old]
    assert TOTPDevice.objects.filter(user=head, confirmed=False).count() == 2


def test_the_verify_and_set_up_pages_say_where_to_replace_the_authenticator(client, people, head_with_phone):
    head, _old, _codes = head_with_phone
    client.force_login(head)
    assert "更换身份验证器" in client.get(VERIFY).content.decode()
    client.force_login(people["admin"])  # no authenticator yet
    assert "更换身份验证器" in client.get(SETUP).content.decode()
