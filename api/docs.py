"""The OpenAPI schema and its two documentation pages, for staff only (issue 14).

The schema describes every staff operation, so it is served like the API itself: to a signed-in
member of staff (the admin session, second factor verified where required — SecondFactorMiddleware
sees to that) or a token holder. Anonymous callers get the API's 401 JSON for the schema, and the
admin login page, with a way back, for the docs pages.

The public API for applicants (spec/portal.md), once it exists, gets its own schema view over only
its own paths (drf-spectacular's `SpectacularAPIView` with `urlconf=` or a `PREPROCESSING_HOOKS`
filter) with `permission_classes = [AllowAny]`: that part may stay public; this one never is.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer


def is_staff(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class StaffOnly(permissions.BasePermission):
    message = _("API 文档仅供工作人员查看，请先登录。")

    def has_permission(self, request, view):
        return is_staff(request.user)


class StaffSchemaView(SpectacularAPIView):
    permission_classes = [StaffOnly]

    def handle_exception(self, exc):
        # A refusal is the API's JSON error, not a document in the schema's media type (YAML or
        # application/vnd.oai.openapi+json, chosen before the permission check ran).
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)


class _StaffPage:
    """A docs page: anonymous visitors and non-staff are sent to the admin login, then back here."""

    permission_classes = [StaffOnly]

    def dispatch(self, request, *args, **kwargs):
        # Django's session user (the page is opened in a browser; tokens are for the schema itself).
        if not is_staff(getattr(request, "user", None)):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        return super().dispatch(request, *args, **kwargs)


class StaffSwaggerView(_StaffPage, SpectacularSwaggerView):
    pass


class StaffRedocView(_StaffPage, SpectacularRedocView):
    pass
