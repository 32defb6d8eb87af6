"""How the admin asks access.py: the permission hooks every ModelAdmin of the app shares."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext

from ..access import Access, access_for


def has_any_role(access: Access) -> bool:
    return bool(access.is_admin or access.roles or access.supervised_paths)


class NotFoundWhenInvisible:
    """An object outside the user's units answers 404, like one that does not exist (Django's
    default redirects to the index with a message that names the id)."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(gettext("没有找到该记录。"))


class AdminOnly:
    """Configuration (units, users, the calendar): admins change it, staff with a role may look."""

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        return has_any_role(access_for(request.user))

    def has_add_permission(self, request, *args):
        return access_for(request.user).is_admin

    def has_change_permission(self, request, obj=None):
        return access_for(request.user).is_admin

    def has_delete_permission(self, request, obj=None):
        return access_for(request.user).is_admin


class SeenWithItsUnit:
    """Who sees a record is who sees its unit: anyone with a role opens the list (which holds their
    units' rows only, get_queryset), and a record only when its unit is visible to them."""

    unit_prefix = "request__unit__"  # the row's unit as a lookup; requests override it

    def unit_of(self, obj):
        return obj.request.unit

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter(self.unit_prefix))

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        access = access_for(request.user)
        return has_any_role(access) if obj is None else access.can_see_unit(self.unit_of(obj))


class ReadOnly:
    """Nobody adds, changes or deletes here: the rows are written by services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
