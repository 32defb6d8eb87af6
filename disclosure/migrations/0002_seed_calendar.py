"""Seed the working-day calendar from the pinned chinesecalendar package (2004–2026)."""

from django.db import migrations


def seed(apps, schema_editor):
    from disclosure.workcalendar import CHINESECALENDAR_SOURCE, package_days, package_years

    CalendarDay = apps.get_model("disclosure", "CalendarDay")
    CalendarYear = apps.get_model("disclosure", "CalendarYear")
    days, years = [], []
    for year in package_years():
        days += [CalendarDay(date=d, is_workday=w, note=n, source=CHINESECALENDAR_SOURCE) for d, w, n in package_days(year)]
        years.append(CalendarYear(year=year, source=CHINESECALENDAR_SOURCE))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(years, ignore_conflicts=True)


def unseed(apps, schema_editor):
    apps.get_model("disclosure", "CalendarDay").objects.filter(source="chinesecalendar").delete()
    apps.get_model("disclosure", "CalendarYear").objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
