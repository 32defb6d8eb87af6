"""/security/2fa/setup/ and /security/2fa/verify/: TOTP for administrators and heads."""

from __future__ import annotations

import base64

import segno
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import audit, twofactor
from .models import AuditEntry


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return "/admin/"
    return target


def _qr_svg(uri: str) -> str:
    # segno writes the SVG itself (no image library); the URI holds only the secret and the account name
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


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
            return redirect(_next(request))
        error = _("验证码不正确，请按身份验证器当前显示的6位数字重新输入。")
    context = {
        **admin.site.each_context(request),
        "title": _("设置双因素认证"),
        "secret": base64.b32encode(device.bin_key).decode(),
        "uri": device.config_url,
        # SVG markup written by segno from our own otpauth URI (no user input in it)
        "qr": mark_safe(_qr_svg(device.config_url)),  # nosec B308, B703
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
            audit.record(AuditEntry.Action.OTP_VERIFIED, request=request)
            return redirect(_next(request))
        error = _("验证码不正确或已过期（多次输错后需稍候再试）。")
    return render(request, "security/otp_verify.html",
                  {**admin.site.each_context(request), "title": _("双因素认证"), "error": error, "next": _next(request)})


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(f"security:otp_{name}")
