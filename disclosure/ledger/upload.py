"""An uploaded file imported from the admin or the API: which of the three files it is, the checks
an upload needs before it is read (name and size), and the same summary the commands print."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from ..models import ImportKind
from ..uploads import sanitise_filename
from .people import import_staff, import_units
from .requests import import_ledger
from .sheets import LedgerFileError

# Refused before it is read (read_sheet holds the whole file and every row in memory), and small
# enough to import within the request (settings.GONGKAI_LEDGER_UPLOAD_MAX_BYTES); larger ledgers go
# through `manage.py import_ledger`, which has no limit.
MAX_UPLOAD_BYTES = settings.GONGKAI_LEDGER_UPLOAD_MAX_BYTES
EXTENSIONS = (".csv", ".xlsx")


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
            _("文件“%(name)s”不是 .csv 或 .xlsx 文件；请上传 UTF-8 编码的 CSV 或 XLSX。")
            % {"name": sanitise_filename(name)}
        )
    if size > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(
            _("文件“%(name)s”大小为%(size)s，超过上限%(limit)s；"
              "请分年度或分单位导入，或由系统管理员使用 import_ledger 命令导入。")
            % {"name": sanitise_filename(name), "size": filesizeformat(size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
        )


def summary(kind: str, *, created: int, updated: int, unchanged: int, roles_added: int | None = None) -> str:
    """What the command prints after an import, in the active language."""
    counts = {"created": created, "updated": updated, "unchanged": unchanged}
    if kind == ImportKind.LEDGER:
        return _("台账导入完成：共 %(rows)d 行，新建 %(created)d 件，"
                 "更新 %(updated)d 件，未变化 %(unchanged)d 件。") % {
            "rows": created + updated + unchanged, **counts}
    if kind == ImportKind.UNITS:
        return _("单位导入完成：新建 %(created)d 个，更新 %(updated)d 个，未变化 %(unchanged)d 个。") % counts
    message = _("工作人员导入完成：新建账号 %(created)d 个，更新 %(updated)d 个，"
                "未变化 %(unchanged)d 个，新增角色 %(roles)d 个。") % {
        "roles": roles_added or 0, **counts}
    if created:
        message += _("新账号没有可用密码，请通过“忘记密码”重置链接设置密码。")
    return message


def import_file(kind: str, source, *, name: str, actor, progress=None) -> Imported:
    """import_ledger / import_units / import_staff (all or nothing); `progress` as import_ledger's.
    Raises LedgerFileError or LedgerInvalid. Staff accounts get no usable password, as `import_staff`
    gives them without --password-env: an initial password is not set from the web."""
    name = sanitise_filename(name)
    roles_added = None
    if kind == ImportKind.LEDGER:
        result = import_ledger(source, actor=actor, source_name=name, progress=progress)
    elif kind == ImportKind.UNITS:
        result = import_units(source)
    elif kind == ImportKind.STAFF:
        result = import_staff(source)
        roles_added = result.roles_added
    else:
        raise ValueError(f"unknown import kind {kind!r}")
    counts = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
    return Imported(kind=str(kind), roles_added=roles_added, message=summary(kind, roles_added=roles_added, **counts),
                    file_name=name, **counts)


def import_upload(kind: str, upload, *, actor) -> Imported:
    """An uploaded file imported within the request: checked unread, then import_file."""
    check_upload(upload.name, upload.size)
    return import_file(kind, upload, name=upload.name, actor=actor)
