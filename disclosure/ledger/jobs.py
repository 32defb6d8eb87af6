"""Ledger files too large to import within a web request: stored, handed to a worker, imported there
with its progress recorded on a LedgerImport row that the admin page and the API read.

A file up to settings.GONGKAI_LEDGER_INLINE_MAX_BYTES (about 5,000 rows, a few seconds) is imported
in the request as before; a larger one, up to GONGKAI_LEDGER_UPLOAD_MAX_BYTES, becomes a job. The
import itself is the same all-or-nothing import_file: a job that fails leaves nothing written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from security import audit

from ..models import LedgerImport
from ..uploads import sanitise_filename
from .sheets import LedgerFileError, LedgerInvalid
from .upload import Imported, check_upload, import_file, import_upload, summary

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 2000  # a file with more bad cells than this lists the first ones and says how many


def start_import(kind: str, upload, *, actor, queue: Callable[[int], bool], language: str = "") -> LedgerImport:
    """Store the upload and hand its import to `queue(job_id)` once this transaction commits (a
    worker must see the row); `queue` answers False when it could not (the shell's broker hand-off,
    disclosure.tasks.queue_ledger_import: the ledger never imports the tasks). Raises
    LedgerFileError (UploadTooLarge) for a file refused unread, as import_upload does."""
    check_upload(upload.name, upload.size)
    job = LedgerImport(
        kind=kind, file_name=sanitise_filename(upload.name), size=upload.size, requested_by=actor,
        language=language or translation.get_language() or "",
    )
    job.file.save(f"{uuid.uuid4().hex}{PurePath(upload.name).suffix.lower()}", upload, save=False)
    job.save()
    transaction.on_commit(lambda: queue(job.pk) or broker_unavailable(job.pk))
    return job


def import_or_queue(kind: str, upload, *, actor, queue: Callable[[int], bool]) -> Imported | LedgerImport:
    """An upload imported now when it is small (its Imported), else stored and handed to `queue`
    (its LedgerImport). Raises LedgerFileError (UploadTooLarge) and, when imported now, LedgerInvalid."""
    if upload.size > settings.GONGKAI_LEDGER_INLINE_MAX_BYTES:
        return start_import(kind, upload, actor=actor, queue=queue)
    return import_upload(kind, upload, actor=actor)


def broker_unavailable(job_id: int) -> None:
    job = LedgerImport.objects.filter(pk=job_id).first()
    if job is None:
        return
    with translation.override(job.language or None):
        message = _("后台任务队列暂不可用，未导入任何数据：请稍后重试，或由系统管理员使用 import_ledger 命令导入。")
    _finish(job, LedgerImport.Status.FAILED, message=message)


def run(job_id: int) -> None:
    """The worker's part: claim the job, import the file, record the outcome, delete the file.

    Claimed with a compare-and-set on the status, so two deliveries of the same message import it
    once. A job left `running` by a worker that died is taken again: the import is one transaction,
    so the dead worker wrote nothing."""
    claimed = LedgerImport.objects.filter(
        pk=job_id, status__in=(LedgerImport.Status.QUEUED, LedgerImport.Status.RUNNING)
    ).update(status=LedgerImport.Status.RUNNING, started_at=timezone.now(), phase="", rows_done=0, rows_total=0)
    if not claimed:
        return
    job = LedgerImport.objects.select_related("requested_by").get(pk=job_id)

    def progress(phase: str, done: int, total: int) -> None:
        LedgerImport.objects.filter(pk=job_id).update(phase=phase, rows_done=done, rows_total=total)

    with translation.override(job.language or None):
        try:
            with job.file.open("rb") as source:
                imported = import_file(job.kind, source, name=job.file_name, actor=job.requested_by,
                                       progress=progress)
        except LedgerInvalid as exc:
            errors = [{"row": e.row, "column": e.column, "reason": e.reason} for e in exc.errors]
            message = _("未导入任何数据：发现 %(n)d 处错误。") % {"n": len(errors)}
            _finish(job, LedgerImport.Status.INVALID, message=message, errors=errors[:MAX_STORED_ERRORS])
        except LedgerFileError as exc:
            _finish(job, LedgerImport.Status.INVALID, message=str(exc))
        except Exception:
            logger.exception("ledger import %s failed", job_id)
            _finish(job, LedgerImport.Status.FAILED, message=_("导入时发生意外错误，未导入任何数据；错误已记入日志。"))
        else:
            audit.imported(job.kind, user=job.requested_by, via="worker", detail={**imported.detail, "job": job.pk})
            # the counts, not the sentence: result_message() words it in the reader's language
            _finish(job, LedgerImport.Status.DONE, created=imported.created, updated=imported.updated,
                    unchanged=imported.unchanged, roles_added=imported.roles_added)


def _finish(job: LedgerImport, status: str, **fields) -> None:
    """The outcome, and the uploaded file gone (it holds applicants' personal data)."""
    stored = job.file.name
    LedgerImport.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), file="", **fields)
    if stored:
        job.file.storage.delete(stored)


def result_message(job: LedgerImport) -> str:
    """A finished job's message in the reader's language (the counts are stored, not the sentence)."""
    if job.status == LedgerImport.Status.DONE:
        return summary(job.kind, created=job.created, updated=job.updated, unchanged=job.unchanged,
                       roles_added=job.roles_added)
    if job.status == LedgerImport.Status.INVALID and job.errors:
        return _("未导入任何数据：发现 %(n)d 处错误。") % {"n": len(job.errors)}
    return job.message
