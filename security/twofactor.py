"""Who needs a second factor (TOTP) and checking one: administrators (superusers and the `admin`
role) and heads (`head` role), as government rules expect of administrative accounts."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosure.access import access_for
from disclosure.models import StaffRole

SECOND_FACTOR_ROLES = (StaffRole.Role.ADMIN, StaffRole.Role.HEAD)  # and superusers


def enforced() -> bool:
    return bool(getattr(settings, "GONGKAI_REQUIRE_2FA", True))


def requires_second_factor(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # access_for reads the user's roles once per request and the admin and API reuse it: no extra query
    access = access_for(user)
    return access.is_admin or any(StaffRole.Role.HEAD in roles for roles in access.roles.values())


def has_device(user) -> bool:
    return any(True for _d in devices_for_user(user, confirmed=True))


def clean_code(code) -> str:
    return "".join(str(code or "").split())


def verify(user, code, *, confirmed: bool = True):
    """The device that accepts `code` (throttled by django-otp after failures), else None."""
    code = clean_code(code)
    if not code.isdigit() or len(code) not in (6, 8):
        return None
    for device in devices_for_user(user, confirmed=confirmed):
        if device.verify_is_allowed()[0] and device.verify_token(code):
            return device
    return None


def login_verified(request, device) -> None:
    request.session.cycle_key()  # a new session key at each step up in privilege, as at login
    otp_login(request, device)


def pending_device(user) -> TOTPDevice:
    """The unconfirmed TOTP device being set up (one per user, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("身份验证器"), confirmed=False)
    return device


def api_token_error(user, code) -> str | None:
    """Why the API refuses a token to `user` with this `otp` value, or None when it may have one."""
    if not enforced() or not requires_second_factor(user):
        return None
    if not has_device(user):
        return _("该账号须使用双因素认证：请先在网页端登录并设置身份验证器，再申请令牌。")
    if not clean_code(code):
        return _("该账号须使用双因素认证：请在 otp 字段填写身份验证器显示的6位验证码。")
    if verify(user, code) is None:
        return _("验证码不正确或已过期。")
    return None
