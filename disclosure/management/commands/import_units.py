"""python manage.py import_units FILE — ledger.md "Units file"; the work is in disclosure.ledger."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from disclosure.ledger import LedgerFileError, LedgerInvalid, import_units
from disclosure.spreadsheets import SheetLimits
from security import audit


class Command(BaseCommand):
    help = _(
        "从 CSV/XLSX 文件创建或更新单位（code,name,parent,kind 或 单位编码,单位名称,上级单位编码,单位类型）。"
        "可重复导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("单位文件（.csv 或 .xlsx）"))

    def handle(self, *args, **options):
        try:
            result = import_units(options["file"], limits=SheetLimits.for_commands())
        except LedgerFileError as exc:
            raise CommandError(str(exc)) from exc
        except LedgerInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stdout.write(_("未导入任何单位：发现 %(n)d 处错误。") % {"n": len(exc.errors)})
            sys.exit(1)
        audit.imported("units", via="command", detail={
            "file": Path(options["file"]).name, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "actor_name": "manage.py import_units",
        })
        self.stdout.write(
            _("单位导入完成：新建 %(created)d 个，更新 %(updated)d 个，未变化 %(unchanged)d 个。")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            + f" (created={result.created} updated={result.updated} unchanged={result.unchanged})"
        )
