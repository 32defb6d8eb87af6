"""AuditMiddleware writes the reveals collected while serving a request; SecondFactorMiddleware
keeps administrators and heads without a verified second factor out of everything but the
2FA pages (the API answers 403 for session calls; tokens need the `otp` field)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import audit, twofactor


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        audit.flush(request)
        return response


class SecondFactorMiddleware:
    """Place after django_otp.middleware.OTPMiddleware."""

    ALWAYS_OPEN = ("/security/", "/i18n/", "/admin/logout/", "/admin/login/", "/admin/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        blocked = self._blocked(request)
        return blocked if blocked is not None else self.get_response(request)

    def _blocked(self, request):
        if not twofactor.enforced():
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not twofactor.requires_second_factor(user):
            return None
        if user.is_verified():
            return None
        path = request.path
        static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/" + settings.STATIC_URL
        if path.startswith(self.ALWAYS_OPEN) or path.startswith(static):
            return None
        if path.startswith("/api/"):
            if request.headers.get("authorization"):
                return None  # token calls: a token is only issued with a second factor
            return JsonResponse(
                {"detail": _("该账号须先完成双因素认证（网页端登录后按提示输入身份验证器验证码）。"),
                 "code": "second_factor_required"},
                status=403,
            )
        name = "security:otp_verify" if twofactor.has_device(user) else "security:otp_setup"
        return redirect(reverse(name) + "?" + urlencode({"next": request.get_full_path()}))
