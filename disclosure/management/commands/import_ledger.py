"""python manage.py import_ledger FILE — ledger.md; the work is in disclosure.ledger.import_ledger."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from disclosure.ledger import LedgerFileError, LedgerInvalid, import_ledger
from disclosure.spreadsheets import SheetLimits
from security import audit


class Command(BaseCommand):
    help = _("从 CSV（UTF-8，可带 BOM）或 XLSX 台账导入申请。全部行无误才导入；有错误时逐行列出并以状态 1 退出。")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("台账文件（.csv 或 .xlsx）"))

    def handle(self, *args, **options):
        path = options["file"]
        try:
            result = import_ledger(path, source_name=Path(path).name, limits=SheetLimits.for_commands())
        except LedgerFileError as exc:
            raise CommandError(str(exc)) from exc
        except LedgerInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stdout.write(_("未导入任何数据：发现 %(n)d 处错误。") % {"n": len(exc.errors)})
            sys.exit(1)
        audit.imported("ledger", via="command", detail={
            "file": Path(path).name, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "actor_name": "manage.py import_ledger",
        })
        self.stdout.write(
            _("台账导入完成：共 %(rows)d 行，新建 %(created)d 件，更新 %(updated)d 件，未变化 %(unchanged)d 件。")
            % {"rows": result.rows, "created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            + f" (created={result.created} updated={result.updated} unchanged={result.unchanged})"
        )
