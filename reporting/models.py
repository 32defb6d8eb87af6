"""Published (frozen) reports, table 二 entries, and reports imported for units outside Gongkai."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disclosure.models import Unit

from . import tables as t

EDITION_CHOICES = [
    (t.EDITION_2019, _("2019版（国办公开办函〔2019〕60号）")),
    (t.EDITION_2021, _("2021版（国办公开办函〔2021〕30号）")),
]
_ITEMS, _COLUMNS = t.table2_choices()


class PublishedReport(models.Model):
    """A report as published: its figures frozen with who and when. A revision (修订) adds a row and
    marks the previous one superseded; nothing is ever overwritten."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="published_reports")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    edition = models.CharField(_("格式版本"), max_length=4, choices=EDITION_CHOICES)
    figures = models.JSONField(_("发布时的数据"))
    revision = models.PositiveSmallIntegerField(_("修订号"), default=0, help_text=_("0 为首次发布。"))
    reason = models.TextField(_("修订理由"), blank=True)
    is_superseded = models.BooleanField(_("已被修订取代"), default=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("已发布的年度报告")
        verbose_name_plural = pgettext_lazy("plural", "已发布的年度报告")
        ordering = ["-year", "unit__path", "-revision"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "revision"], name="published_report_revision_unique"),
            models.UniqueConstraint(
                fields=["unit", "year"], condition=Q(is_superseded=False), name="published_report_one_current"
            ),
            models.CheckConstraint(condition=Q(revision=0) | ~Q(reason=""), name="published_report_revision_reason"),
        ]

    def __str__(self):
        suffix = _("（修订%(n)s）") % {"n": self.revision} if self.revision else ""
        return f"{self.unit} {self.year}{suffix}"


class Table2Entry(models.Model):
    """One cell of table 二 (主动公开) for a unit and year, as entered. A parent's table is the sum of
    its units' tables unless cells are entered for the parent directly."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="table2_entries")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    edition = models.CharField(_("格式版本"), max_length=4, choices=EDITION_CHOICES)
    item = models.CharField(_("信息内容"), max_length=32, choices=_ITEMS)
    column = models.CharField(_("栏目"), max_length=32, choices=_COLUMNS)
    value = models.DecimalField(_("数值"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("主动公开情况（表二）")
        verbose_name_plural = pgettext_lazy("plural", "主动公开情况（表二）")
        ordering = ["-year", "unit__path", "item", "column"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "edition", "item", "column"], name="table2_entry_unique")
        ]

    def __str__(self):
        return f"{self.unit} {self.year} {self.get_item_display()}·{self.get_column_display()}"

    def clean(self):
        if self.year and self.year < t.FIRST_YEAR:
            raise ValidationError({"year": _("报告年度应为2019年或以后。")})
        if self.edition and self.item and self.column:
            if (self.item, self.column) not in t.table2_cells(self.edition):
                raise ValidationError(
                    {"column": _("%(edition)s版格式的表二中，“%(item)s”没有“%(column)s”这一栏。")
                     % {"edition": self.edition, "item": self.get_item_display(), "column": self.get_column_display()}}
                )
        if self.value is not None and self.value != self.value.to_integral_value():
            money = {("procurement", "procurement_amount"), ("fees", "fee_amount")}
            if (self.item, self.column) not in money:
                raise ValidationError({"value": _("该栏为件数或项目数，应为整数。")})


def imported_report_path(instance, filename):
    return f"imported_reports/{instance.year}/{instance.unit.code}/{filename}"


class ImportedReport(models.Model):
    """Tables 三/四 (and 二) of a unit that does not keep its cases in Gongkai, from a JSON file in the
    annual-report.md shape or an XLSX in the statutory layout. They cover the unit and everything
    below it, go through the same checks, and take part in the roll-up instead of its cases."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="imported_reports")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    edition = models.CharField(_("格式版本"), max_length=4, choices=EDITION_CHOICES)
    figures = models.JSONField(_("导入的数据"))
    checks = models.JSONField(_("检查结果"), default=list)
    source = models.FileField(_("文件"), upload_to=imported_report_path, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("导入的年度报告")
        verbose_name_plural = pgettext_lazy("plural", "导入的年度报告")
        ordering = ["-year", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="imported_report_unique")]

    def __str__(self):
        return f"{self.unit} {self.year}"

    @property
    def has_errors(self) -> bool:
        return t.has_errors(self.checks)


class ReportText(models.Model):
    """Staff-edited text of a report's sections 一 (the opening before the generated figures), 五 and 六,
    per unit and year; the exports put it around the figures compiled from the cases."""

    class Section(models.TextChoices):
        OVERVIEW = "1", _("一、总体情况（概述）")
        PROBLEMS = "5", _("五、存在的主要问题及改进情况")
        OTHER = "6", _("六、其他需要报告的事项")

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="report_texts")
    year = models.PositiveSmallIntegerField(_("报告年度"))
    section = models.CharField(_("部分"), max_length=1, choices=Section.choices)
    text = models.TextField(_("正文"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("修改人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度报告正文")
        verbose_name_plural = pgettext_lazy("plural", "年度报告正文")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "section"], name="report_text_unique")]

    def __str__(self):
        return f"{self.unit} {self.year} {self.get_section_display()}"
