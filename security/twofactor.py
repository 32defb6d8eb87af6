"""Who needs a second factor (TOTP) and checking one: administrators (superusers and the `admin`
role) and heads (`head` role), as government rules expect of administrative accounts. A code is
either the authenticator's 6 digits or one of the user's recovery codes (备用验证码, recovery.py),
each good once."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, recovery, roles
from .models import AuditEntry, RecoveryCodeDevice


def enforced() -> bool:
    return bool(getattr(settings, "GONGKAI_REQUIRE_2FA", True))


def requires_second_factor(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # the roles are read once per request cycle and the admin and API reuse them: no extra query
    standing = roles.standing(user)
    return standing.is_admin or standing.is_head


def has_device(user) -> bool:
    """A confirmed authenticator: recovery codes alone do not count (they come with one, and
    reset_2fa removes both)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def clean_code(code) -> str:
    return "".join(str(code or "").split())


def verify(user, code, *, confirmed: bool = True):
    """The device that accepts `code`, else None: 6 or 8 digits go to the authenticator, a recovery
    code (confirmed devices only, i.e. not while setting up) to the recovery codes, which it uses up.
    django-otp throttles each device after a failure (waits of 1, 2, 4, … seconds, a wrong recovery
    code included); the devices are locked while checked, so parallel guesses wait their turn and
    one code cannot be used twice."""
    digits = clean_code(code)
    if digits.isdigit() and len(digits) in (6, 8):
        devices, token = TOTPDevice.objects.devices_for_user(user, confirmed=confirmed), digits
    elif confirmed and recovery.normalise(code) is not None:
        devices, token = RecoveryCodeDevice.objects.devices_for_user(user, confirmed=True), code
    else:
        return None
    with transaction.atomic():
        for device in devices.select_for_update().order_by("pk"):
            if device.verify_is_allowed()[0] and device.verify_token(token):
                return device
    return None


def is_recovery(device) -> bool:
    return isinstance(device, RecoveryCodeDevice)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def issue_recovery_codes(user) -> list[str]:
    """New recovery codes for `user`, replacing any earlier ones at once; returns them for showing
    this one time (only their digests are kept)."""
    codes = recovery.generate()
    with transaction.atomic():
        device = RecoveryCodeDevice.objects.select_for_update().filter(user=user).order_by("pk").first()
        if device is None:
            device = RecoveryCodeDevice.objects.create(user=user, name=_("备用验证码"), confirmed=True)
        device.token_set.all().delete()
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=recovery.digest(user.pk, code)) for code in codes
        )
        device.throttle_reset(commit=False)
        device.confirmed = True
        device.save()
    return [recovery.display(code) for code in codes]


def login_verified(request, device) -> None:
    request.session.cycle_key()  # a new session key at each step up in privilege, as at login
    otp_login(request, device)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


def replace_authenticator(user, device, code, *, request=None) -> TOTPDevice | None:
    """更换身份验证器: when `code` comes from `device` (the user's pending, unconfirmed authenticator),
    confirm it and delete every other TOTP device of the user in the same transaction, so the old
    phone stops working at once, and audit it; returns the confirmed device, else None with nothing
    changed but django-otp's throttle count. The caller makes sure the session is already verified:
    this is not a way in. Recovery codes are left as they are."""
    with transaction.atomic():
        # lock the user's authenticators first: two tabs confirming at once, or reset_2fa meanwhile,
        # wait their turn and then find the pending device gone or confirmed
        list(TOTPDevice.objects.select_for_update().filter(user=user).order_by("pk").values_list("pk", flat=True))
        found = verify(user, code, confirmed=False)
        if found is None or found.pk != device.pk:
            return None
        found.confirmed = True
        found.save(update_fields=["confirmed"])
        removed, _by_model = TOTPDevice.objects.filter(user=user).exclude(pk=found.pk).delete()
        session_device = getattr(user, "otp_device", None)
        audit.record(AuditEntry.Action.OTP_REPLACED, request=request, user=user, detail={
            "devices_removed": removed,
            "verified_with": "recovery_code" if is_recovery(session_device) else "authenticator",
        })
    return found


def api_token_error(user, code, *, request=None) -> str | None:
    """Why the API refuses a token to `user` with this `otp` value, or None when it may have one.
    A recovery code used here is recorded in the audit log like one used on the web."""
    if not enforced() or not requires_second_factor(user):
        return None
    if not has_device(user):
        return _("该账号须使用双因素认证：请先在网页端登录并设置身份验证器，再申请令牌。")
    if not clean_code(code):
        return _("该账号须使用双因素认证：请在 otp 字段填写身份验证器显示的6位验证码，或一个备用验证码。")
    device = verify(user, code)
    if device is None:
        return _("验证码不正确或已过期。")
    if is_recovery(device):
        record_recovery_used(user, request=request)
    return None


def record_recovery_used(user, *, request=None) -> int:
    """Audit the use of a recovery code; returns how many are left."""
    left = recovery_codes_left(user)
    audit.record(AuditEntry.Action.OTP_RECOVERY_USED, request=request, user=user, detail={"left": left})
    return left
