"""python manage.py export_ledger [--year Y] [--unit CODE] [--format csv|xlsx|json] [--headers en|zh] [-o PATH]."""

import io

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosure.ledger import EXPORT_YEARS, export_rows, ledger_queryset, write_csv, write_json, write_xlsx
from disclosure.models import Unit
from disclosure.workcalendar import load_work_calendar
from security import audit


class Command(BaseCommand):
    help = _(
        "导出台账（台账各列及计算列：状态、答复期限、期限为暂定、已用工作日、是否逾期）。默认以 CSV 输出到标准输出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help=_("只导出该年收到的申请，以及此前收到、该年1月1日仍未办结的申请"))
        parser.add_argument("--unit", metavar="CODE", help=_("只导出该单位及其下级单位的申请"))
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], default="csv")
        parser.add_argument(
            "--headers", choices=["en", "zh"], default="zh", help=_("CSV/XLSX 表头：英文键或中文（默认）")
        )
        parser.add_argument("-o", "--output", metavar="PATH", help=_("输出文件；默认标准输出"))

    def handle(self, *args, **options):
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(_("单位编码“%(code)s”不存在。") % {"code": options["unit"]})
        year = options["year"]
        if year is not None and not EXPORT_YEARS[0] <= year <= EXPORT_YEARS[1]:
            raise CommandError(_("年度“%(year)s”无效。") % {"year": year})
        today = timezone.localdate()  # read once: "overdue" and "working days used" are as of today
        rows = export_rows(ledger_queryset(year=year, unit=unit), calendar=load_work_calendar(), today=today)
        fmt, path, headers = options["format"], options["output"], options["headers"]
        audit.export("ledger", via="command", detail={
            "year": year, "unit": unit.code if unit else None, "format": fmt, "output": path or "stdout",
            "actor_name": "manage.py export_ledger",
        })
        if fmt == "xlsx":
            if path:
                write_xlsx(rows, path, headers=headers)
                return
            binary = getattr(getattr(self.stdout, "_out", None), "buffer", None)
            if binary is None:
                raise CommandError(_("XLSX 是二进制格式，请用 -o PATH 指定输出文件。"))
            buffer = io.BytesIO()
            write_xlsx(rows, buffer, headers=headers)
            binary.write(buffer.getvalue())
            binary.flush()
            return
        if path:
            # A BOM in files so that Excel opens the Chinese correctly; import accepts it.
            encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
            with open(path, "w", encoding=encoding, newline="") as out:
                write_csv(rows, out, headers=headers) if fmt == "csv" else write_json(rows, out)
            return
        self.stdout.ending = ""
        if fmt == "csv":
            write_csv(rows, self.stdout, headers=headers)
        else:
            write_json(rows, self.stdout)
