"""check_annual_report FILE: run the annual-report.md checks on a submitted report, print every failure."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reporting import services
from reporting import tables as t


class Command(BaseCommand):
    help = "检查单位提交的年度报告文件（JSON，或统计格式的XLSX），列出所有未通过的检查；有错误时退出状态为1。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告文件（.json 或 .xlsx）")

    def handle(self, *args, file, **options):
        try:
            doc = services.load_report_file(file)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{file}", returncode=2) from exc
        except services.ReportError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        checks = services.check_submitted(doc)
        failures = [c for c in checks if not c["ok"]]
        for check in failures:
            level = "错误" if check["level"] == t.ERROR else "警告"
            self.stdout.write(f"{level} [{check['code']}] {check['message']}")
        errors = sum(1 for c in failures if c["level"] == t.ERROR)
        warnings = len(failures) - errors
        if not failures:
            self.stdout.write(f"全部检查通过（{len(checks)}项）。")
        else:
            self.stdout.write(f"共{errors}项错误，{warnings}项警告。")
        if errors:
            raise SystemExit(1)
