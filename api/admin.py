"""API tokens in the admin: system admins see who holds one and can revoke it; nobody creates or
edits one here (tokens come from POST /api/v1/auth/token/, and only their hash is stored)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from disclosure.access import access_for

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_select_related = ("user",)
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("user__username", "user__full_name", "prefix", "name")
    fields = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_module_permission(self, request):
        return access_for(request.user).is_admin

    def has_view_permission(self, request, obj=None):
        return access_for(request.user).is_admin

    def has_change_permission(self, request, obj=None):
        return access_for(request.user).is_admin  # only for the revoke action; every field is read-only

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, gettext("已吊销 %(count)d 个令牌。") % {"count": count}, messages.SUCCESS)
