"""python manage.py load_demo: the demo district, its staff and ~300 requests (once)."""

import time
from datetime import date
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from disclosure import demo


class Command(BaseCommand):
    help = "载入演示数据：金东区人民政府及其部门、乡镇（街道），各角色演示账号，约300件申请。已载入时不做任何改动。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None,
            help="以该日期（YYYY-MM-DD）为“今天”生成演示数据；默认为当天。",
        )

    def handle(self, *args, today=None, **options):
        if demo.is_loaded():
            self.stdout.write("演示数据已载入，未做任何改动。Demo data already loaded: nothing changed.")
            self.stdout.write(demo.logins_text())
            self.stdout.write(demo.online_demo_text())
            return
        today = today or timezone.localdate()
        if today.year < 2022:
            raise CommandError("--today 不能早于2022年：演示数据从前两年的1月开始。")
        started = time.monotonic()
        created = demo.load_demo(today)
        self.stdout.write(self.style.SUCCESS(
            f"已载入演示数据：{created} 件申请（{time.monotonic() - started:.1f} 秒）。Demo data loaded."
        ))
        self.sweep(today)
        self.stdout.write(demo.logins_text())
        self.stdout.write(demo.online_demo_text())

    def sweep(self, today: date) -> None:
        """The daily sweep for the demo's today, as beat runs it each morning (forced on a rest day):
        the overdue requests have their reminders and alerts, the supervisor their escalations."""
        out = StringIO()
        call_command("deadline_sweep", today=today.isoformat(), force=True, stdout=out)
        lines = out.getvalue().splitlines()
        self.stdout.write(lines[0] if lines else "")
