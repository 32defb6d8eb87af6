"""The admin, in Chinese. Who sees what comes from access.py alone (Django's model permissions are
not used: staff reach the admin through is_staff, everything else is access_for(user)); state
changes go through services.py, one small form per action.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Min
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import services
from .access import Access, access_for, mask_contact, mask_id_number
from security import audit
from .deadlines import CalendarError, workdays_left
from .forms import (
    ACTION_FORMS,
    EDITABLE_AFTER_REGISTRATION,
    AttachmentForm,
    CalendarCSVForm,
    CalendarPackageForm,
    RegisterRequestForm,
    UpdateRegistrationForm,
)
from .models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    Consultation,
    DisclosureRequest,
    FeeNotice,
    RequestEvent,
    StaffRole,
    Unit,
    User,
)
from .workcalendar import load_work_calendar
from .workflow import ACTION_ROLES, Action, Outcome, Status, available_actions

admin.site.site_header = _("政府信息公开申请办理系统")
admin.site.site_title = _("政府信息公开")
admin.site.index_title = _("管理首页")
# One permission mechanism (access.py): groups of model permissions would be a second one.
admin.site.unregister(Group)

logger = logging.getLogger(__name__)

CONCURRENT_CHANGE = _("该申请已被他人修改，请刷新页面后重试。")


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


# --- units and staff ---------------------------------------------------------------------------


@admin.register(Unit)
class UnitAdmin(NotFoundWhenInvisible, AdminOnly, admin.ModelAdmin):
    list_display = ("indented_name", "code", "kind", "ref_prefix", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    fields = ("code", "name", "parent", "kind", "ref_prefix", "reminder_days", "path")
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


# --- requests ----------------------------------------------------------------------------------


class UnitFilter(admin.SimpleListFilter):
    title = _("受理单位")
    parameter_name = "unit"

    def lookups(self, request, model_admin):
        units = access_for(request.user).visible_units().order_by("path").values_list("pk", "name", "path")
        return [(str(pk), "\u3000" * max(path.count("/") - 2, 0) + name) for pk, name, path in units]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and len(value) < 19:  # an id fits a 64-bit integer
            return queryset.filter(unit_id=int(value))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = _("是否逾期")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("已逾期")), ("no", _("未逾期")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.overdue(today)
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.model.objects.overdue(today).values("pk"))
        return queryset


class DueThisWeekFilter(admin.SimpleListFilter):
    title = _("答复期限")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return (("this_week", _("本周到期")), ("next_week", _("下周到期")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        monday = today - timedelta(days=today.weekday())
        if self.value() == "this_week":
            return queryset.due_between(monday, monday + timedelta(days=6))
        if self.value() == "next_week":
            return queryset.due_between(monday + timedelta(days=7), monday + timedelta(days=13))
        return queryset


class ReceivedYearFilter(admin.SimpleListFilter):
    title = _("收到申请年度")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        first = model_admin.get_queryset(request).aggregate(first=Min("received_on"))["first"]
        last = timezone.localdate().year
        first_year = first.year if first else last
        return [(str(y), str(y)) for y in range(last, first_year - 1, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit() and 1 <= int(value) < 9999:
            return queryset.received_in(int(value))
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # obj is the parent request; None when Django builds the rows' queryset
        access = access_for(request.user)
        return has_any_role(access) if obj is None else access.can_see_unit(obj.unit)


class ConsultationInline(ReadOnlyInline):
    model = Consultation
    fields = ("kind", "party", "sent_on", "due_on", "replied_on", "consents", "opinion")
    readonly_fields = fields


class FeeNoticeInline(ReadOnlyInline):
    model = FeeNotice
    fields = ("amount", "basis", "notice_on", "due_on", "paid_on", "receipt_number")
    readonly_fields = fields


class RequestRows:
    """Per-page column renderers for the changelist: the calendar is loaded once per page."""

    def __init__(self, request):
        self.access = access_for(request.user)
        self.today = timezone.localdate()
        self._calendar = None

    @property
    def calendar(self):
        if self._calendar is None:
            self._calendar = load_work_calendar()
        return self._calendar

    def is_overdue(self, obj) -> bool:
        return obj.is_open and obj.due_on is not None and obj.due_on < self.today

    @admin.display(description=_("申请人"), ordering="applicant_name")
    def applicant(self, obj):
        # The list never needs a whole ID number: masked for everyone, it tells namesakes apart.
        if obj.applicant_id_number:
            return format_html(
                '{} <span class="gk-id">{}</span>', obj.applicant_name, mask_id_number(obj.applicant_id_number)
            )
        return obj.applicant_name

    @admin.display(description=_("状态"), ordering="status")
    def status(self, obj):
        if self.is_overdue(obj):
            return format_html(
                '<span class="gk-overdue" title="{}">{} · {}</span>',
                gettext("已超过答复期限"),
                obj.get_status_display(),
                gettext("已逾期"),
            )
        return obj.get_status_display()

    @admin.display(description=_("答复期限"), ordering="due_on")
    def due_on(self, obj):
        if obj.due_on is None:
            if obj.status == Status.AWAITING_CORRECTION:
                return gettext("待补正（停止计算）")
            return "—"
        if obj.due_is_provisional:
            return format_html(
                '{} <span class="gk-provisional" title="{}">{}</span>',
                obj.due_on.isoformat(),
                gettext("所涉年度的放假安排尚未载入，按周一至周五扣除法定节日推算，载入后自动重算。"),
                gettext("（暂定）"),
            )
        return obj.due_on.isoformat()

    @admin.display(description=_("剩余工作日"))
    def days_left(self, obj):
        if not obj.is_open or obj.due_on is None:
            return "—"
        left = workdays_left(obj.due_on, self.today, self.calendar)
        if left < 0:
            return format_html('<span class="gk-overdue">{}</span>', gettext("逾期%(n)d个工作日") % {"n": -left})
        return left


def event_action_label(code: str) -> str:
    try:
        return Action(code).label
    except ValueError:
        return code


EVENT_DATA_LABELS = {
    "ref": _("申请编号"),
    "received_on": _("收到日期"),
    "derived_received_on": _("按申请方式推算的收到日期"),
    "fields": _("修改的字段"),
    "requested_on": _("补正告知日期"),
    "items": _("补正事项"),
    "period_until": _("补正期限"),
    "late": _("是否超期"),
    "consultation": _("征求意见编号"),
    "kind": _("类型"),
    "party": _("被征求意见方"),
    "sent_on": _("征求意见日期"),
    "replied_on": _("答复日期"),
    "consents": _("同意公开"),
    "fee_notice": _("收费通知编号"),
    "amount": _("金额（元）"),
    "notice_on": _("收费通知日期"),
    "paid_on": _("缴费日期"),
    "receipt_number": _("票据号"),
    "days": _("延长工作日数"),
    "approved_on": _("批准日期"),
    "notified_on": _("告知日期"),
    "reason": _("理由"),
    "handler": _("经办人编号"),
    "handler_name": _("经办人"),
    "outcome": _("办理结果"),
    "note": _("意见"),
    "concluded_on": _("办结日期"),
    "delivery_method": _("送达方式"),
    "delivered_on": _("送达日期"),
    "archived_on": _("归档日期"),
    "archive_number": _("档案号"),
    "withheld_parts": _("不予公开的内容"),
    "competent_body": _("负责公开的行政机关"),
    "earlier_request": _("此前的申请编号"),
    "access_route": _("获取途径"),
    "attachment": _("附件编号"),
    "name": _("文件名"),
    "size": _("大小"),
    "uploaded_by": _("上传人编号"),
}


EVENT_DATA_CHOICES = {"outcome": Outcome, "kind": Consultation.Kind}


def event_data_lines(data) -> list[tuple[str, str]]:
    """An event's data as (label, value) lines for the timeline."""
    if not isinstance(data, dict):
        return [("", str(data))]
    lines = []
    for key, value in data.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, bool):
            value = gettext("是") if value else gettext("否")
        elif key in EVENT_DATA_CHOICES:
            try:
                value = EVENT_DATA_CHOICES[key](value).label
            except ValueError:
                pass
        elif isinstance(value, list):
            value = "、".join(str(v) for v in value)
        lines.append((str(EVENT_DATA_LABELS.get(key, key)), str(value)))
    return lines


def status_label(code: str) -> str:
    try:
        return Status(code).label
    except ValueError:
        return code or "—"


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(NotFoundWhenInvisible, admin.ModelAdmin):
    list_display = ("ref", "unit", "channel", "received_on", "status", "due_on")  # columns: get_list_display
    list_display_links = ("ref",)
    list_filter = (
        "status",
        UnitFilter,
        "channel",
        "applicant_type",
        OverdueFilter,
        DueThisWeekFilter,
        ReceivedYearFilter,
    )
    list_select_related = ("unit",)
    # Reference by its start (a full reference included), applicant by the start of the name,
    # content anywhere. Case-insensitive on purpose: on PostgreSQL these build UPPER(col) LIKE
    # UPPER(...), the very expression the trigram indexes of migration 0009 are on (1M rows:
    # 112–237 ms → 0.5–8.5 ms); the case-sensitive lookups match no index there. SQLite's LIKE
    # is case-insensitive either way, so nothing changes on SQLite.
    search_fields = ("ref__istartswith", "applicant_name__istartswith", "content__icontains")
    search_help_text = _("按申请编号（完整或开头）、申请人姓名（开头）或申请内容搜索。")
    show_full_result_count = False
    list_per_page = 50
    inlines = (ConsultationInline, FeeNoticeInline)
    form = UpdateRegistrationForm
    change_form_template = "admin/disclosure/disclosurerequest/change_form.html"
    action_form_template = "admin/disclosure/disclosurerequest/action_form.html"

    add_fieldsets = (
        (_("受理"), {"fields": ("unit", "ref")}),
        (
            _("申请方式与收到日期（条例第三十一条）"),
            {
                "fields": (
                    "channel",
                    "post_kind",
                    "submitted_on",
                    "signed_for_on",
                    "confirmed_on",
                    "received_on",
                    "receipt_override_reason",
                )
            },
        ),
        (
            _("申请人"),
            {
                "fields": (
                    "applicant_type",
                    "applicant_name",
                    "applicant_id_number",
                    "applicant_contact",
                    "agent_name",
                    "agent_id_number",
                    "agent_contact",
                )
            },
        ),
        (_("申请内容"), {"fields": ("content", "provision_form", "purpose")}),
    )
    REGISTRATION_READONLY = (
        "unit",
        "ref",
        "channel",
        "post_kind",
        "submitted_on",
        "signed_for_on",
        "confirmed_on",
        "received_on",
        "receipt_override_reason",
    )
    STATE_FIELDS = (
        "status",
        "handler",
        "due_on",
        "outcome",
        "concluded_on",
        "delivery_method",
        "delivered_on",
        "archived_on",
        "archive_number",
    )
    MASKED = {
        "applicant_id_number": "masked_applicant_id_number",
        "agent_id_number": "masked_agent_id_number",
        "applicant_contact": "masked_applicant_contact",
        "agent_contact": "masked_agent_contact",
    }

    # --- isolation (access.py) ---

    def get_queryset(self, request):
        return access_for(request.user).visible_requests(super().get_queryset(request))

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        access = access_for(request.user)
        if obj is None:
            return has_any_role(access)
        return access.can_see_unit(obj.unit)

    def has_add_permission(self, request):
        access = access_for(request.user)
        return access.is_admin or bool(self.registering_unit_ids(access))

    def has_change_permission(self, request, obj=None):
        access = access_for(request.user)
        if obj is None:
            return access.is_admin or bool(access.acting_unit_ids)
        return obj.is_open and access.can(Action.EDIT, obj.unit_id)

    def has_delete_permission(self, request, obj=None):
        # A request is a statutory record and its event log is append-only (PROTECT): a delete
        # could never succeed, so nobody is offered one.
        return False

    def delete_view(self, request, object_id, extra_context=None):
        self.visible_or_404(request, object_id)  # invisible: 404 before the permission check's 403
        return super().delete_view(request, object_id, extra_context)

    @staticmethod
    def registering_unit_ids(access: Access) -> list[int]:
        return [u for u, roles in access.roles.items() if roles & ACTION_ROLES[Action.REGISTER]]

    def registering_units(self, access: Access):
        if access.is_admin:
            return Unit.objects.all()
        return Unit.objects.filter(pk__in=self.registering_unit_ids(access))

    def visible_or_404(self, request, object_id) -> DisclosureRequest:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(gettext("没有找到该申请。"))
        return obj

    # --- changelist ---

    def get_ordering(self, request):
        # A search matches few rows scattered over the table: walking the received_on index to
        # find them costs 3x a scan in id order on SQLite (bench/admin_changelist.py), so search
        # results come newest registration first unless the user sorts by a column.
        if request.GET.get("q"):
            return ("-id",)
        return super().get_ordering(request)

    def get_list_display(self, request):
        rows = RequestRows(request)
        return ("ref", rows.applicant, "unit", "channel", "received_on", rows.status, rows.due_on, rows.days_left)

    # --- add and change forms ---

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = RegisterRequestForm
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = self.registering_unit_ids(access_for(request.user))
        if len(ids) == 1:
            initial.setdefault("unit", ids[0])
        initial.setdefault("submitted_on", timezone.localdate())
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = self.registering_units(access_for(request.user)).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        access = access_for(request.user)
        reveal = access.can_reveal_id(obj.unit_id)
        if reveal:  # PIPL: every reveal of an ID number or contact goes to the audit log
            audit.reveal(request, obj, ("applicant_id_number", "applicant_contact", "agent_id_number", "agent_contact"))
        editable = self.has_change_permission(request, obj)

        def shown(names):
            return tuple(name if reveal else self.MASKED.get(name, name) for name in names)

        registration = self.REGISTRATION_READONLY + (("seen_version",) if editable else ())
        applicant = (
            "applicant_type",
            "applicant_name",
            "applicant_id_number",
            "applicant_contact",
            "agent_name",
            "agent_id_number",
            "agent_contact",
        )
        return (
            (_("受理与收到日期"), {"fields": registration}),
            (_("申请人"), {"fields": shown(applicant)}),
            (_("申请内容"), {"fields": ("content", "provision_form", "purpose")}),
            (_("办理状态"), {"fields": self.STATE_FIELDS}),
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            self.REGISTRATION_READONLY
            + self.STATE_FIELDS
            + tuple(self.MASKED.values())
            + tuple(f.name for f in DisclosureRequest._meta.fields if f.name not in EDITABLE_AFTER_REGISTRATION)
        )

    @admin.display(description=_("证件号码"))
    def masked_applicant_id_number(self, obj):
        return mask_id_number(obj.applicant_id_number)

    @admin.display(description=_("代理人证件号码"))
    def masked_agent_id_number(self, obj):
        return mask_id_number(obj.agent_id_number)

    @admin.display(description=_("联系方式"))
    def masked_applicant_contact(self, obj):
        return mask_contact(obj.applicant_contact)

    @admin.display(description=_("代理人联系方式"))
    def masked_agent_contact(self, obj):
        return mask_contact(obj.agent_contact)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def save_model(self, request, obj, form, change):
        """The form's service call (register_request / update_registration) has saved it."""

    def response_post_save_add(self, request, obj):
        # After registering, the next step (review, correction, acceptance) is on the request's page.
        return HttpResponseRedirect(self.change_url(obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self.request_panels(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def actions_for(self, access: Access, obj: DisclosureRequest) -> list[str]:
        """The buttons: actions valid in this state for the user's roles in the request's unit."""
        actions = available_actions(obj.status, access.roles_in(obj.unit_id), is_admin=access.is_admin)
        result = []
        for action in actions:
            if action not in ACTION_FORMS:
                continue  # "edit" is the change form itself
            if action == Action.RECORD_FEE_PAYMENT and not obj.fee_notices.filter(paid_on__isnull=True).exists():
                continue
            if (
                action == Action.RECORD_CONSULTATION_REPLY
                and not obj.consultations.filter(replied_on__isnull=True).exists()
            ):
                continue
            result.append(action)
        return result

    def request_panels(self, request, obj):
        access = access_for(request.user)
        today = timezone.localdate()
        info = self.opts.app_label, self.opts.model_name
        explanation = services.explain_deadline(obj, today)
        events = [
            {
                "at": event.at,
                "actor": event.actor,
                "action": event_action_label(event.action),
                "code": event.action,
                "from": status_label(event.from_status),
                "to": status_label(event.to_status),
                "data": event_data_lines(event.data),
            }
            for event in obj.events.select_related("actor")
        ]
        can_act = access.can_act_on_unit(obj.unit_id)
        return {
            "gk_deadline": explanation,
            "gk_events": events,
            "gk_actions": [
                {
                    "code": action,
                    "label": Action(action).label,
                    "url": reverse("admin:%s_%s_action" % info, args=[obj.pk, action]),
                }
                for action in self.actions_for(access, obj)
            ],
            "gk_attachments": [
                {
                    "obj": att,
                    "url": reverse("admin:%s_%s_attachment" % info, args=[obj.pk, att.pk]),
                }
                for att in obj.attachments.select_related("uploaded_by")
            ],
            "gk_attachment_form": AttachmentForm() if can_act else None,
            "gk_attachment_upload_url": reverse("admin:%s_%s_attachment_upload" % info, args=[obj.pk]),
            "gk_today": today,
            "gk_overdue_days": -explanation["workdays_left"] if (explanation["workdays_left"] or 0) < 0 else 0,
        }

    # --- action views, attachments ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/action/<str:action>/",
                wrap(self.action_view),
                name="%s_%s_action" % info,
            ),
            path(
                "<path:object_id>/attachments/upload/",
                wrap(require_POST(self.attachment_upload_view)),
                name="%s_%s_attachment_upload" % info,
            ),
            path(
                "<path:object_id>/attachments/<int:attachment_id>/",
                wrap(self.attachment_download_view),
                name="%s_%s_attachment" % info,
            ),
        ] + super().get_urls()

    def change_url(self, obj) -> str:
        return reverse("admin:%s_%s_change" % (self.opts.app_label, self.opts.model_name), args=[obj.pk])

    def action_view(self, request, object_id, action):
        obj = self.visible_or_404(request, object_id)
        access = access_for(request.user)
        form_class = ACTION_FORMS.get(action)
        if form_class is None:
            raise Http404(gettext("没有这个操作。"))
        if not access.can(action, obj.unit_id):
            raise PermissionDenied
        if action not in self.actions_for(access, obj):
            stale = request.method == "POST" and request.POST.get("seen_version") != str(obj.version)
            if stale:
                self.message_user(request, CONCURRENT_CHANGE, messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext("“%(action)s”不能在“%(status)s”状态下进行。")
                    % {"action": Action(action).label, "status": obj.get_status_display()},
                    messages.ERROR,
                )
            return HttpResponseRedirect(self.change_url(obj))
        if request.method == "POST":
            form = form_class(request.POST, req=obj, actor=request.user)
            if form.submit():
                self.message_user(
                    request,
                    gettext("已完成“%(action)s”：%(ref)s。") % {"action": Action(action).label, "ref": obj.ref},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(self.change_url(obj))
            if str(CONCURRENT_CHANGE) in [str(e) for e in form.non_field_errors()]:
                self.message_user(request, CONCURRENT_CHANGE, messages.ERROR)
        else:
            form = form_class(req=obj, actor=request.user)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": obj,
            "form": form,
            "action": action,
            "action_label": Action(action).label,
            "title": "%s · %s" % (Action(action).label, obj.ref),
            "change_url": self.change_url(obj),
            "has_view_permission": True,
        }
        return TemplateResponse(request, self.action_form_template, context)

    def attachment_upload_view(self, request, object_id):
        obj = self.visible_or_404(request, object_id)
        if not access_for(request.user).can_act_on_unit(obj.unit_id):
            raise PermissionDenied
        form = AttachmentForm(request.POST, request.FILES)
        if form.is_valid():
            services.add_attachment(
                obj, actor=request.user, file=form.cleaned_data["file"], name=form.safe_name,
                description=form.cleaned_data["description"], content_type=form.content_type,
                extension=form.extension,
            )
            self.message_user(request, gettext("已上传附件“%(name)s”。") % {"name": form.safe_name}, messages.SUCCESS)
        else:
            for field, errors in form.errors.items():
                label = form.fields[field].label if field in form.fields else ""
                for error in errors:
                    self.message_user(request, f"{label}：{error}" if label else error, messages.ERROR)
        return HttpResponseRedirect(self.change_url(obj) + "#gk-attachments")

    def attachment_download_view(self, request, object_id, attachment_id):
        obj = self.visible_or_404(request, object_id)
        attachment = get_object_or_404(Attachment, pk=attachment_id, request=obj)
        try:
            handle = attachment.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404(gettext("附件文件不存在。")) from None
        audit.download(attachment, request=request)
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


# --- the event log -----------------------------------------------------------------------------


@admin.register(RequestEvent)
class RequestEventAdmin(NotFoundWhenInvisible, admin.ModelAdmin):
    list_display = ("at", "request", "actor", "action_label", "from_label", "to_label")
    list_select_related = ("request", "actor")
    list_filter = ("action",)
    search_fields = ("=request__ref",)
    show_full_result_count = False
    fields = ("request", "at", "actor", "action_label", "from_label", "to_label", "data")
    readonly_fields = fields

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, obj):
        return event_action_label(obj.action)

    @admin.display(description=_("原状态"))
    def from_label(self, obj):
        return status_label(obj.from_status)

    @admin.display(description=_("新状态"))
    def to_label(self, obj):
        return status_label(obj.to_status)

    def get_queryset(self, request):
        access = access_for(request.user)
        return super().get_queryset(request).filter(access.unit_filter("request__unit__"))

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        access = access_for(request.user)
        if obj is None:
            return has_any_role(access)
        return access.can_see_unit(obj.request.unit)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- attachments -------------------------------------------------------------------------------


@admin.register(Attachment)
class AttachmentAdmin(NotFoundWhenInvisible, admin.ModelAdmin):
    """A list of attachments; upload on the request's page, download through the checked view."""

    list_display = ("name", "request", "content_type", "size", "uploaded_by", "uploaded_at", "download")
    list_select_related = ("request", "uploaded_by")
    search_fields = ("name", "=request__ref")
    show_full_result_count = False
    fields = ("request", "name", "description", "content_type", "size", "uploaded_by", "uploaded_at", "download")
    readonly_fields = fields

    @admin.display(description=_("下载"))
    def download(self, obj):
        url = reverse("admin:disclosure_disclosurerequest_attachment", args=[obj.request_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("下载"))

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter("request__unit__"))

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        access = access_for(request.user)
        return has_any_role(access) if obj is None else access.can_see_unit(obj.request.unit)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Part of the case file: only an admin removes one (e.g. uploaded to the wrong request).
        return access_for(request.user).is_admin

    def delete_model(self, request, obj):
        services.remove_attachment(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for attachment in queryset.select_related("request"):
            services.remove_attachment(attachment, actor=request.user)


# --- the working-day calendar ------------------------------------------------------------------


def publish_recompute() -> bool:
    """Hand the recompute to a worker: one connection tried once (kombu would keep retrying while
    the admin waits for the page). False when the broker cannot be reached."""
    from config.celery import app

    from .tasks import recompute_deadlines

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            recompute_deadlines.apply_async(connection=conn, retry=False)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError, …
        logger.warning("broker unavailable: recomputing the open deadlines in the request", exc_info=True)
        return False
    return True


def enqueue_recompute(on_failure) -> None:
    """After the calendar edit commits (a worker must see it); on_failure() runs if the broker is down."""
    transaction.on_commit(lambda: publish_recompute() or on_failure())


class RecomputesDeadlines:
    """条例 counts working days: any calendar edit moves the deadlines of open requests. A few
    thousand are recomputed at once; more go to a worker, so the page does not wait minutes."""

    RECOMPUTE_IN_BACKGROUND_ABOVE = 2000

    def recompute(self, request):
        many = DisclosureRequest.objects.open()[: self.RECOMPUTE_IN_BACKGROUND_ABOVE + 1].count()
        if many > self.RECOMPUTE_IN_BACKGROUND_ABOVE:
            enqueue_recompute(lambda: self.recompute_now(request))
            self.message_user(
                request,
                gettext("办理中申请较多，答复期限将在后台按新的日历重新计算，几分钟内完成。"),
                messages.INFO,
            )
            return
        self.recompute_now(request)

    def recompute_now(self, request):
        changed = services.recompute_open_deadlines()
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
