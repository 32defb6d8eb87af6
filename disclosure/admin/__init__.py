"""The admin, in Chinese. Who sees what comes from access.py alone (Django's model permissions are
not used: staff reach the admin through is_staff, everything else is access_for(user)); state
changes go through the services (disclosure/services/), one small form per action.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..access import access_for
from ..deadlines import CalendarError
from ..forms import CalendarCSVForm, CalendarPackageForm
from ..models import CalendarDay, CalendarYear, StaffRole, Unit, User
from ..tasks import RECOMPUTE_IN_BACKGROUND_ABOVE, recompute_after_calendar_edit

# Django's autodiscover imports this module only: importing requests and records
# registers the request admin and the case-file records (event log, attachments).
from . import records, requests  # noqa: F401  (imported to register their admins)
from .access import AdminOnly, NotFoundWhenInvisible

admin.site.site_header = _("政府信息公开申请办理系统")
admin.site.site_title = _("政府信息公开")
admin.site.index_title = _("管理首页")
# One permission mechanism (access.py): groups of model permissions would be a second one.
admin.site.unregister(Group)


# --- units and staff ---------------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(NotFoundWhenInvisible, AdminOnly, admin.ModelAdmin):
    list_display = ("indented_name", "code", "kind", "ref_prefix", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    fields = ("code", "name", "parent", "kind", "ref_prefix", "letter_prefix", "reconsideration_body", "fee_payment",
              "reminder_days", "legal_review", "separate_duties", "path")
    readonly_fields = ("path",)
    ordering = ("path",)

    @admin.display(description=_("单位名称"), ordering="path")
    def indented_name(self, obj):
        depth = max(obj.path.count("/") - 2, 0)
        return format_html("{}{}", "\u3000" * depth, obj.name)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter())


class StaffRoleInline(AdminOnly, admin.TabularInline):
    model = StaffRole
    extra = 1


@admin.register(User)
class UserAdmin(AdminOnly, BaseUserAdmin):
    inlines = (StaffRoleInline,)
    list_display = ("username", "full_name", "email", "is_staff", "is_active")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser")}),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")}),)

    def has_module_permission(self, request):
        return access_for(request.user).is_admin

    def has_view_permission(self, request, obj=None):
        return access_for(request.user).is_admin


# --- the working-day calendar ------------------------------------------------------------------


class RecomputesDeadlines:
    """条例 counts working days: any calendar edit moves the deadlines of open requests. A few
    thousand are recomputed at once; more go to a worker, so the page does not wait minutes."""

    RECOMPUTE_IN_BACKGROUND_ABOVE = RECOMPUTE_IN_BACKGROUND_ABOVE

    def recompute(self, request):
        changed = recompute_after_calendar_edit(
            self.RECOMPUTE_IN_BACKGROUND_ABOVE, on_failure=lambda: self.recompute_now(request)
        )
        if changed is None:
            self.message_user(
                request,
                gettext("办理中申请较多，答复期限将在后台按新的日历重新计算，几分钟内完成。"),
                messages.INFO,
            )
            return
        self.report_recomputed(request, changed)

    def recompute_now(self, request):
        """The broker could not be reached: the recompute in the request after all."""
        self.report_recomputed(request, services.recompute_open_deadlines())

    def report_recomputed(self, request, changed: int) -> None:
        if changed:
            self.message_user(
                request, gettext("已按新的日历重新计算%(n)d件办理中申请的答复期限。") % {"n": changed}, messages.INFO
            )

    def refusing_impossible_calendars(self, view, request, *args, **kwargs):
        """A calendar with no working days where a deadline needs them: the edit and every
        recomputed deadline are rolled back together, and the admin is told why (not a 500)."""
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except CalendarError:
            list(messages.get_messages(request))  # drop the "saved" message of the rolled-back edit
            self.message_user(
                request,
                gettext("按修改后的日历，部分申请在十年内找不到足够的工作日，无法计算答复期限；本次修改未保存，请检查日历。"),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self.refusing_impossible_calendars(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self.refusing_impossible_calendars(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):  # the "delete selected" action
        return self.refusing_impossible_calendars(super().changelist_view, request, *args, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.recompute(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.recompute(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self.recompute(request)


@admin.register(CalendarDay)
class CalendarDayAdmin(RecomputesDeadlines, AdminOnly, admin.ModelAdmin):
    list_display = ("date", "weekday", "is_workday", "note", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    search_fields = ("note",)
    fields = ("date", "is_workday", "note", "source")

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return "一二三四五六日"[obj.date.weekday()]


@admin.register(CalendarYear)
class CalendarYearAdmin(RecomputesDeadlines, AdminOnly, admin.ModelAdmin):
    list_display = ("year", "source", "loaded_at", "day_count")
    fields = ("year", "source")
    change_list_template = "admin/disclosure/calendaryear/change_list.html"

    @admin.display(description=_("节假日与调休天数"))
    def day_count(self, obj):
        return CalendarDay.objects.filter(date__year=obj.year).count()

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("load-package/", wrap(self.load_package_view), name="disclosure_calendaryear_load_package"),
            path("upload-csv/", wrap(self.upload_csv_view), name="disclosure_calendaryear_upload_csv"),
        ] + super().get_urls()

    def _calendar_form_view(self, request, form_class, title, files=False):
        if not access_for(request.user).is_admin:
            raise PermissionDenied
        if request.method == "POST":
            form = form_class(request.POST, request.FILES) if files else form_class(request.POST)
            if form.is_valid():
                years = form.load()
                if years is not None:
                    self.message_user(
                        request,
                        gettext("已载入年度：%(years)s。") % {"years": "、".join(str(y) for y in years) or "—"},
                        messages.SUCCESS,
                    )
                    self.recompute(request)
                    return HttpResponseRedirect(reverse("admin:disclosure_calendaryear_changelist"))
        else:
            form = form_class()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": title,
            "has_view_permission": True,
            "multipart": files,
        }
        return TemplateResponse(request, "admin/disclosure/calendaryear/load_form.html", context)

    def load_package_view(self, request):
        return self.refusing_impossible_calendars(
            self._calendar_form_view, request, CalendarPackageForm, gettext("从 chinesecalendar 载入放假安排")
        )

    def upload_csv_view(self, request):
        return self.refusing_impossible_calendars(
            self._calendar_form_view, request, CalendarCSVForm, gettext("上传放假安排 CSV"), files=True
        )
