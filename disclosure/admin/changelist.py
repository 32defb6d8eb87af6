"""The request changelist: its filters and its per-page columns (deadline, working days left)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.db.models import Min
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..access import access_for, mask_id_number
from ..deadlines import workdays_left
from ..workcalendar import load_work_calendar
from ..workflow import Status


class OpenFilter(admin.SimpleListFilter):
    """办理情况: the list opens on the requests still being handled (未办结); 全部 is one click away.

    The default holds only for the plain list (sorted, paged, 我经办的 or a unit chosen): a link that
    names its requests (a report cell's ?id__in=…, a chosen 状态, a search, the board's filters) is taken
    as it is — whoever asks for 已归档 or for a reference wants it whatever this filter says."""

    PLAIN = frozenset({"o", "p", "mine", "unit", "e", "_changelist_filters"})

    title = _("办理情况")
    parameter_name = "state"
    ALL, CONCLUDED = "all", "concluded"

    def lookups(self, request, model_admin):
        return ((self.ALL, _("全部")), (self.CONCLUDED, _("已办结")))

    def choices(self, changelist):
        value = self.value()
        yield {
            "selected": value is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("未办结"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.CONCLUDED:
            return queryset.concluded()
        if value is None and set(request.GET) <= self.PLAIN:
            return queryset.open()
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("经办人")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return (("1", _("我经办的")), ("none", _("未指定经办人")))

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(handler_id=request.user.pk)
        if self.value() == "none":
            return queryset.filter(handler__isnull=True)
        return queryset


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

    @admin.display(description=_("经办人"), ordering="handler__username")
    def handler(self, obj):
        if obj.handler is None:
            return "—"
        return str(obj.handler)

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
