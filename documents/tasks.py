"""The PDF of an issued document, made by a worker (LibreOffice can take seconds; a request never
waits for it). A failed conversion leaves the issued DOCX and the reason on the document, and the
task can be sent again (it does nothing once the PDF is stored)."""

from __future__ import annotations

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from .models import Document
from .pdf import PdfFailed, PdfUnavailable, docx_to_pdf

# The converter kills LibreOffice after GONGKAI_PDF_TIMEOUT; Celery's limits are the backstop.
_TIMEOUT = settings.GONGKAI_PDF_TIMEOUT


@shared_task(ignore_result=True, soft_time_limit=_TIMEOUT + 15, time_limit=_TIMEOUT + 30)
def convert_document_pdf(document_id: int) -> str:
    """stored | failed | done (already had its PDF) | missing (no such document)."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return "missing"
    if document.pdf:
        return "done"
    try:
        pdf = docx_to_pdf(bytes(document.docx), timeout=settings.GONGKAI_PDF_TIMEOUT)
    except (PdfUnavailable, PdfFailed) as exc:
        document.fail_pdf(str(exc))
        return "failed"
    except SoftTimeLimitExceeded:
        document.fail_pdf(_("PDF转换超时，请稍后重试。"))
        return "failed"
    document.store_pdf(pdf)
    return "stored"
