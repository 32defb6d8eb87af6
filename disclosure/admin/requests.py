"""The request admin: register in one form, change the registration, one action view per
workflow arrow (each a small form over a service), attachments upload and download."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from documents.admin import STEP_LETTERS, LetterViews
from security import audit

from .. import applicants, services
from ..access import Access, access_for, mask_contact, mask_id_number
from ..downloads import MissingFile, attachment_response
from ..forms import (
    ACTION_FORMS,
    APPLICANT_FIELDS,
    CONTENT_FIELDS,
    EDITABLE_AFTER_REGISTRATION,
    RECEIPT_FIELDS,
    AttachmentForm,
    BulkAssignForm,
    UpdateRegistrationForm,
)
from ..ledger.export import ledger_file
from ..models import (
    Attachment,
    DisclosureRequest,
    Unit,
)
from ..search import search_requests
from ..workcalendar import load_work_calendar
from ..workflow import ACTION_ROLES, ROLE_ONLY_ACTIONS, Action, Status, WorkflowError, duty_conflict
from .access import NotFoundWhenInvisible, SeenWithItsUnit
from .changelist import (
    DueThisWeekFilter,
    MineFilter,
    OpenFilter,
    OverdueFilter,
    ReceivedYearFilter,
    RequestRows,
    UnitFilter,
)
from .intake import SubmittedFilter, intake_panel
from .ledger import LedgerViews
from .records import (
    ConsultationInline,
    FeeNoticeInline,
    event_action_label,
    event_data_lines,
    status_label,
)
from .registration import RegistrationSaves

CONCURRENT_CHANGE = _("该申请已被他人修改，请刷新页面后重试。")


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(
    RegistrationSaves, LedgerViews, LetterViews, NotFoundWhenInvisible, SeenWithItsUnit, admin.ModelAdmin
):
    list_display = ("ref", "unit", "channel", "received_on", "status", "due_on")  # columns: get_list_display
    list_display_links = ("ref",)
    list_filter = (
        OpenFilter,
        MineFilter,
        "status",
        SubmittedFilter,
        UnitFilter,
        "channel",
        "applicant_type",
        OverdueFilter,
        DueThisWeekFilter,
        ReceivedYearFilter,
    )
    list_select_related = ("unit", "handler")
    actions = ("assign_selected", "export_selected")
    # Reference by its start, applicant's name, content and the reply's text anywhere: search.py
    # (PostgreSQL trigram indexes, SQLite FTS5 trigram), fast at a million requests.
    search_fields = ("ref", "applicant_name", "content")  # what shows the search box; get_search_results decides
    search_help_text = _("按申请编号（完整或开头）、申请人姓名、申请内容或答复内容搜索。")
    show_full_result_count = False
    list_per_page = 50
    inlines = (ConsultationInline, FeeNoticeInline)
    form = UpdateRegistrationForm
    change_form_template = "admin/disclosure/disclosurerequest/change_form.html"
    action_form_template = "admin/disclosure/disclosurerequest/action_form.html"

    add_fieldsets = (
        (_("受理"), {"fields": ("unit", "ref")}),
        (_("申请方式与收到日期（条例第三十一条）"), {"fields": RECEIPT_FIELDS}),
        (_("申请人"), {"fields": APPLICANT_FIELDS}),
        (_("申请内容"), {"fields": CONTENT_FIELDS}),
    )
    REGISTRATION_READONLY = ("unit", "ref", *RECEIPT_FIELDS)
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
    ART35_FIELDS = (
        "reasons_requested_on", "reasons_request_note", "delay_finding", "delayed_until", "delay_notified_on",
    )
    PROCEEDING_FIELDS = (
        "reconsideration_filed_on", "reconsideration_outcome", "reconsideration_decided_on",
        "litigation_filed_on", "litigation_after_reconsideration", "litigation_outcome", "litigation_decided_on",
    )
    MASKED = {
        "applicant_id_number": "masked_applicant_id_number",
        "agent_id_number": "masked_agent_id_number",
        "applicant_contact": "masked_applicant_contact",
        "agent_contact": "masked_agent_contact",
    }

    # --- isolation (access.py) ---

    unit_prefix = "unit__"  # get_queryset: access.visible_requests()

    def unit_of(self, obj):
        return obj.unit

    def has_add_permission(self, request):
        access = access_for(request.user)
        return access.is_admin or bool(self.registering_unit_ids(access))

    def has_change_permission(self, request, obj=None):
        access = access_for(request.user)
        if obj is None:
            return access.is_admin or bool(access.acting_unit_ids)
        # a submission may have a typo fixed before it is confirmed (workflow: EDIT in SUBMITTED)
        return (obj.is_open or obj.status == Status.SUBMITTED) and access.can(Action.EDIT, obj.unit_id)

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

    def get_search_results(self, request, queryset, search_term):
        return search_requests(queryset, search_term), False

    def get_list_display(self, request):
        rows = RequestRows(request)
        # 受理单位 tells rows apart only for those who see more than one unit; 申请方式 is a filter, not
        # a column, so that the working days left fit beside the deadline without scrolling.
        access = rows.access
        single_unit = not access.is_admin and not access.supervised_paths and len(access.acting_unit_ids) == 1
        return (
            "ref", rows.applicant, *(() if single_unit else ("unit",)), rows.handler, "received_on",
            rows.status, rows.due_on, rows.days_left,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        access = access_for(request.user)
        if not (access.is_admin or any(roles & ACTION_ROLES[Action.ASSIGN] for roles in access.roles.values())):
            actions.pop("assign_selected", None)
        if not (access.is_admin or access.roles or access.supervised_paths):
            actions.pop("export_selected", None)
        return actions

    @admin.action(description=_("指定经办人（所选申请）"))
    def assign_selected(self, request, queryset):
        """One handler for many requests: each assigned by the service (one event each); a request the
        user may not assign, or that refuses (concluded, handler of another unit), is reported by ref."""
        access = access_for(request.user)
        requests = list(queryset.select_related("unit").order_by("unit__path", "ref", "pk"))
        form = BulkAssignForm(
            request.POST if "apply" in request.POST else None, unit_ids={r.unit_id for r in requests}
        )
        if "apply" in request.POST and form.is_valid():
            handler = form.cleaned_data["handler"]
            done, refused = [], []
            for req in requests:
                if not access.can(Action.ASSIGN, req.unit_id):
                    refused.append((req.ref, gettext("您在该单位没有指定经办人的权限。")))
                    continue
                try:
                    services.assign_handler(req, actor=request.user, handler=handler)
                except WorkflowError as exc:
                    refused.append((req.ref, str(exc.message)))
                else:
                    done.append(req.ref)
            name = str(handler)
            if done:
                self.message_user(
                    request,
                    gettext("已将 %(n)d 件申请的经办人指定为 %(name)s：%(refs)s。")
                    % {"n": len(done), "name": name, "refs": "、".join(done)},
                    messages.SUCCESS,
                )
            for ref, reason in refused:
                self.message_user(
                    request, gettext("%(ref)s 未指定：%(reason)s") % {"ref": ref, "reason": reason}, messages.ERROR
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("指定经办人"),
            "form": form,
            "requests": requests,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/disclosure/disclosurerequest/assign_selected.html", context)

    @admin.action(description=_("导出所选申请（台账格式）"))
    def export_selected(self, request, queryset):
        access = access_for(request.user)
        exported = ledger_file(
            access, year=None, unit=None, fmt="xlsx", headers="zh", calendar=load_work_calendar(),
            today=timezone.localdate(), ids=queryset.values_list("pk", flat=True),
        )
        audit.export("ledger", request=request, detail=exported.detail)
        response = HttpResponse(exported.content, content_type=exported.content_type)
        response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    # --- add and change forms ---

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
        fieldsets = [
            (_("受理与收到日期"), {"fields": registration}),
            (_("申请人"), {"fields": shown(APPLICANT_FIELDS)}),
            (_("申请内容"), {"fields": CONTENT_FIELDS}),
            (_("办理状态"), {"fields": self.STATE_FIELDS}),
        ]
        if obj.reasons_requested_on:
            fieldsets.append((_("第三十五条（要求说明理由、延迟答复）"), {"fields": self.ART35_FIELDS}))
        if obj.reconsideration_filed_on or obj.litigation_filed_on:
            fieldsets.append((_("行政复议与行政诉讼"), {"fields": self.PROCEEDING_FIELDS}))
        return fieldsets

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

    def response_post_save_add(self, request, obj):
        # After registering, the next step (review, correction, acceptance) is on the request's page.
        applicants.warn_of_earlier_requests(self, request, obj)
        return HttpResponseRedirect(self.change_url(obj))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context.update(self.request_panels(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def actions_for(self, access: Access, obj: DisclosureRequest) -> list[str]:
        """The buttons: actions valid in this state for the user's roles in the request's unit."""
        actions = access.actions_on(obj)
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

    @staticmethod
    def refusal(access: Access, obj: DisclosureRequest, action: str) -> str:
        """Why an action the page does not offer cannot be taken: 岗位分离, the role, or the state."""
        conflict = duty_conflict(action, access.user_id, obj.authors, obj.unit.rules)
        if conflict:
            return conflict
        if action in ROLE_ONLY_ACTIONS and not access.roles_in(obj.unit_id) & ACTION_ROLES[action]:
            return gettext("“%(action)s”须由本单位政府信息公开工作机构负责人办理。") % {"action": Action(action).label}
        return gettext("“%(action)s”不能在“%(status)s”状态下进行。") % {
            "action": Action(action).label, "status": obj.get_status_display()}

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
            "gk_summary_url": reverse("admin:%s_%s_summary" % info, args=[obj.pk]),
            "gk_applicant_id": mask_id_number(obj.applicant_id_number) if obj.applicant_id_number else "",
            "gk_overdue_days": -explanation["workdays_left"] if (explanation["workdays_left"] or 0) < 0 else 0,
            **self.letter_panel(request, obj),
            **intake_panel(obj),
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
                "<path:object_id>/summary/",
                wrap(self.summary_view),
                name="%s_%s_summary" % info,
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
        ] + self.letter_urls() + super().get_urls()

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
                self.message_user(request, self.refusal(access, obj, action), messages.ERROR)
            return HttpResponseRedirect(self.change_url(obj))
        if request.method == "POST":
            form = form_class(request.POST, req=obj, actor=request.user)
            if form.submit():
                self.message_user(
                    request,
                    gettext("已完成“%(action)s”：%(ref)s。") % {"action": Action(action).label, "ref": obj.ref},
                    messages.SUCCESS,
                )
                self.issue_with_step(request, obj, action)
                return HttpResponseRedirect(self.change_url(obj))
            if form.concurrent_change:
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
            # 文书: the letter this step tells someone with, issued with it when ticked (documents.admin)
            "gk_step_letter": STEP_LETTERS.get(action),
            "gk_step_letter_checked": (
                bool(request.POST.get("issue_letter")) if request.method == "POST" else action != Action.ARCHIVE
            ),
        }
        return TemplateResponse(request, self.action_form_template, context)

    # The 办理单 (case summary) to print and sign: the facts, the deadline, the timeline and the
    # sign-offs of 审核, 法制审核 and 签发, each with who and when. ID number and contact are masked:
    # paper leaves the system and its audit log.
    SIGN_OFFS = (
        (Action.ACCEPT, _("审核意见")),
        (Action.APPROVE_LEGAL_REVIEW, _("法制审核意见")),
        (Action.APPROVE_EXTENSION, _("延期审批")),
        (Action.REPLY, _("签发")),
    )

    def summary_view(self, request, object_id):
        obj = self.visible_or_404(request, object_id)
        today = timezone.localdate()
        events = list(obj.events.select_related("actor").order_by("at", "id"))
        latest = {}
        for event in events:
            latest[event.action] = event
        sign_offs = [
            {
                "label": label,
                "action": Action(action).label,
                "event": latest.get(action),
                "lines": event_data_lines(latest[action].data) if action in latest else [],
            }
            for action, label in self.SIGN_OFFS
        ]
        context = {  # a sheet of its own, without the admin's chrome (nor its sidebar's queries)
            "opts": self.opts,
            "original": obj,
            "title": gettext("政府信息公开申请办理单"),
            "gk_deadline": services.explain_deadline(obj, today),
            "gk_today": today,
            "gk_applicant_id": mask_id_number(obj.applicant_id_number) if obj.applicant_id_number else "",
            "gk_applicant_contact": mask_contact(obj.applicant_contact) if obj.applicant_contact else "",
            "gk_events": [
                {
                    "at": event.at,
                    "actor": event.actor,
                    "action": event_action_label(event.action),
                    "from": status_label(event.from_status),
                    "to": status_label(event.to_status),
                    "data": event_data_lines(event.data),
                }
                for event in events
            ],
            "gk_sign_offs": sign_offs,
            "change_url": self.change_url(obj),
        }
        return TemplateResponse(request, "admin/disclosure/disclosurerequest/summary.html", context)

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
            return attachment_response(attachment, request=request)
        except MissingFile:
            raise Http404(gettext("附件文件不存在。")) from None
