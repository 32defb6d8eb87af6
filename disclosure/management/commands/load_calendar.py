"""load_calendar: fill the working-day calendar from chinesecalendar or a CSV, then recompute deadlines.

    manage.py load_calendar                    every year the installed chinesecalendar knows
    manage.py load_calendar --year 2025 --year 2026
    manage.py load_calendar --csv 2027.csv     date,is_workday,note (or 日期,是否工作日,说明)
    manage.py load_calendar --check            exit 1 if next year's schedule is not loaded

Loading a year replaces that year's holidays and make-up days and marks it loaded; the stored
deadlines of every open request are then recomputed (provisional ones become final).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from disclosure import services, workcalendar


class Command(BaseCommand):
    help = "载入节假日和调休安排（来自 chinesecalendar 或 CSV 文件），并重新计算未办结申请的答复期限。"

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group()
        source.add_argument("--year", type=int, action="append", dest="years", metavar="YEAR",
                            help="只载入这些年份（可重复）；默认载入 chinesecalendar 的全部年份。")
        source.add_argument("--csv", dest="csv_path", metavar="FILE",
                            help="CSV 文件：date,is_workday,note（或 日期,是否工作日,说明）；文件中每个年份整年替换。")
        source.add_argument("--check", action="store_true",
                            help="只检查明年的安排是否已载入（未载入时退出码为 1）。")

    def handle(self, *args, years=None, csv_path=None, check=False, **options):
        if check:
            return self.check_next_year()
        if csv_path:
            path = Path(csv_path)
            if not path.is_file():
                raise CommandError(f"{csv_path}：文件不存在。")
            try:
                parsed = workcalendar.parse_calendar_csv(workcalendar.decode_calendar_csv(path.read_bytes()))
            except workcalendar.CalendarCSVError as exc:
                for error in exc.errors:
                    self.stderr.write(f"{path.name}：{error}")
                raise CommandError(f"{path.name}：{len(exc.errors)} 处错误，未载入任何数据。") from None
            source = f"CSV: {path.name}"
        else:
            available = workcalendar.package_years()
            wanted = sorted(set(years or available))
            missing = [y for y in wanted if y not in available]
            if missing:
                raise CommandError(
                    f"chinesecalendar 只有 {available[0]}–{available[-1]} 年的数据，没有 "
                    f"{'、'.join(map(str, missing))} 年；请用 --csv 载入国务院办公厅的放假安排。"
                )
            parsed = {year: workcalendar.package_days(year) for year in wanted}
            source = workcalendar.CHINESECALENDAR_SOURCE

        with transaction.atomic():
            for year, days in sorted(parsed.items()):
                workcalendar.replace_year(year, days, source)
            changed = services.recompute_open_deadlines()

        for year, days in sorted(parsed.items()):
            off = sum(1 for _, is_workday, _ in days if not is_workday)
            self.stdout.write(f"{year} 年：放假 {off} 天，调休上班 {len(days) - off} 天（来源：{source}）")
            if options["verbosity"] >= 2:
                for day, is_workday, note in days:
                    self.stdout.write(f"  {day.isoformat()} {'上班' if is_workday else '放假'} {note}")
        self.stdout.write(self.style.SUCCESS(
            f"已载入 {len(parsed)} 个年份；重新计算期限后有 {changed} 件未办结申请的期限发生变化。"
        ))

    def check_next_year(self):
        today = timezone.localdate()
        missing = workcalendar.missing_next_year(today)
        if missing is not None:
            how = (
                f"chinesecalendar 已有该年数据，请运行 load_calendar --year {missing}。"
                if missing in workcalendar.package_years()
                else "请在国务院办公厅发布通知后用 load_calendar --csv 载入。"
            )
            raise CommandError(
                f"{missing} 年的节假日安排尚未载入："
                "跨入该年的答复期限只能按周一至周五（扣除元旦、劳动节、国庆节法定日期）"
                f"暂定计算。{how}"
            )
        self.stdout.write(self.style.SUCCESS(f"{today.year + 1} 年的节假日安排已载入。"))
