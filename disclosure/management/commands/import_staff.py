"""python manage.py import_staff FILE [--password-env VAR] — ledger.md "Staff file"."""

import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from disclosure.ledger import LedgerFileError, LedgerInvalid, import_staff
from disclosure.spreadsheets import SheetLimits
from security import audit


class Command(BaseCommand):
    help = _(
        "从 CSV/XLSX 文件创建或更新工作人员账号及其单位角色（每个角色一行）。新账号默认没有可用密码，"
        "需通过重置链接设置；--password-env VAR 指定保存初始密码的环境变量。可重复导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("工作人员文件（.csv 或 .xlsx）"))
        parser.add_argument(
            "--password-env", metavar="VAR", help=_("保存新账号初始密码的环境变量名（不在命令行上写密码）")
        )

    def handle(self, *args, **options):
        password = None
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(
                    _("环境变量 %(var)s 未设置或为空，无法设置初始密码。") % {"var": options["password_env"]}
                )
        try:
            result = import_staff(options["file"], password=password, limits=SheetLimits.for_commands())
        except LedgerFileError as exc:
            raise CommandError(str(exc)) from exc
        except LedgerInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            self.stdout.write(_("未导入任何账号：发现 %(n)d 处错误。") % {"n": len(exc.errors)})
            sys.exit(1)
        audit.imported("staff", via="command", detail={
            "file": Path(options["file"]).name, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "roles_added": result.roles_added, "actor_name": "manage.py import_staff",
        })
        self.stdout.write(
            _(
                "工作人员导入完成：新建账号 %(created)d 个，更新 %(updated)d 个，"
                "未变化 %(unchanged)d 个，新增角色 %(roles)d 个。"
            )
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
               "roles": result.roles_added}
            + f" (created={result.created} updated={result.updated} unchanged={result.unchanged}"
            f" roles_added={result.roles_added})"
        )
        if result.created and not password:
            self.stdout.write(_("新账号没有可用密码，请通过“忘记密码”重置链接设置密码。"))
