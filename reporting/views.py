"""The annual report in the admin: the report page (tables, charts, 同比, checks, frozen vs live,
publish / revise, downloads, the text of 一/五/六), the drill-down list of a cell, a district's overview
and the periodic statistics. Thin: parse input, check access (disclosure.access), call reporting.services.

Every page is behind admin_view (reporting/urls.py); a unit the user may not see is a 404.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosure.access import access_for
from disclosure.models import Unit
from disclosure.periods import Period
from documents.pdf import PdfFailed, PdfUnavailable
from security import audit

from . import exports, narrative, periodic, services
from . import tables as t
from .models import ReportText
from .permissions import may_edit_text, may_publish

CHANGELIST_LIMIT = 200

class ReportForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("单位"), queryset=Unit.objects.none(), empty_label=None)
    year = forms.IntegerField(label=gettext_lazy("报告年度"), min_value=t.FIRST_YEAR)
    edition = forms.ChoiceField(
        label=gettext_lazy("格式版本"), required=False,
        choices=[("", gettext_lazy("按年度（2019–2020年2019版，2021年起2021版）")), *((e, e) for e in t.EDITIONS)],
    )

    def __init__(self, data, *, units, today: date):
        super().__init__(data)
        self.fields["unit"].queryset = units
        self.today = today

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > self.today.year:
            raise forms.ValidationError(_("报告年度不能晚于今年（%(y)s年）。") % {"y": self.today.year})
        return year


def _units(request):
    return access_for(request.user).visible_units().order_by("path")


def _selection(request, data=None):
    """(form, unit, year, edition) from the query string; the first visible unit and last year by default.
    A unit id the user may not see is not among the choices: the form says so (never another unit)."""
    today = timezone.localdate()
    units = _units(request)
    data = (data or request.GET).copy()
    code = data.get("unit", "")
    if code and not code.isdigit():  # ?unit=jindong: the unit code as well as the id
        match = units.filter(code__iexact=code).values_list("pk", flat=True).first()
        if match is not None:
            data["unit"] = str(match)  # a code the user may not see stays unknown: the form says so
    if not data.get("unit"):
        first = units.first()
        if first is None:
            raise Http404(_("没有可查看的单位。"))
        data["unit"] = str(first.pk)
    data.setdefault("year", str(max(today.year - 1, t.FIRST_YEAR)))
    form = ReportForm(data, units=units, today=today)
    if not form.is_valid():
        return form, None, None, None
    return form, form.cleaned_data["unit"], form.cleaned_data["year"], form.cleaned_data["edition"] or None


def _query(unit, year, edition, **extra) -> str:
    params = {"unit": unit.pk, "year": year, **({"edition": edition} if edition else {}), **extra}
    return urlencode(params)


def _context(request, **kwargs):
    return {**admin.site.each_context(request), **kwargs}


def report_page(request):
    form, unit, year, edition = _selection(request)
    ctx = _context(request, title=_("政府信息公开工作年度报告"), form=form)
    if unit is None:
        return TemplateResponse(request, "reporting/report.html", ctx)
    access = access_for(request.user)
    published = services.published_report(unit, year)
    if published is not None and edition is None:
        edition = published.edition
    other_edition = published if published is not None and published.edition != edition else None
    if other_edition is not None:  # frozen figures of another edition do not compare row by row
        published = None
    try:
        # The page speaks the reader's language (check messages, the table-四 note); the files and the
        # published figures come from compile_report itself, which always compiles in Chinese.
        doc = services.compile_report.__wrapped__(unit, year, edition, list_overdue=20)
    except t.UnsupportedYear as exc:
        form.add_error("year", str(exc))
        return TemplateResponse(request, "reporting/report.html", ctx)
    words = narrative.report_context(unit, doc)
    shown = published.figures if published is not None else doc
    diffs = services.differences(published.figures, doc) if published is not None else []
    live = {(d["table"], d["row"], d["column"]): d["live"] for d in diffs}
    base = reverse("reporting:cell")

    def link(key):
        table, row, col = key
        return f"{base}?{_query(unit, year, doc['edition'], table=table, row=row, col=col)}"

    grids = {g.code: g for g in exports.table_grids(shown)}
    new = doc["table3"]["rows"]["new"][-1]
    ctx.update(
        unit=unit, year=year, doc=doc, published=published, diffs=diffs, other_edition=other_edition,
        diff_rows=[_diff_label(d) for d in diffs],
        table2=exports.grid_html(grids["table2"]),
        table3=exports.grid_html(grids["table3"], link, live),
        table4=exports.grid_html(grids["table4"], link, live),
        table4_note=grids["table4"].note,
        charts=[exports.chart_svg(c) for c in narrative.charts(doc)],
        new=new, previous_new=words.previous_new, change=narrative.change_text(new, words.previous_new),
        overview_text=narrative.draft_overview(doc, words),
        checks=doc["checks"], has_errors=t.has_errors(doc["checks"]),
        may_publish=may_publish(access, unit), may_edit_text=may_edit_text(access, unit),
        texts={s: words.texts.get(s, "") for s, _label in ReportText.Section.choices},
        text_sections=ReportText.Section.choices,
        query=_query(unit, year, edition), formats=["xlsx", "docx", "pdf", "html", "csv", "json"],
        has_children=unit.children.exists(),
    )
    return TemplateResponse(request, "reporting/report.html", ctx)


def _diff_label(d: dict) -> dict:
    if d["table"] == "table3":
        row = next((lbl for e in t.EDITIONS for c, lbl in t.ROW_LABELS[e].items() if c == d["row"]), d["row"])
        col = t.COLUMN_LABELS[d["column"]]
    else:
        row, col = t.TABLE4_GROUP_LABELS[d["row"]], t.TABLE4_COLUMN_LABELS[d["column"]]
    return {**d, "row_label": _(row), "column_label": _(col)}


def _post_only(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


def _back(unit, year, edition):
    return redirect(f"{reverse('reporting:report')}?{_query(unit, year, edition)}")


def publish(request):
    """发布 (or 修订 when `reason` is posted): through reporting.services; errors are shown, nothing saved."""
    refused = _post_only(request)
    if refused:
        return refused
    _form, unit, year, edition = _selection(request, request.POST)
    if unit is None:
        raise Http404(_("单位或年度无效。"))
    if not may_publish(access_for(request.user), unit):
        messages.error(request, _("只有本单位负责人或系统管理员可以发布、修订年度报告。"))
        return _back(unit, year, edition)
    try:
        if request.POST.get("action") == "revise":
            report = services.revise_report(
                unit, year, actor=request.user, reason=request.POST.get("reason", ""), edition=edition
            )
            messages.success(request, _("已修订（第%(n)s次修订），原版本已保留。") % {"n": report.revision})
        else:
            services.publish_report(unit, year, actor=request.user, edition=edition)
            messages.success(request, _("年度报告已发布，数据已固定。"))
    except services.ReportError as exc:
        messages.error(request, exc.message)
    except t.UnsupportedYear as exc:
        messages.error(request, str(exc))
    return _back(unit, year, edition)


def save_texts(request):
    refused = _post_only(request)
    if refused:
        return refused
    _form, unit, year, edition = _selection(request, request.POST)
    if unit is None:
        raise Http404(_("单位或年度无效。"))
    if not may_edit_text(access_for(request.user), unit):
        messages.error(request, _("只有本单位工作人员或报告编制人可以编辑报告正文。"))
        return _back(unit, year, edition)
    for section, _label in ReportText.Section.choices:
        key = f"text_{section}"
        if key in request.POST:
            ReportText.objects.update_or_create(
                unit=unit, year=year, section=section,
                defaults={"text": request.POST[key].strip(), "updated_by": request.user},
            )
    messages.success(request, _("报告正文已保存。"))
    return _back(unit, year, edition)


def download(request):
    _form, unit, year, edition = _selection(request)
    fmt = request.GET.get("format", "")
    renderers = exports.RENDERERS
    if unit is None or fmt not in renderers:
        raise Http404(_("单位、年度或格式无效。"))
    published = services.published_report(unit, year)
    live_doc = None
    if published is not None and request.GET.get("figures") != "live":
        doc = published.figures  # the published report is what was published
    else:
        doc = live_doc = services.compile_report(unit, year, edition, list_overdue=20)
    try:
        data = (renderers[fmt](doc, narrative.report_context(unit, doc)) if fmt in exports.WITH_TEXT
                else renderers[fmt](doc))
    except (PdfUnavailable, PdfFailed) as exc:  # no LibreOffice here, or the conversion failed
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    audit.export("report", request=request, detail={"unit": unit.code, "year": year, "format": fmt,
                                                    "figures": "published" if doc is not live_doc else "live"})
    response = HttpResponse(data, content_type=exports.CONTENT_TYPES[fmt])
    filename = f"{unit.code}-{year}-annual-report.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def cell_requests(request):
    """The requests one cell of table 三 or 四 counts (the compile's own filters), among those the user
    may see — never another unit's."""
    _form, unit, year, edition = _selection(request)
    table, row, col = request.GET.get("table"), request.GET.get("row", ""), request.GET.get("col", "")
    if unit is None:
        raise Http404(_("单位或年度无效。"))
    try:
        if table == "table3":
            qs = services.requests_for_cell(unit, year, row, col, edition)
            edition_used = t.edition_for(year, edition)
            label = f"{_(t.ROW_LABELS[edition_used].get(row, row))} · {_(t.COLUMN_LABELS.get(col, col))}"
        elif table == "table4":
            qs = services.requests_for_table4_cell(unit, year, row, col)
            label = f"{_(t.TABLE4_GROUP_LABELS.get(row, row))} · {_(t.TABLE4_COLUMN_LABELS.get(col, col))}"
        else:
            raise ValueError(table)
    except (ValueError, KeyError) as exc:
        raise Http404(_("没有这个单元格。")) from exc
    qs = access_for(request.user).visible_requests(qs).select_related("unit").order_by("received_on", "pk")
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    changelist = None
    if page.paginator.count <= CHANGELIST_LIMIT:  # the ids fit in a URL: offer the requests' own list too
        ids = ",".join(str(pk) for pk in qs.values_list("pk", flat=True))
        changelist = f"{reverse('admin:disclosure_disclosurerequest_changelist')}?{urlencode({'id__in': ids})}"
    ctx = _context(
        request, title=_("单元格明细：%(label)s") % {"label": label}, unit=unit, year=year, page=page,
        changelist=changelist,
        back=f"{reverse('reporting:report')}?{_query(unit, year, edition)}",
        query=_query(unit, year, edition, table=table, row=row, col=col),
    )
    return TemplateResponse(request, "reporting/cell.html", ctx)


def overview(request):
    """A district's children: figures, check results, published or not."""
    form, unit, year, edition = _selection(request)
    ctx = _context(request, title=_("下级单位年度报告汇总"), form=form)
    if unit is not None:
        members = services.overview(unit, year, edition)
        for m in members:
            m["failed"] = [c for c in m["checks"] if not c["ok"]]
            rows = m["table3"]
            m["figures"] = {k: rows[k][-1] for k in ("new", "carried_in", "total", "carried_out")}
        visible = dict(
            _units(request).filter(code__in=[m["unit"]["code"] for m in members]).values_list("code", "pk")
        )
        for m in members:
            pk = visible.get(m["unit"]["code"])
            m["report_url"] = f"{reverse('reporting:report')}?{urlencode({'unit': pk, 'year': year})}" if pk else None
        ctx.update(unit=unit, year=year, members=members, query=_query(unit, year, edition))
    return TemplateResponse(request, "reporting/overview.html", ctx)


class PeriodForm(forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("单位"), queryset=Unit.objects.none(), empty_label=None)
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("截止日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return data


def statistics(request):
    """月月通报: any date range, the unit's own cases and each child unit."""
    units = _units(request)
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("unit") and units.first() is not None:
        data["unit"] = str(units.first().pk)
    data.setdefault("start", today.replace(day=1).isoformat())
    data.setdefault("end", today.isoformat())
    form = PeriodForm(data)
    form.fields["unit"].queryset = units
    ctx = _context(request, title=_("依申请公开统计（任意时段）"), form=form, groups=narrative.OUTCOME_GROUPS)
    if form.is_valid():
        rows = periodic.period_statistics(
            form.cleaned_data["unit"], Period.between(form.cleaned_data["start"], form.cleaned_data["end"])
        )
        for r in rows:
            r["group_counts"] = [r["figures"][code] for code, _label in narrative.OUTCOME_GROUPS]
        ctx.update(rows=rows, unit=form.cleaned_data["unit"])
    return TemplateResponse(request, "reporting/statistics.html", ctx)
