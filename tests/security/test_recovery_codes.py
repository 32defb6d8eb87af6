"""Recovery codes (备用验证码) stand in for the authenticator of an administrator or head: ten on set-up,
shown once, stored as keyed digests, each good once on the web and the API, throttled when wrong,
replaced on demand and removed by reset_2fa (marked two_factor: the requirement stays on)."""

import io
import re
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import QuerySet
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from api.models import ApiToken
from security import recovery, twofactor
from security.models import AuditEntry, RecoveryCodeDevice

PASSWORD = "Gongkai-test-2026"  # tests/factories.py
SETUP = "/security/2fa/setup/"
VERIFY = "/security/2fa/verify/"
CODES = "/security/2fa/recovery-codes/"
TOKEN = "/api/v1/auth/token/"
SHOWN = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def shown_codes(response) -> list[str]:
    return SHOWN.findall(response.content.decode())


def not_a_code(codes) -> str:
    """A well-formed recovery code that is none of `codes`."""
    taken = {recovery.normalise(c) for c in codes}
    return next(recovery.display(c) for c in recovery.generate(20) if c not in taken)


def unthrottle(user):
    RecoveryCodeDevice.objects.filter(user=user).update(throttling_failure_count=0, throttling_failure_timestamp=None)


@pytest.fixture
def head_with_codes(people):
    """A head with a confirmed authenticator and ten recovery codes, as after set-up."""
    head = people["head"]
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    return head, device, twofactor.issue_recovery_codes(head)


def verified_client(client, user, device):
    client.force_login(user)
    assert client.post(VERIFY, {"otp": code_for(device), "next": "/admin/"}).status_code == 302
    return client


# --- the pure part: no database ------------------------------------------------------------------


def test_codes_are_ten_distinct_strings_from_an_alphabet_without_look_alikes():
    codes = recovery.generate()
    assert len(codes) == 10 == len(set(codes))
    assert all(len(c) == 10 and set(c) <= set(recovery.ALPHABET) for c in codes)
    assert not set("ilo01") & set(recovery.ALPHABET)
    assert recovery.display("abcdefghjk") == "abcde-fghjk"


@pytest.mark.parametrize("typed, expected", [
    ("abcde-fghjk", "abcdefghjk"),
    ("ABCDE-FGHJK", "abcdefghjk"),
    (" abcde fghjk\n", "abcdefghjk"),
    ("abcdefghjk", "abcdefghjk"),
    ("abcde-fghj", None),          # too short
    ("abcde-fghjkm", None),        # too long
    ("abcde-fghjo", None),         # o is not in the alphabet
    ("abcde-fghj1", None),         # nor 1
    ("123456", None),              # an authenticator code
    ("", None),
    (None, None),
])
def test_what_the_user_types_is_normalised_or_refused(typed, expected):
    assert recovery.normalise(typed) == expected


def test_the_digest_depends_on_the_user_and_the_key_and_fits_a_static_token(settings):
    settings.SECRET_KEY = "k" * 50
    settings.SECRET_KEY_FALLBACKS = ["old" * 20]
    stored = recovery.digest(7, "abcdefghjk")
    assert len(stored) == 16 and stored != "abcdefghjk"
    assert stored != recovery.digest(8, "abcdefghjk")
    assert stored != recovery.digest(7, "abcdefghjm")
    assert recovery.digests(7, "abcdefghjk") == [stored, recovery.digest(7, "abcdefghjk", secret="old" * 20)]


# --- set-up: ten codes, shown once, digests only ---------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_setup_shows_ten_codes_once_and_stores_only_their_digests(client, people):
    head = people["head"]
    client.force_login(head)
    client.get(SETUP + "?next=/admin/")
    device = TOTPDevice.objects.get(user=head, confirmed=False)
    page = client.post(SETUP, {"otp": code_for(device), "next": "/admin/"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    codes = shown_codes(page)
    assert len(codes) == 10 == len(set(codes))
    assert "只显示这一次" in page.content.decode() and 'href="/admin/"' in page.content.decode()

    stored = set(StaticToken.objects.filter(device__user=head).values_list("token", flat=True))
    assert len(stored) == 10
    plain = {recovery.normalise(c) for c in codes}
    assert not stored & (plain | set(codes))  # no code in the database, with or without its hyphen
    assert stored == {recovery.digest(head.pk, c) for c in plain}
    session_text = str(dict(client.session.items()))
    assert not any(c in session_text or recovery.normalise(c) in session_text for c in codes)

    actions = list(AuditEntry.objects.filter(actor=head).order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["otp_setup", "otp_recovery_codes"]
    assert AuditEntry.objects.get(action="otp_recovery_codes").detail == {"count": 10}
    assert not any(c in str(e.detail) for e in AuditEntry.objects.all() for c in codes)

    # never again: the set-up page now sends to verification, the codes page shows only the count
    assert client.get(SETUP)["Location"].startswith(VERIFY)
    again = client.post(SETUP, {"otp": code_for(device), "next": "/admin/"})
    assert again.status_code == 302 and shown_codes(again) == []
    later = client.get(CODES)
    assert later.status_code == 200 and shown_codes(later) == []
    assert not any(c in later.content.decode() for c in codes)
    assert "您还有 10 个未使用的备用验证码" in later.content.decode()
    assert StaticToken.objects.filter(device__user=head).count() == 10


# --- the verify page ---------------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_recovery_code_verifies_a_login_once_and_never_twice(client, head_with_codes):
    head, _device, codes = head_with_codes
    client.force_login(head)
    typed = codes[0].upper().replace("-", " ")  # any case, a space instead of the hyphen
    response = client.post(VERIFY, {"otp": typed, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "还剩 9 个" in page.content.decode()
    assert 'href="/security/2fa/recovery-codes/"' in page.content.decode()  # the header's link
    entry = AuditEntry.objects.get(action="otp_recovery_used")
    assert entry.actor == head and entry.via == "web" and entry.detail == {"left": 9}
    assert not AuditEntry.objects.filter(action="otp_verified").exists()
    assert twofactor.recovery_codes_left(head) == 9

    client.logout()
    client.force_login(head)
    unthrottle(head)
    refused = client.post(VERIFY, {"otp": codes[0], "next": "/admin/"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert client.get("/admin/")["Location"].startswith(VERIFY)
    assert AuditEntry.objects.filter(action="otp_recovery_used").count() == 1
    unthrottle(head)
    assert client.post(VERIFY, {"otp": codes[1], "next": "/admin/"}).status_code == 302  # another one still works


@pytest.mark.two_factor
@pytest.mark.django_db
@pytest.mark.parametrize("used, warned", [(1, False), (6, False), (7, True), (10, True)])
def test_the_user_is_told_how_many_codes_are_left_and_offered_new_ones_when_few(client, head_with_codes, used, warned):
    head, _device, codes = head_with_codes
    for code in codes[:used - 1]:
        assert twofactor.is_recovery(twofactor.verify(head, code))
    client.force_login(head)
    assert client.post(VERIFY, {"otp": codes[used - 1], "next": "/admin/"}).status_code == 302
    page = client.get("/admin/").content.decode()
    left = 10 - used
    assert f"{left} 个" in page
    link = '<a href="/security/2fa/recovery-codes/">生成新的备用验证码</a>'
    assert (link in page) is warned
    assert left <= recovery.FEW if warned else left > recovery.FEW


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_code_used_twice_at_once_is_accepted_once(head_with_codes, monkeypatch):
    """Two requests with the same code, the second using it between the first's read of the row and
    its delete: the DELETE decides, not the read, so only one is let in."""
    head, _device, codes = head_with_codes
    other_request = RecoveryCodeDevice.objects.get(user=head)
    real_first = QuerySet.first
    raced = {}

    def first_then_the_other_request(queryset):
        row = real_first(queryset)
        if queryset.model is StaticToken and not raced:
            raced["running"] = True
            raced["other_let_in"] = other_request.verify_token(codes[0])
        return row

    monkeypatch.setattr(QuerySet, "first", first_then_the_other_request)
    assert RecoveryCodeDevice.objects.get(user=head).verify_token(codes[0]) is False
    assert raced["other_let_in"] is True
    assert twofactor.recovery_codes_left(head) == 9


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_recovery_code_does_not_confirm_an_authenticator_being_set_up(client, people):
    head = people["head"]
    codes = twofactor.issue_recovery_codes(head)  # left over, e.g. the authenticator was deleted by hand
    client.force_login(head)
    assert client.get("/admin/")["Location"].startswith(SETUP)
    refused = client.post(SETUP, {"otp": codes[0], "next": "/admin/"})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=head, confirmed=True).exists()
    assert twofactor.recovery_codes_left(head) == 10


# --- throttling -------------------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_wrong_recovery_code_is_throttled_and_even_a_right_one_must_then_wait(client, head_with_codes):
    head, totp_device, codes = head_with_codes
    client.force_login(head)
    wrong = client.post(VERIFY, {"otp": not_a_code(codes)})
    assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
    device = RecoveryCodeDevice.objects.get(user=head)
    assert device.throttling_failure_count == 1
    totp_device.refresh_from_db()
    assert totp_device.throttling_failure_count == 0  # the authenticator was not tried with it

    refused = client.post(VERIFY, {"otp": codes[0]})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert twofactor.recovery_codes_left(head) == 10  # a refused right code is not used up

    # each failure doubles the wait: after the second, 1.5 seconds are not enough
    RecoveryCodeDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=1.5))
    assert client.post(VERIFY, {"otp": not_a_code(codes)}).status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 2
    RecoveryCodeDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=1.5))
    assert client.post(VERIFY, {"otp": codes[0]}).status_code == 200
    RecoveryCodeDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now() - timedelta(seconds=2.5))
    assert client.post(VERIFY, {"otp": codes[0], "next": "/admin/"}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # a success resets the count


@pytest.mark.two_factor
@pytest.mark.django_db
def test_guessing_recovery_codes_gets_nowhere(head_with_codes):
    """Fifty quick guesses, the right code among them after the first: one failure is counted and
    everything after it is refused while the wait runs, the right code included."""
    head, _device, codes = head_with_codes
    guesses = [not_a_code(codes)] + [codes[0]] + [not_a_code(codes) for _ in range(48)]
    accepted = [g for g in guesses if twofactor.verify(head, g) is not None]
    assert accepted == []
    assert RecoveryCodeDevice.objects.get(user=head).throttling_failure_count == 1
    assert twofactor.recovery_codes_left(head) == 10


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_wrong_recovery_code_on_the_api_counts_against_the_throttle_too(head_with_codes):
    head, _device, codes = head_with_codes
    api = APIClient()
    wrong = api.post(TOKEN, {"username": "head", "password": PASSWORD, "otp": not_a_code(codes)}, format="json")
    assert wrong.status_code == 400 and "otp" in wrong.json()["error"]["fields"]
    assert RecoveryCodeDevice.objects.get(user=head).throttling_failure_count == 1
    refused = api.post(TOKEN, {"username": "head", "password": PASSWORD, "otp": codes[0]}, format="json")
    assert refused.status_code == 400
    assert not ApiToken.objects.exists() and twofactor.recovery_codes_left(head) == 10


# --- the API token endpoint ---------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_an_api_token_can_be_had_with_a_recovery_code_once(head_with_codes):
    head, _device, codes = head_with_codes
    api = APIClient()
    ok = api.post(TOKEN, {"username": "head", "password": PASSWORD, "otp": codes[3]}, format="json")
    assert ok.status_code == 201, ok.content
    assert APIClient(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}").get("/api/v1/requests/").status_code == 200
    entry = AuditEntry.objects.get(action="otp_recovery_used")
    assert entry.actor == head and entry.via == "api" and entry.detail == {"left": 9}
    unthrottle(head)
    again = api.post(TOKEN, {"username": "head", "password": PASSWORD, "otp": codes[3]}, format="json")
    assert again.status_code == 400 and "验证码不正确" in str(again.json())
    assert ApiToken.objects.count() == 1


# --- regenerating --------------------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_new_codes_replace_the_old_at_once(client, head_with_codes):
    head, device, old = head_with_codes
    verified_client(client, head, device)
    page = client.get(CODES)
    assert page.status_code == 200 and "您还有 10 个" in page.content.decode() and shown_codes(page) == []
    renewed = client.post(CODES, {"next": "/admin/"})
    assert renewed.status_code == 200 and "no-store" in renewed["Cache-Control"]
    new = shown_codes(renewed)
    assert len(new) == 10 and not set(new) & set(old)
    assert twofactor.recovery_codes_left(head) == 10
    assert RecoveryCodeDevice.objects.filter(user=head).count() == 1
    for code in old:
        unthrottle(head)
        assert twofactor.verify(head, code) is None
    unthrottle(head)
    assert twofactor.is_recovery(twofactor.verify(head, new[0]))
    assert AuditEntry.objects.filter(action="otp_recovery_codes", actor=head, via="web").count() == 1
    assert client.get("/admin/").status_code == 200  # the session stays verified


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_session_verified_with_a_recovery_code_may_renew_them_and_stays_verified(client, head_with_codes):
    head, _device, codes = head_with_codes
    client.force_login(head)
    assert client.post(VERIFY, {"otp": codes[0], "next": CODES}).status_code == 302
    assert len(shown_codes(client.post(CODES))) == 10
    assert client.get("/admin/").status_code == 200


@pytest.mark.two_factor
@pytest.mark.django_db
def test_renewing_codes_needs_a_verified_session(client, head_with_codes):
    head, _device, codes = head_with_codes
    client.force_login(head)
    for response in (client.get(CODES), client.post(CODES)):
        assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    unthrottle(head)
    assert twofactor.is_recovery(twofactor.verify(head, codes[0]))  # the old codes were left alone
    assert not AuditEntry.objects.filter(action="otp_recovery_codes").exists()
    client.logout()
    assert client.get(CODES)["Location"].startswith("/admin/login/")


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_head_who_set_up_before_recovery_codes_existed_can_get_them(client, people):
    head = people["head"]
    device = TOTPDevice.objects.create(user=head, name="phone", confirmed=True)
    verified_client(client, head, device)
    assert 'id="recovery-codes-link"' in client.get("/admin/").content.decode()
    page = client.get(CODES).content.decode()
    assert "没有可用的备用验证码" in page
    assert len(shown_codes(client.post(CODES))) == 10


@pytest.mark.two_factor
@pytest.mark.django_db
def test_codes_survive_a_secret_key_rotation_with_the_old_key_as_fallback(settings, head_with_codes):
    head, _device, codes = head_with_codes
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    assert twofactor.verify(head, codes[0]) is None
    unthrottle(head)
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert twofactor.is_recovery(twofactor.verify(head, codes[0]))


# --- reset_2fa ------------------------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
def test_reset_2fa_removes_the_recovery_codes_too(client, head_with_codes):
    head, _device, codes = head_with_codes
    client.force_login(head)
    assert client.post(VERIFY, {"otp": codes[0], "next": "/admin/"}).status_code == 302
    assert client.get("/admin/").status_code == 200
    out = io.StringIO()
    call_command("reset_2fa", "head", stdout=out)
    assert "9 个未使用的备用验证码" in out.getvalue()
    assert not StaticDevice.objects.filter(user=head).exists() and not StaticToken.objects.exists()
    entry = AuditEntry.objects.get(action="otp_reset")
    assert entry.detail["recovery_codes_removed"] == 9 and entry.detail["devices_removed"] == 1
    # the session verified with a recovery code is verified no more, and no code works
    assert client.get("/admin/")["Location"].startswith(SETUP)
    assert twofactor.verify(head, codes[1]) is None


# --- nobody else sees any of this ------------------------------------------------------------------------


@pytest.mark.two_factor
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "supervisor"])
def test_people_without_the_head_or_admin_role_never_see_recovery_codes(client, people, who):
    user = people[who]
    client.force_login(user)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "recovery-codes-link" not in page.content.decode() and "备用验证码" not in page.content.decode()
    assert client.get(CODES).status_code == 404
    assert client.post(CODES).status_code == 404
    assert not StaticDevice.objects.exists()


@pytest.mark.two_factor
@pytest.mark.django_db
def test_a_clerk_who_sets_up_an_authenticator_anyway_gets_no_recovery_codes(client, people):
    clerk = people["clerk"]
    client.force_login(clerk)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    response = client.post(SETUP, {"otp": code_for(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert not StaticDevice.objects.exists()
    assert "recovery-codes-link" not in client.get("/admin/").content.decode()


@pytest.mark.two_factor
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["admin", "head"])
def test_the_header_link_is_for_verified_administrators_and_heads(client, people, who):
    user = people[who]
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    verified_client(client, user, device)
    page = client.get("/admin/").content.decode()
    assert '<a href="/security/2fa/recovery-codes/" id="recovery-codes-link">备用验证码</a>' in page


@pytest.mark.postgres
@pytest.mark.two_factor
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_code_sent_twice_at_once_gives_one_token_on_postgresql(head_with_codes):
    """Two API clients with the same recovery code at the same moment, on real PostgreSQL connections:
    the device row is locked while the code is checked, so one gets a token and the other a 400."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")
    _head, _device, codes = head_with_codes
    barrier = threading.Barrier(2)
    statuses = [None, None]

    def run(i):
        try:
            barrier.wait(10)
            statuses[i] = APIClient().post(TOKEN, {"username": "head", "password": PASSWORD, "otp": codes[0]},
                                           format="json").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive()
    assert sorted(statuses) == [201, 400]
    assert ApiToken.objects.count() == 1 and AuditEntry.objects.filter(action="otp_recovery_used").count() == 1
