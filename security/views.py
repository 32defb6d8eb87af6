"""/security/2fa/setup/, /security/2fa/verify/, /security/2fa/recovery-codes/ and /security/2fa/replace/:
TOTP, recovery codes (备用验证码) and replacing the authenticator (更换身份验证器) for administrators and heads."""

from __future__ import annotations

import base64

import segno
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import audit, recovery, twofactor
from .models import AuditEntry


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/admin/"
    return target


def _qr_svg(uri: str) -> str:
    # segno writes the SVG itself (no image library); the URI holds only the secret and the account name
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def _new_device_context(device) -> dict:
    """What an authenticator app needs to enrol `device`: the QR code, the secret, the otpauth URI."""
    return {
        "secret": base64.b32encode(device.bin_key).decode(),
        "uri": device.config_url,
        # SVG markup written by segno from our own otpauth URI (no user input in it)
        "qr": mark_safe(_qr_svg(device.config_url)),  # nosec B308, B703
    }


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    user = request.user
    if twofactor.has_device(user):
        return redirect(f"{_url('verify')}?next={_next(request)}")
    device = twofactor.pending_device(user)
    error = ""
    if request.method == "POST":
        if twofactor.verify(user, request.POST.get("otp"), confirmed=False) == device:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            twofactor.login_verified(request, device)
            audit.record(AuditEntry.Action.OTP_SETUP, request=request)
            if twofactor.requires_second_factor(user):
                return _show_new_codes(request)  # the codes, this once, before going on to `next`
            return redirect(_next(request))
        error = _("验证码不正确，请按身份验证器当前显示的6位数字重新输入。")
    context = {
        **admin.site.each_context(request),
        "title": _("设置双因素认证"),
        **_new_device_context(device),
        "error": error,
        "next": _next(request),
    }
    return render(request, "security/otp_setup.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    user = request.user
    if not twofactor.has_device(user):
        return redirect(f"{_url('setup')}?next={_next(request)}")
    error = ""
    if request.method == "POST":
        device = twofactor.verify(user, request.POST.get("otp"))
        if device is not None:
            twofactor.login_verified(request, device)
            if twofactor.is_recovery(device):
                _tell_codes_left(request, twofactor.record_recovery_used(user, request=request))
            else:
                audit.record(AuditEntry.Action.OTP_VERIFIED, request=request)
            return redirect(_next(request))
        error = _("验证码不正确或已过期（多次输错后需稍候再试）。")
    return render(
        request,
        "security/otp_verify.html",
        {**admin.site.each_context(request), "title": _("双因素认证"), "error": error, "next": _next(request)},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request):
    """How many recovery codes are left, and new ones (the old stop working at once), for a
    verified session of a user who needs a second factor; nobody else sees this page."""
    user = request.user
    if not twofactor.requires_second_factor(user):
        raise Http404
    if not twofactor.has_device(user):
        return redirect(f"{_url('setup')}?next={reverse('security:recovery_codes')}")
    if not user.is_verified():
        return redirect(f"{_url('verify')}?next={reverse('security:recovery_codes')}")
    if request.method == "POST":
        return _show_new_codes(request)
    return render(request, "security/recovery_codes.html", {
        **admin.site.each_context(request),
        "title": _("备用验证码"),
        "left": twofactor.recovery_codes_left(user),
        "few": recovery.FEW,
        "next": _next(request),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_replace(request):
    """更换身份验证器: a verified session of an administrator or head enrols a new phone itself (after a
    login with the old phone or a recovery code). The pending device of set-up is shown; only a code
    from it confirms it, and then the other authenticators are deleted. Leaving the page changes
    nothing. Same access as the recovery codes page: a password alone never gets here."""
    user = request.user
    if not twofactor.requires_second_factor(user):
        raise Http404
    here = reverse("security:otp_replace")
    if not twofactor.has_device(user):
        return redirect(f"{_url('setup')}?next={here}")
    if not user.is_verified():
        return redirect(f"{_url('verify')}?next={here}")
    device = twofactor.pending_device(user)
    error = ""
    if request.method == "POST":
        confirmed = twofactor.replace_authenticator(user, device, request.POST.get("otp"), request=request)
        if confirmed is not None:
            twofactor.login_verified(request, confirmed)
            messages.success(
                request,
                _("已更换身份验证器：今后请使用新手机上的验证码，旧手机上的验证码已失效。备用验证码不变，仍可使用。"),
            )
            return redirect(_next(request))
        error = _("验证码不正确或已过期：请填写新手机上身份验证器当前显示的6位数字（多次输错后需稍候再试）。")
    return render(request, "security/otp_replace.html", {
        **admin.site.each_context(request),
        "title": _("更换身份验证器"),
        **_new_device_context(device),
        "error": error,
        "next": _next(request),
    })


def _show_new_codes(request):
    """Issue new recovery codes and show them in this response only: they are in no session, no log
    and no later page (the response is not cached)."""
    codes = twofactor.issue_recovery_codes(request.user)
    audit.record(AuditEntry.Action.OTP_RECOVERY_CODES, request=request, detail={"count": len(codes)})
    return render(request, "security/recovery_codes.html", {
        **admin.site.each_context(request),
        "title": _("备用验证码"),
        "codes": codes,
        "next": _next(request),
    })


def _tell_codes_left(request, left: int) -> None:
    if left > recovery.FEW:
        messages.info(request, _("您已用一个备用验证码完成验证，还剩 %(n)d 个。") % {"n": left})
        return
    messages.warning(request, format_html(
        '{} <a href="{}">{}</a>',
        _("您已用一个备用验证码完成验证，只剩 %(n)d 个。请尽快生成新的备用验证码（旧的随即作废）。") % {"n": left},
        reverse("security:recovery_codes"), _("生成新的备用验证码"),
    ))


def _url(name: str) -> str:
    return reverse(f"security:otp_{name}")
