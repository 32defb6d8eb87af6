"""Loading the working-day calendar: from the chinesecalendar package, or from an uploaded CSV."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..uploads import sanitise_filename
from ..workcalendar import CalendarCSVError, decode_calendar_csv, load_from_csv, load_from_package, package_years


class CalendarPackageForm(forms.Form):
    years = forms.CharField(
        label=_("年度"),
        required=False,
        help_text=_("多个年度用逗号分隔，例如“2025,2026”；留空载入 chinesecalendar 包含的全部年度。"),
    )

    def clean_years(self):
        text = self.cleaned_data["years"].replace("，", ",")
        if not text.strip():
            return []
        available = set(package_years())
        years = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit():
                raise forms.ValidationError(_("“%(value)s”不是年度。") % {"value": part})
            year = int(part)
            if year not in available:
                raise forms.ValidationError(
                    _("chinesecalendar 中没有%(year)d年的放假安排（现有%(first)d—%(last)d年）。")
                    % {"year": year, "first": min(available), "last": max(available)}
                )
            years.append(year)
        return years

    def load(self) -> list[int]:
        return load_from_package(self.cleaned_data["years"] or None)


class CalendarCSVForm(forms.Form):
    file = forms.FileField(
        label=_("CSV 文件"),
        help_text=_("表头为 date,is_workday,note（或 日期,是否工作日,说明）；每个出现的年度整体替换。"),
    )

    MAX_BYTES = 1024 * 1024

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("CSV 文件不能超过 1 MB。"))
        try:
            self.text = decode_calendar_csv(upload.read())
        except CalendarCSVError as exc:
            raise forms.ValidationError(exc.errors) from None
        return upload

    def load(self) -> list[int] | None:
        """Load the file; None with one error per bad row when it is refused (nothing is stored)."""
        try:
            return load_from_csv(self.text, source=f"CSV：{sanitise_filename(self.cleaned_data['file'].name)}")
        except CalendarCSVError as exc:
            for message in exc.errors:
                self.add_error("file", message)
            return None
