"""An uploaded file imported from the admin or the API: which of the three files it is, the checks
an upload needs before it is read (name and size), and the same summary the commands print."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..forms import sanitise_filename
from .people import import_staff, import_units
from .requests import import_ledger
from .sheets import LedgerFileError

# Refused before it is read (read_sheet holds the whole file and every row in memory), and small
# enough to import within the request (settings.GONGKAI_LEDGER_UPLOAD_MAX_BYTES); larger ledgers go
# through `manage.py import_ledger`, which has no limit.
MAX_UPLOAD_BYTES = settings.GONGKAI_LEDGER_UPLOAD_MAX_BYTES
EXTENSIONS = (".csv", ".xlsx")


class ImportKind(models.TextChoices):
    LEDGER = "ledger", gettext_lazy("申请台账")
    UNITS = "units", gettext_lazy("单位")
    STAFF = "staff", gettext_lazy("人员")


class UploadTooLarge(LedgerFileError):
    """Refused unread: over MAX_UPLOAD_BYTES (the API answers 413)."""


@dataclass(frozen=True)
class Imported:
    kind: str
    created: int
    updated: int
    unchanged: int
    roles_added: int | None  # staff files only
    message: str  # what the command prints, in the user's language
    file_name: str = ""

    @property
    def detail(self) -> dict:
        """For the audit log."""
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.roles_added is not None:
            counts["roles_added"] = self.roles_added
        return {"file": self.file_name, **counts}


def check_upload(name: str, size: int) -> None:
    """LedgerFileError naming what is wrong with the file before any of it is read."""
    if not name.lower().endswith(EXTENSIONS):
        raise LedgerFileError(
            _("文件“%(name)s”不是 .csv 或 .xlsx 文件；请上传 UTF-8 编码的 CSV 或 XLSX。") % {"name": sanitise_filename(name)}
        )
    if size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            _("文件“%(name)s”大小为%(size)s，超过上限%(limit)s；请分年度或分单位导入，或由系统管理员使用 import_ledger 命令导入。")
            % {"name": sanitise_filename(name), "size": filesizeformat(size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
        )


def import_upload(kind: str, upload, *, actor) -> Imported:
    """import_ledger / import_units / import_staff on an uploaded file (all or nothing). Raises
    LedgerFileError (UploadTooLarge) or LedgerInvalid. Staff accounts get no usable password, as
    `import_staff` gives them without --password-env: an initial password is not set from the web."""
    check_upload(upload.name, upload.size)
    if kind == ImportKind.LEDGER:
        result = import_ledger(upload, actor=actor, source_name=sanitise_filename(upload.name))
        message = _("台账导入完成：共 %(rows)d 行，新建 %(created)d 件，更新 %(updated)d 件，未变化 %(unchanged)d 件。")
        figures = {"rows": result.rows}
        roles_added = None
    elif kind == ImportKind.UNITS:
        result = import_units(upload)
        message = _("单位导入完成：新建 %(created)d 个，更新 %(updated)d 个，未变化 %(unchanged)d 个。")
        figures, roles_added = {}, None
    elif kind == ImportKind.STAFF:
        result = import_staff(upload)
        message = _("工作人员导入完成：新建账号 %(created)d 个，更新 %(updated)d 个，未变化 %(unchanged)d 个，新增角色 %(roles)d 个。")
        roles_added = result.roles_added
        figures = {"roles": roles_added}
        if result.created:
            message += _("新账号没有可用密码，请通过“忘记密码”重置链接设置密码。")
    else:
        raise ValueError(f"unknown import kind {kind!r}")
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    return Imported(kind=str(kind), roles_added=roles_added, message=message % {**counts, **figures},
                    file_name=sanitise_filename(upload.name), **counts)
