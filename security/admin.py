from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice

from . import roles
from .models import AuditEntry

# Recovery codes are made on their own page and stored as digests (security/recovery.py); django-otp's
# admin would let an administrator type plain-text tokens that can never be accepted.
if admin.site.is_registered(StaticDevice):
    admin.site.unregister(StaticDevice)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: no add, change or delete."""

    list_display = ("at", "actor_name", "action", "target_type", "target_id", "fields", "via", "ip_address")
    list_filter = ("action", "via")
    search_fields = ("=actor_name", "=target_id")
    date_hierarchy = "at"
    list_select_related = False
    actions = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return roles.standing(request.user).is_admin

    def has_module_permission(self, request):
        return self.has_view_permission(request)
