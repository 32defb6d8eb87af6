"""The working-day calendar in the database (its models), loaded for the pure core, seeded from
chinesecalendar or a CSV.

The database is the truth (staff edit it in the admin); the pinned `chinesecalendar` package and
CSV files of the State Council's notice are ways to fill it.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import chinese_calendar
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from .deadlines import WorkCalendar
from .spreadsheets import SheetRefused, decode_csv, excerpt

CHINESECALENDAR_SOURCE = "chinesecalendar"


class CalendarYear(models.Model):
    """A year whose official holiday schedule (国务院办公厅放假安排) is loaded."""

    year = models.PositiveSmallIntegerField(gettext_lazy("年度"), unique=True)
    source = models.CharField(gettext_lazy("来源"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(gettext_lazy("载入时间"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("已载入的年度放假安排")
        verbose_name_plural = pgettext_lazy("plural", "已载入的年度放假安排")
        ordering = ["year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """A day that differs from Monday–Friday: a holiday on a weekday or a make-up working day."""

    date = models.DateField(gettext_lazy("日期"), unique=True)
    is_workday = models.BooleanField(
        gettext_lazy("是否工作日"), help_text=gettext_lazy("勾选：调休上班日；不勾选：放假日。")
    )
    note = models.CharField(gettext_lazy("说明"), max_length=100, blank=True)
    source = models.CharField(gettext_lazy("来源"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("节假日与调休")
        verbose_name_plural = pgettext_lazy("plural", "节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.note}"


def load_work_calendar() -> WorkCalendar:
    """The calendar as the pure core takes it: two queries."""
    holidays, workdays = set(), set()
    for day, is_workday in CalendarDay.objects.values_list("date", "is_workday"):
        (workdays if is_workday else holidays).add(day)
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return WorkCalendar(holidays=frozenset(holidays), extra_workdays=frozenset(workdays), known_years=years)


def package_days(year: int) -> list[tuple[date, bool, str]]:
    """(date, is_workday, note) for the holidays and make-up days chinesecalendar has for `year`."""
    days = []
    for day, name in chinese_calendar.holidays.items():
        if day.year == year:
            days.append((day, False, _holiday_name(name)))
    for day, name in chinese_calendar.workdays.items():
        if day.year == year:
            days.append((day, True, _holiday_name(name) + "调休上班"))
    return sorted(days)


def package_years() -> list[int]:
    return sorted({d.year for d in chinese_calendar.holidays})


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_name(name) -> str:
    text = getattr(name, "value", name)
    if isinstance(text, tuple):
        text = text[0]
    return HOLIDAY_NAMES.get(str(text), str(text))


@transaction.atomic
def replace_year(year: int, days: list[tuple[date, bool, str]], source: str) -> int:
    """Replace the schedule of `year` and mark it loaded; returns the number of days stored."""
    CalendarDay.objects.filter(date__gte=date(year, 1, 1), date__lt=date(year + 1, 1, 1)).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, note=note, source=source) for d, w, note in days]
    )
    CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    return len(days)


def load_from_package(years: list[int] | None = None) -> list[int]:
    """Load every year chinesecalendar knows (or those given); returns the years loaded."""
    available = package_years()
    chosen = [y for y in (years or available) if y in available]
    for year in chosen:
        replace_year(year, package_days(year), CHINESECALENDAR_SOURCE)
    return chosen


class CalendarCSVError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def decode_calendar_csv(data: bytes) -> str:
    """The text of an uploaded calendar file, its encoding chosen from the whole file as for the
    ledger (spreadsheets.decode_csv: UTF-8 with or without BOM, else GBK); CalendarCSVError naming
    the line if it is neither."""
    try:
        return decode_csv(data)
    except SheetRefused as exc:
        raise CalendarCSVError([str(exc)]) from None


def parse_calendar_csv(text: str) -> dict[int, list[tuple[date, bool, str]]]:
    """Rows `date,is_workday,note` (or 日期,是否工作日,说明); is_workday is 1/0, yes/no, 是/否, 上班/放假.

    Every year that appears is taken as a complete schedule for that year. All errors are collected
    (one per bad row and column) so a file is fixed in one pass; nothing is returned if any.
    """
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    aliases = {"日期": "date", "是否工作日": "is_workday", "说明": "note"}
    columns = {aliases.get((f or "").strip(), (f or "").strip()) for f in (reader.fieldnames or [])}
    if not {"date", "is_workday"} <= columns:
        raise CalendarCSVError([_("缺少表头：需要 date,is_workday,note（或 日期,是否工作日,说明）。")])
    note_max = CalendarDay._meta.get_field("note").max_length
    years: dict[int, list[tuple[date, bool, str]]] = {}
    seen: dict[date, int] = {}
    errors = []
    for number, raw in enumerate(reader, start=2):
        if None in raw:  # more cells than header columns
            errors.append(_("第%(row)d行：列数多于表头。") % {"row": number})
            continue
        row = {aliases.get((k or "").strip(), (k or "").strip()): (v or "").strip() for k, v in raw.items()}
        try:
            day = date.fromisoformat(row.get("date", ""))
        except ValueError:
            errors.append(
                _("第%(row)d行，date列：“%(value)s”不是YYYY-MM-DD格式的日期。")
                % {"row": number, "value": excerpt(row.get("date") or "")}
            )
            continue
        flag = row.get("is_workday", "").lower()
        if flag in {"1", "yes", "true", "是", "上班", "y"}:
            is_workday = True
        elif flag in {"0", "no", "false", "否", "放假", "n"}:
            is_workday = False
        else:
            errors.append(
                _("第%(row)d行，is_workday列：“%(value)s”应为1/0、是/否或上班/放假。")
                % {"row": number, "value": excerpt(flag)}
            )
            continue
        note = row.get("note", "")
        if len(note) > note_max:
            errors.append(_("第%(row)d行，note列：说明不能超过%(max)d个字。") % {"row": number, "max": note_max})
            continue
        if day in seen:
            errors.append(
                _("第%(row)d行，date列：%(date)s 与第%(first)d行重复。")
                % {"row": number, "date": day, "first": seen[day]}
            )
            continue
        seen[day] = number
        years.setdefault(day.year, []).append((day, is_workday, note))
    if errors:
        raise CalendarCSVError(errors)
    if not years:
        raise CalendarCSVError([_("文件中没有日期行。")])
    return years


def load_from_csv(text: str, source: str = "CSV") -> list[int]:
    years = parse_calendar_csv(text)
    with transaction.atomic():
        for year, days in sorted(years.items()):
            replace_year(year, days, source)
    return sorted(years)


def missing_next_year(today: date, *, known_years=None) -> int | None:
    """statute.md §6.3: next year's official schedule must be loaded before the year turns.

    Returns `today.year + 1` when the database has not loaded that year (from the package or a CSV
    of overrides), else None. The database is what deadlines are computed on, so a year the
    installed package knows but nobody loaded still counts as missing. `known_years` replaces the
    database (for callers that already hold a WorkCalendar).
    """
    wanted = today.year + 1
    if known_years is None:
        known_years = set(CalendarYear.objects.values_list("year", flat=True))
    return None if wanted in known_years else wanted
