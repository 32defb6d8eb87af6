"""导入台账 / 导出台账: the ledger commands (ledger.md) as two pages reached from the request list.

Import is for system admins (it does not check unit permissions, as the command does not); the
export gives anyone with a role the requests of the units they see, ID numbers and contacts in full
only where they may reveal them, and records the export in the audit log. The work is the ledger
package's, the same functions the commands call, so the figures are the commands'.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from security import audit

from .. import tasks
from ..access import Access, access_for
from ..ledger import EXPORT_YEARS, LedgerFileError, LedgerInvalid, jobs, ledger_download
from ..ledger.upload import MAX_UPLOAD_BYTES, ImportKind
from ..models import LedgerImport
from ..workcalendar import load_work_calendar
from .access import has_any_role


class LedgerImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("导入内容"), choices=ImportKind.choices, initial=ImportKind.LEDGER)
    file = forms.FileField(
        label=_("文件"), error_messages={"required": _("请选择要导入的文件。"), "empty": _("文件是空的。")}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext(
            "CSV（UTF-8，可带 BOM）或 XLSX，格式见台账规范；上限 %(mb)d MB，"
            "大于 %(inline)s 的文件在后台导入并显示进度。"
            "全部行无误才导入，重复导入不会重复登记。"
        ) % {
            "mb": MAX_UPLOAD_BYTES // (1024 * 1024),
            "inline": filesizeformat(settings.GONGKAI_LEDGER_INLINE_MAX_BYTES),
        }


class LedgerExportForm(forms.Form):
    year = forms.IntegerField(
        label=_("年度"), required=False, min_value=EXPORT_YEARS[0], max_value=EXPORT_YEARS[1],
        help_text=_("该年收到的申请，以及此前收到、该年1月1日仍未办结的申请；留空导出全部年度。"),
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), _("请填写四位数字的年份，例如 2026。")),
    )
    unit = forms.ModelChoiceField(
        label=_("单位"), required=False, queryset=None, empty_label=_("全部可查看的单位"),
        help_text=_("该单位及其下级单位中您可查看的申请。"),
        error_messages={"invalid_choice": _("该单位不存在，或不在您可查看的范围内。")},
    )
    format = forms.ChoiceField(
        label=_("格式"), choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("json", "JSON")], initial="csv",
        error_messages={"invalid_choice": _("请选择 CSV、XLSX 或 JSON。")},
    )
    headers = forms.ChoiceField(
        label=_("表头"), choices=[("zh", _("中文表头")), ("en", _("英文键"))], initial="zh",
        help_text=_("CSV、XLSX 的表头；JSON 总以英文键为键名。"),
        error_messages={"invalid_choice": _("请选择中文表头或英文键。")},
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = access.visible_units().order_by("path")


class LedgerViews:
    """The two pages, on the request admin's URLs (…/disclosurerequest/ledger/import/, …/export/)."""

    ledger_form_template = "admin/disclosure/ledger_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("ledger/import/", wrap(self.ledger_import_view), name="disclosure_disclosurerequest_ledger_import"),
            path(
                "ledger/import/<int:job_id>/", wrap(self.ledger_job_view),
                name="disclosure_disclosurerequest_ledger_job",
            ),
            path("ledger/export/", wrap(self.ledger_export_view), name="disclosure_disclosurerequest_ledger_export"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        access = access_for(request.user)
        tools = {"gk_ledger_import": access.is_admin, "gk_ledger_export": has_any_role(access)}
        return super().changelist_view(request, {**tools, **(extra_context or {})})

    def _ledger_page(self, request, title, *, template=None, **extra):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "has_view_permission": True,
            **extra,
        }
        return TemplateResponse(request, template or self.ledger_form_template, context)

    def ledger_import_view(self, request):
        if not access_for(request.user).is_admin:
            raise PermissionDenied
        errors = None
        if request.method == "POST":
            form = LedgerImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    imported = jobs.import_or_queue(form.cleaned_data["kind"], form.cleaned_data["file"],
                                                    actor=request.user, queue=tasks.queue_ledger_import)
                except LedgerFileError as exc:
                    form.add_error("file", str(exc))
                except LedgerInvalid as exc:
                    errors = exc.errors
                else:
                    if isinstance(imported, LedgerImport):  # a large file: its job page follows the worker
                        return HttpResponseRedirect(
                            reverse("admin:disclosure_disclosurerequest_ledger_job", args=[imported.pk]))
                    audit.imported(imported.kind, request=request, detail=imported.detail)
                    self.message_user(request, imported.message, messages.SUCCESS)
                    return HttpResponseRedirect(request.path)
        else:
            form = LedgerImportForm()
        return self._ledger_page(
            request, gettext("导入台账"), form=form, submit_label=gettext("导入"), multipart=True, row_errors=errors,
            row_errors_summary=gettext("未导入任何数据：发现 %(n)d 处错误。") % {"n": len(errors)} if errors else "",
            recent_jobs=LedgerImport.objects.select_related("requested_by")[:10],
        )

    def ledger_job_view(self, request, job_id):
        """A background import: its progress (the page reloads itself until the job ends), then its outcome."""
        if not access_for(request.user).is_admin:
            raise PermissionDenied
        job = get_object_or_404(LedgerImport.objects.select_related("requested_by"), pk=job_id)
        return self._ledger_page(
            request, gettext("导入台账") + " · " + job.file_name, template="admin/disclosure/ledger_job.html",
            job=job, result=jobs.result_message(job) if job.finished else "",
            import_url=reverse("admin:disclosure_disclosurerequest_ledger_import"),
        )

    def ledger_export_view(self, request):
        access = access_for(request.user)
        if not has_any_role(access):
            raise PermissionDenied
        if request.method == "POST":
            form = LedgerExportForm(request.POST, access=access)
            if form.is_valid():
                data = form.cleaned_data
                exported = ledger_download(
                    access, year=data["year"], unit=data["unit"], fmt=data["format"], headers=data["headers"],
                    calendar=load_work_calendar(), today=timezone.localdate(),
                )
                audit.export("ledger", request=request, detail=exported.detail)
                # rows as they come
                response = StreamingHttpResponse(exported.chunks, content_type=exported.content_type)
                response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
                response["X-Content-Type-Options"] = "nosniff"
                return response
        else:
            form = LedgerExportForm(access=access)
        return self._ledger_page(request, gettext("导出台账"), form=form, submit_label=gettext("导出"))
