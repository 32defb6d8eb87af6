"""Admin: the alert outbox (failures visible, resend), preferences, monthly bulletins and the
calendar-coverage page. Who may see what comes from disclosure.access, as in disclosure's admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.forms import PasswordInput
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from disclosure.access import access_for, mask_contact
from disclosure.forms import CalendarCSVForm
from disclosure.models import CalendarYear
from disclosure.tasks import recompute_after_calendar_edit
from disclosure.workcalendar import (
    CalendarCSVError,
    decode_calendar_csv,
    load_from_csv,
    load_from_package,
    package_years,
)

from . import delivery
from .bulletin import HEADERS, render_xlsx, rows_visible_to
from .channels import XLSX_TYPE
from .models import (
    Alert,
    AlertStatus,
    CalendarCoverage,
    MonthlyBulletin,
    Notification,
    PersonPreference,
    UnitPreference,
)


def is_admin(request) -> bool:
    return access_for(request.user).is_admin


class AdminsOnly:
    def has_module_permission(self, request):
        return is_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_admin(request)

    def has_add_permission(self, request, *args):
        return is_admin(request)

    def has_change_permission(self, request, obj=None):
        return is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request)


@admin.register(Alert)
class AlertAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("created_at", "kind", "subject", "recipient", "unit", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "kind", "channel", "deadline")
    search_fields = ("subject", "request__ref", "recipient__username", "recipient__full_name", "last_error")
    list_select_related = ("recipient", "unit")
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = (
        "request", "unit", "kind", "stage", "deadline", "recipient", "channel", "key", "subject", "body", "link",
        "bulletin", "status", "attempts", "last_error", "enqueued_at", "claimed_at", "sent_at", "created_at",
        "masked_address",
    )

    @admin.display(description=_("申请人地址"))
    def masked_address(self, obj):
        """An applicant's e-mail or phone (issue 10), masked as contacts are on the request page."""
        if not obj.address:
            return "—"
        if "@" in obj.address:
            name, _at, domain = obj.address.partition("@")
            return f"{name[:1]}***@{domain}"
        return mask_contact(obj.address)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新发送所选的待发送或发送失败的提醒"))
    def resend(self, request, queryset):
        ids = list(queryset.filter(status__in=[AlertStatus.PENDING, AlertStatus.FAILED]).values_list("pk", flat=True))
        delivery.enqueue(ids)  # after commit; a broker outage leaves them pending for the next sweep
        self.message_user(
            request, gettext("已将%(n)d条提醒交给发送队列；已发送或发送中的提醒不会重复发送。") % {"n": len(ids)},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("created_at", "user", "short_message", "read_at")
    list_filter = ("read_at",)
    search_fields = ("message", "user__username", "user__full_name")
    list_select_related = ("user",)
    readonly_fields = ("user", "alert", "message", "link", "created_at", "read_at")

    @admin.display(description=_("消息"))
    def short_message(self, obj):
        return obj.message.splitlines()[0][:80] if obj.message else ""

    def has_add_permission(self, request, *args):
        return False


@admin.register(PersonPreference)
class PersonPreferenceAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("user", "email_enabled", "in_app_enabled", "immediate_escalations")
    search_fields = ("user__username", "user__full_name")
    autocomplete_fields = ()
    raw_id_fields = ("user",)


@admin.register(UnitPreference)
class UnitPreferenceAdmin(AdminsOnly, admin.ModelAdmin):
    list_display = ("unit", "email_enabled", "in_app_enabled", "dingtalk_enabled", "wecom_enabled")
    list_select_related = ("unit",)
    fieldsets = (
        (None, {"fields": ("unit", "email_enabled", "in_app_enabled")}),
        (_("钉钉群机器人"), {"fields": ("dingtalk_enabled", "dingtalk_webhook", "dingtalk_secret")}),
        (_("企业微信群机器人"), {"fields": ("wecom_enabled", "wecom_webhook")}),
    )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "dingtalk_secret":
            kwargs["widget"] = PasswordInput(render_value=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(MonthlyBulletin)
class MonthlyBulletinAdmin(admin.ModelAdmin):
    """Supervisors, heads and admins see the bulletin rows of the units they may see."""

    list_display = ("__str__", "month", "compiled_on")
    change_form_template = "admin/notifications/monthlybulletin/change_form.html"

    def _may_see(self, request):
        access = access_for(request.user)
        return bool(access.is_admin or access.roles or access.supervised_paths)

    def has_module_permission(self, request):
        return self._may_see(request)

    def has_view_permission(self, request, obj=None):
        return self._may_see(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return is_admin(request)

    def get_urls(self):
        return [
            path("<int:pk>/xlsx/", self.admin_site.admin_view(self.xlsx_view),
                 name="notifications_monthlybulletin_xlsx"),
        ] + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bulletin = get_object_or_404(MonthlyBulletin, pk=object_id)
        if not self._may_see(request):
            raise PermissionDenied
        rows = rows_visible_to(request.user, bulletin.rows)
        for row in rows:
            row["rate_text"] = f"{row['on_time_rate']:.1%}" if row["on_time_rate"] is not None else "—"
        extra = {"bulletin": bulletin, "rows": rows, "headers": HEADERS, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def xlsx_view(self, request, pk):
        bulletin = get_object_or_404(MonthlyBulletin, pk=pk)
        if not self._may_see(request):
            raise PermissionDenied
        content = render_xlsx(bulletin, rows_visible_to(request.user, bulletin.rows))
        response = HttpResponse(content, content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{bulletin.filename}"'
        return response


@admin.register(CalendarCoverage)
class CalendarCoverageAdmin(admin.ModelAdmin):
    """One page: is next year's holiday schedule loaded? One click loads it from chinesecalendar."""

    def has_module_permission(self, request):
        return is_admin(request)

    def has_view_permission(self, request, obj=None):
        return is_admin(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [path("", wrap(self.coverage_view), name="notifications_calendarcoverage_changelist")]

    def coverage_view(self, request):
        if not is_admin(request):
            raise PermissionDenied
        today = timezone.localdate()
        if request.method == "POST":
            self._load(request)
            return HttpResponseRedirect(request.path)
        loaded = list(CalendarYear.objects.order_by("-year")[:6])
        available = package_years()
        try:
            csv_url = reverse("admin:disclosure_calendaryear_upload_csv")
        except NoReverseMatch:
            csv_url = ""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("放假安排载入"),
            "today": today,
            "years": [today.year, today.year + 1],
            "loaded_years": {y.year for y in CalendarYear.objects.filter(year__in=[today.year, today.year + 1])},
            "loaded": loaded,
            "package_years": available,
            "package_has_next": today.year + 1 in available,
            "csv_url": csv_url,
        }
        return TemplateResponse(request, "admin/notifications/calendarcoverage/coverage.html", context)

    def _load(self, request):
        today = timezone.localdate()
        if "load_package" in request.POST:
            years = load_from_package([today.year, today.year + 1])
            if not years:
                text = gettext("已安装的 chinesecalendar 不包含%(y)d年或%(n)d年的放假安排，请升级该软件包或上传 CSV。")
                self.message_user(request, text % {"y": today.year, "n": today.year + 1}, messages.ERROR)
                return
        elif "upload_csv" in request.POST:
            upload = request.FILES.get("csv_file")
            if upload is None:
                self.message_user(request, gettext("CSV 文件：请选择要上传的文件。"), messages.ERROR)
                return
            if upload.size > CalendarCSVForm.MAX_BYTES:
                self.message_user(request, gettext("CSV 文件不能超过 1 MB。"), messages.ERROR)
                return
            try:
                years = load_from_csv(decode_calendar_csv(upload.read()), source=f"CSV: {upload.name}"[:300])
            except CalendarCSVError as exc:
                for error in exc.errors[:20]:
                    self.message_user(request, gettext("CSV 文件：") + error, messages.ERROR)
                return
        else:
            return
        changed = recompute_after_calendar_edit()
        loaded = "、".join(str(y) for y in years)
        if changed is None:
            message = gettext("已载入年度：%(years)s；办理中申请较多，答复期限将在后台按新的日历重新计算，"
                              "几分钟内完成。")
            self.message_user(request, message % {"years": loaded}, messages.SUCCESS)
            return
        self.message_user(
            request,
            gettext("已载入年度：%(years)s；已重新计算%(n)d件办理中申请的答复期限。") % {"years": loaded, "n": changed},
            messages.SUCCESS,
        )


def failed_alert_count(user) -> int:
    if not access_for(user).is_admin:
        return 0
    return Alert.objects.filter(Q(status=AlertStatus.FAILED)).count()
