"""文书 in the admin: the panel on a request's page (drafts, issue, issued documents, downloads,
PDF state and retry, reissue with a reason), the read-only list of issued documents, and each
unit's own templates (uploaded per kind, checked on upload, with the fields a template may use).

Every view goes through the request admin's visible_or_404 (another unit's request is 404) and
documents.services, which checks the role and writes; every download of an issued document is an
audit row and an event.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from disclosure.access import access_for
from disclosure.admin.access import NotFoundWhenInvisible, has_any_role
from disclosure.workflow import Action, WorkflowError

from . import render, services
from .context import TEMPLATE_FIELDS
from .kinds import Kind
from .models import Document, LetterTemplate

# The workflow steps that tell someone something, and the letter each one offers to issue with it
# (the reply's own form has its 同时出具答复书 field).
STEP_LETTERS = {
    Action.REQUEST_CORRECTION: Kind.CORRECTION_NOTICE,
    Action.START_CONSULTATION: Kind.CONSULTATION_LETTER,
    Action.APPROVE_EXTENSION: Kind.EXTENSION_NOTICE,
    Action.REQUEST_REASONS: Kind.REASONS_NOTICE,
    Action.SET_DELAYED_REPLY: Kind.DELAY_NOTICE,
    Action.ISSUE_FEE_NOTICE: Kind.FEE_NOTICE,
    Action.ARCHIVE: Kind.DELIVERY_RECEIPT,
}
PDF_STATE_LABELS = {"ready": _("已生成"), "pending": _("待生成"), "failed": _("失败")}


def file_response(letter: services.LetterFile, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(letter.data, content_type=letter.content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, letter.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class LetterViews:
    """Mixed into the request admin: the 文书 panel's context and its views."""

    def letter_url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def letter_panel(self, request, obj) -> dict:
        access = access_for(request.user)
        may_issue = access.is_admin or bool(access.roles_in(obj.unit_id) & services.ISSUE_ROLES)
        drafts = []
        for draft in services.drafts_available(obj):
            target = getattr(draft.target, "pk", "") or ""
            query = f"?target={target}" if target else ""
            drafts.append({
                "kind": draft.kind, "label": draft.label, "target": draft.target, "missing": draft.missing,
                "not_yet": draft.not_yet,
                "issued": draft.issued, "can_issue": draft.can_issue and may_issue,
                "txt": self.letter_url("letter_draft", obj.pk, draft.kind, "txt") + query,
                "docx": self.letter_url("letter_draft", obj.pk, draft.kind, "docx") + query,
                "pdf": self.letter_url("letter_draft", obj.pk, draft.kind, "pdf") + query,
                "issue_url": self.letter_url("letter_issue", obj.pk, draft.kind),
            })
        issued = []
        for doc in (
            Document.objects.filter(request=obj).select_related("issued_by", "replaces").order_by("issued_at", "pk")
        ):
            replaced = doc.replaced_by.exists()
            issued.append({
                "doc": doc, "replaced": replaced, "pdf_state": doc.pdf_state,
                "pdf_state_label": PDF_STATE_LABELS[doc.pdf_state],
                "docx": self.letter_url("letter_file", obj.pk, doc.pk, "docx"),
                "pdf": self.letter_url("letter_file", obj.pk, doc.pk, "pdf"),
                "retry_url": self.letter_url("letter_retry", obj.pk, doc.pk),
                "reissue_url": self.letter_url("letter_reissue", obj.pk, doc.pk),
                "can_reissue": may_issue and not replaced,
            })
        return {"gk_letters": {"drafts": drafts, "issued": issued, "may_issue": may_issue}}

    def letter_urls(self):
        info = self.opts.app_label, self.opts.model_name
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/letters/<str:kind>/draft/<str:fmt>/", wrap(self.letter_draft_view),
                 name="%s_%s_letter_draft" % info),
            path("<path:object_id>/letters/<str:kind>/issue/", wrap(require_POST(self.letter_issue_view)),
                 name="%s_%s_letter_issue" % info),
            path("<path:object_id>/letters/issued/<int:document_id>/retry/",
                 wrap(require_POST(self.letter_retry_view)), name="%s_%s_letter_retry" % info),
            path("<path:object_id>/letters/issued/<int:document_id>/reissue/",
                 wrap(require_POST(self.letter_reissue_view)), name="%s_%s_letter_reissue" % info),
            path("<path:object_id>/letters/issued/<int:document_id>/<str:fmt>/", wrap(self.letter_file_view),
                 name="%s_%s_letter_file" % info),
        ]

    def back_to_letters(self, obj):
        return HttpResponseRedirect(self.change_url(obj) + "#gk-letters")

    def letter_error(self, request, obj, exc: WorkflowError):
        self.message_user(request, str(exc.message), messages.ERROR)
        return self.back_to_letters(obj)

    def letter_draft_view(self, request, object_id, kind, fmt):
        """The draft from the record now (or, once issued, the issued document): txt is shown in the
        browser, DOCX and PDF downloaded. Nothing is numbered."""
        obj = self.visible_or_404(request, object_id)
        if kind not in Kind.values or fmt not in services.FORMATS:
            raise Http404(gettext("没有这种文书或格式。"))
        try:
            letter = services.draft_file(obj, kind, fmt, target=request.GET.get("target") or None)
        except WorkflowError as exc:
            return self.letter_error(request, obj, exc)
        return file_response(letter, inline=fmt == "txt")

    def letter_issue_view(self, request, object_id, kind):
        obj = self.visible_or_404(request, object_id)
        if kind not in Kind.values:
            raise Http404(gettext("没有这种文书。"))
        if not access_for(request.user).can_act_on_unit(obj.unit_id):
            raise PermissionDenied
        try:
            document = services.issue_document(obj, kind, actor=request.user, target=request.POST.get("target") or None)
        except WorkflowError as exc:
            return self.letter_error(request, obj, exc)
        self.message_user(request, gettext("已出具“%(kind)s”，文号：%(number)s。PDF 正在后台生成。")
                          % {"kind": document.get_kind_display(), "number": document.number}, messages.SUCCESS)
        return self.back_to_letters(obj)

    def issued_or_404(self, obj, document_id) -> Document:
        document = Document.objects.filter(request=obj, pk=document_id).first()
        if document is None:
            raise Http404(gettext("没有找到该文书。"))
        return document

    def letter_file_view(self, request, object_id, document_id, fmt):
        obj = self.visible_or_404(request, object_id)
        document = self.issued_or_404(obj, document_id)
        if fmt not in ("docx", "pdf"):
            raise Http404(gettext("没有这种格式。"))
        try:
            letter = services.issued_file(document, fmt)
        except WorkflowError as exc:
            return self.letter_error(request, obj, exc)
        services.record_download(document, fmt, request=request)
        return file_response(letter)

    def letter_retry_view(self, request, object_id, document_id):
        obj = self.visible_or_404(request, object_id)
        document = self.issued_or_404(obj, document_id)
        if not access_for(request.user).can_act_on_unit(obj.unit_id):
            raise PermissionDenied
        try:
            queued = services.retry_pdf(document, actor=request.user)
        except WorkflowError as exc:
            return self.letter_error(request, obj, exc)
        if queued:
            self.message_user(request, gettext("已重新提交 PDF 生成：%(number)s。") % {"number": document.number},
                              messages.SUCCESS)
        else:
            self.message_user(request, gettext("后台任务服务暂不可用，请稍后重试。"), messages.ERROR)
        return self.back_to_letters(obj)

    def letter_reissue_view(self, request, object_id, document_id):
        obj = self.visible_or_404(request, object_id)
        document = self.issued_or_404(obj, document_id)
        if not access_for(request.user).can_act_on_unit(obj.unit_id):
            raise PermissionDenied
        try:
            new = services.reissue_document(document, actor=request.user, reason=request.POST.get("reason", ""))
        except WorkflowError as exc:
            return self.letter_error(request, obj, exc)
        self.message_user(request, gettext("已重新出具，新文号：%(number)s（替代 %(old)s）。")
                          % {"number": new.number, "old": document.number}, messages.SUCCESS)
        return self.back_to_letters(obj)

    def issue_with_step(self, request, obj, action: str) -> None:
        """After a step whose form had 同时出具 ticked: issue its letter. The step stays done whatever
        happens; a letter that cannot be issued is said, and can be issued from the panel later."""
        if action == Action.REPLY:  # the sign-off issued its 答复书 itself (documents.services.sign_reply)
            reply = services.live_document(obj, Kind.REPLY)
            if reply is not None and request.POST.get("issue_letter"):
                self.message_user(request, gettext("已出具“%(kind)s”，文号：%(number)s。")
                                  % {"kind": reply.get_kind_display(), "number": reply.number}, messages.SUCCESS)
            return
        kind = STEP_LETTERS.get(action)
        if kind is None or not request.POST.get("issue_letter"):
            return
        obj.refresh_from_db()
        try:
            document = services.issue_document(obj, kind, actor=request.user)
        except WorkflowError as exc:
            self.message_user(request, gettext("文书未出具：%(error)s（可在“文书”栏补全后出具）")
                              % {"error": exc.message}, messages.WARNING)
            return
        self.message_user(request, gettext("已出具“%(kind)s”，文号：%(number)s。")
                          % {"kind": document.get_kind_display(), "number": document.number}, messages.SUCCESS)


# --- the issued documents, read-only -------------------------------------------------------------


@admin.register(Document)
class DocumentAdmin(NotFoundWhenInvisible, admin.ModelAdmin):
    list_display = ("number", "kind", "request", "unit", "addressee", "dated_on", "issued_by", "issued_at")
    list_filter = ("kind", "dated_on")
    search_fields = ("number", "request__ref", "verification_code")
    list_select_related = ("request", "unit", "issued_by")
    fields = ("kind", "number", "request", "unit", "addressee", "dated_on", "issued_by", "issued_at",
              "docx_sha256", "pdf_sha256", "pdf_error", "replaces", "reissue_reason", "verification_code")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter("request__unit__"))

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        return has_any_role(access_for(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- each unit's own templates -------------------------------------------------------------------


class LetterTemplateForm(forms.ModelForm):
    upload = forms.FileField(label=_("DOCX 模板"), required=True,
                             help_text=_("Word 文档（.docx），在需要填入内容处写 {{ 字段名 }}，字段见下方列表。"))

    class Meta:
        model = LetterTemplate
        fields = ("unit", "kind")

    MAX_BYTES = 5 * 1024 * 1024

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        kind = cleaned.get("kind")
        if upload is None or not kind:
            return cleaned
        if upload.size > self.MAX_BYTES:
            self.add_error("upload", _("模板文件不能超过 5 MB。"))
            return cleaned
        data = upload.read()
        problems = render.check_template(kind, data)
        for problem in problems:
            self.add_error("upload", problem)
        if not problems:
            self.instance.data = data
            self.instance.sha256 = render.sha256(data)
            self.instance.name = upload.name[:200]
        return cleaned


@admin.register(LetterTemplate)
class LetterTemplateAdmin(NotFoundWhenInvisible, admin.ModelAdmin):
    """A unit's administrator (the system admin, who alone configures units) uploads a DOCX per kind."""

    form = LetterTemplateForm
    list_display = ("unit", "kind", "name", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    list_select_related = ("unit", "uploaded_by")
    readonly_fields = ("field_list", "sha256", "name", "uploaded_by", "uploaded_at")

    def get_fields(self, request, obj=None):
        return ("unit", "kind", "upload", "field_list") + (
            ("name", "sha256", "uploaded_by", "uploaded_at") if obj else ()
        )

    @admin.display(description=_("模板可用的字段"))
    def field_list(self, obj=None):
        return format_html_join(
            "", '<div class="gk-field"><code>{{{{ {} }}}}</code>　{}</div>',
            ((name, label) for name, label in TEMPLATE_FIELDS.items()),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter("unit__"))

    def save_model(self, request, obj, form, change):
        obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request):
        return has_any_role(access_for(request.user))

    def has_view_permission(self, request, obj=None):
        return has_any_role(access_for(request.user))

    def has_add_permission(self, request):
        return access_for(request.user).is_admin

    def has_change_permission(self, request, obj=None):
        return access_for(request.user).is_admin

    def has_delete_permission(self, request, obj=None):
        return access_for(request.user).is_admin
