"""The case file around a request: read-only inlines, the event log and its labels, attachments."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import services
from ..access import access_for
from ..models import Attachment, Consultation, FeeMethod, FeeNotice, ProceedingOutcome, RequestEvent
from ..workflow import Action, Outcome, Status
from .access import NotFoundWhenInvisible, ReadOnly, SeenWithItsUnit


class ReadOnlyInline(ReadOnly, SeenWithItsUnit, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def unit_of(self, obj):
        return obj.unit  # an inline is asked about its parent, the request


class ConsultationInline(ReadOnlyInline):
    model = Consultation
    fields = ("kind", "party", "sent_on", "due_on", "replied_on", "consents", "opinion")
    readonly_fields = fields


class FeeNoticeInline(ReadOnlyInline):
    model = FeeNotice
    fields = ("method", "amount", "quoted_amount", "amount_reason", "basis", "notice_on", "due_on", "paid_on",
              "receipt_number")
    readonly_fields = fields



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
    "due_on": _("答复期限"),
    "previous_due_on": _("原答复期限"),
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
    "method": _("计收方式"),
    "ordinal": _("当月第几件"),
    "pages": _("页数"),
    "quoted_amount": _("按标准计算的金额（元）"),
    "amount_reason": _("金额与标准不同的理由"),
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
    "competent_contact": _("负责公开的行政机关的联系方式"),
    "provision_route": _("提供方式"),
    "earlier_request": _("此前的申请编号"),
    "access_route": _("获取途径"),
    "letter_number": _("答复书文号"),
    "document": _("文书"),
    "document_id": _("文书编号"),
    "number": _("文号"),
    "replaces": _("替代的文书"),
    "format": _("格式"),
    "delivered_document": _("送达的文书"),
    "attachment": _("附件编号"),
    "name": _("文件名"),
    "size": _("大小"),
    "uploaded_by": _("上传人编号"),
    "finding": _("认定意见"),
    "delayed_until": _("延迟答复期限"),
    "filed_on": _("申请（起诉）日期"),
    "after_reconsideration": _("复议后起诉"),
    "proceeding_outcome": _("结果"),
    "decided_on": _("决定日期"),
}


EVENT_DATA_CHOICES = {"outcome": Outcome, "kind": Consultation.Kind, "proceeding_outcome": ProceedingOutcome,
                      "method": FeeMethod}


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



# --- the event log -----------------------------------------------------------------------------


@admin.register(RequestEvent)
class RequestEventAdmin(NotFoundWhenInvisible, ReadOnly, SeenWithItsUnit, admin.ModelAdmin):
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



# --- attachments -------------------------------------------------------------------------------


@admin.register(Attachment)
class AttachmentAdmin(NotFoundWhenInvisible, SeenWithItsUnit, admin.ModelAdmin):
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
