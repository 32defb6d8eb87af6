"""Admin for published reports (read-only), table 二 entry and imported reports (upload).

Who sees what is decided by disclosure.access (as for requests): everyone sees the reports of the
units they may see; table 二 is entered by staff acting in the unit (or admins); reports are
imported by admins and by supervisors over the unit."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from disclosure.access import access_for
from disclosure.models import Unit
from disclosure.spreadsheets import excerpt

from . import services
from . import tables as t
from .models import ImportedReport, PublishedReport, Table2Entry


class UnitScoped:
    """Rows of units the user may see (access.py); nothing else is listed or reachable."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(access_for(request.user).unit_filter("unit__"))

    def has_module_permission(self, request):
        access = access_for(request.user)
        return bool(access.is_admin or access.roles or access.supervised_paths)

    def has_view_permission(self, request, obj=None):
        access = access_for(request.user)
        if obj is not None:
            return access.can_see_unit(obj.unit)
        return self.has_module_permission(request)


@admin.register(PublishedReport)
class PublishedReportAdmin(UnitScoped, admin.ModelAdmin):
    """Frozen figures: nobody edits or deletes them; a revision goes through services.revise_report."""

    list_display = ("unit", "year", "edition", "revision", "is_superseded", "published_by", "published_at")
    list_filter = ("year", "edition", "is_superseded")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "published_by")
    readonly_fields = [f.name for f in PublishedReport._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def entry_units(user):
    """Units whose table 二 the user may enter: where they act (clerk, reviewer, head …), or all (admin)."""
    access = access_for(user)
    return Unit.objects.all() if access.is_admin else Unit.objects.filter(pk__in=access.acting_unit_ids)


def importable_units(user):
    """Units for which the user may import a submitted report: admins, and supervisors over the unit."""
    access = access_for(user)
    if access.is_admin:
        return Unit.objects.all()
    subtree = Q(pk__in=[])
    for path in access.supervised_paths:
        subtree |= Q(path__startswith=path)
    return Unit.objects.filter(subtree)


class Table2EntryForm(forms.ModelForm):
    class Meta:
        model = Table2Entry
        fields = ("unit", "year", "edition", "item", "column", "value")
        help_texts = {
            "edition": _("2019–2020年度用2019版，2021年度起用2021版。"),
            "value": _("件数、项目数填整数；采购总金额、收费金额以万元计，可带两位小数。"),
        }

    def clean(self):
        data = super().clean()
        year, edition = data.get("year"), data.get("edition")
        if year and edition and year >= t.FIRST_YEAR and t.edition_for(year) != edition:
            self.add_error(
                "edition", _("%(year)s年度应使用%(edition)s版格式。") % {"year": year, "edition": t.edition_for(year)}
            )
        return data


@admin.register(Table2Entry)
class Table2EntryAdmin(UnitScoped, admin.ModelAdmin):
    form = Table2EntryForm
    list_display = ("unit", "year", "edition", "item", "column", "value")
    list_filter = ("year", "edition", "item")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit",)
    ordering = ("-year", "unit__path", "item", "column")

    def _may_enter(self, request, obj=None):
        access = access_for(request.user)  # no query: the access is read once per request
        if obj is not None:
            return access.is_admin or obj.unit_id in access.acting_unit_ids
        return bool(access.is_admin or access.acting_unit_ids)

    def has_add_permission(self, request):
        return self._may_enter(request)

    def has_change_permission(self, request, obj=None):
        return self._may_enter(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_enter(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = entry_units(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ImportedReportForm(forms.ModelForm):
    upload = forms.FileField(
        label=_("报告文件"),
        help_text=_(
            "年度报告 JSON 文件（annual-report.md 格式），或统计格式的 XLSX（表三、表四，如本系统导出的文件）。"
        ),
    )

    class Meta:
        model = ImportedReport
        fields = ("unit",)

    def clean(self):
        data = super().clean()
        upload, unit = data.get("upload"), data.get("unit")
        if upload is None or unit is None:
            return data
        try:
            doc = services.load_report_file(upload, upload.name)
        except services.ReportError as exc:
            raise forms.ValidationError({"upload": str(exc)}) from exc
        shape = t.validate_document(doc) or t.check_shape(doc["table3"]["rows"], doc["table4"], doc["edition"])
        if shape:
            raise forms.ValidationError({"upload": [c["message"] for c in shape]})
        code = (doc.get("unit") or {}).get("code")
        if code and code != unit.code:
            raise forms.ValidationError(
                {"upload": _("文件中的单位编码“%(code)s”与所选单位“%(unit)s”不一致。")
                 % {"code": excerpt(code, 30), "unit": unit.code}}
            )
        upload.seek(0)
        self.document = doc
        return data


@admin.register(ImportedReport)
class ImportedReportAdmin(UnitScoped, admin.ModelAdmin):
    form = ImportedReportForm
    list_display = ("unit", "year", "edition", "check_summary", "imported_by", "imported_at")
    list_filter = ("year", "edition")
    search_fields = ("unit__name", "unit__code")
    list_select_related = ("unit", "imported_by")
    readonly_fields = ("year", "edition", "figures", "checks", "source", "imported_by", "imported_at")

    @admin.display(description=_("检查"))
    def check_summary(self, obj):
        failed = [c for c in obj.checks if not c["ok"]]
        if not failed:
            return _("全部通过")
        return "；".join(c["message"] for c in failed)

    def get_fields(self, request, obj=None):
        return ("unit", "upload") if obj is None else ("unit", "year", "edition", "checks", "figures", "source",
                                                       "imported_by", "imported_at")

    def has_add_permission(self, request):
        access = access_for(request.user)
        return bool(access.is_admin or access.supervised_paths)

    def has_change_permission(self, request, obj=None):
        return False  # a corrected file is imported again (it replaces the year's import)

    def has_delete_permission(self, request, obj=None):
        return obj is not None and importable_units(request.user).filter(pk=obj.unit_id).exists()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = importable_units(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Through the service (one writer); the form has already checked the file's shape.
        try:
            report = services.import_report(
                form.cleaned_data["unit"], form.document, actor=request.user, source=form.cleaned_data["upload"]
            )
        except services.ReportError as exc:  # pragma: no cover - the form checked the same rules
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk = report.pk
        obj.__dict__.update({k: v for k, v in report.__dict__.items() if not k.startswith("_")})
        failed = [c for c in report.checks if not c["ok"]]
        if failed:
            self.message_user(
                request,
                _("已导入，但有%(n)s项检查未通过：%(list)s")
                % {"n": len(failed), "list": "；".join(c["message"] for c in failed)},
                messages.WARNING,
            )
