"""API permissions, decided by disclosure/access.py like the admin's (no rule of their own here)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from disclosure.access import access_for


class AdminWritesOnly(permissions.BasePermission):
    """Everyone signed in may read (the calendar is not unit data); only system admins may write."""

    message = _("只有系统管理员可以修改工作日历。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access_for(request.user).is_admin
