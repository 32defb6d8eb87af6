"""Issued documents (文书) and their 文号 counters, and the per-unit DOCX templates.

An issued document never changes (letters.md): its DOCX bytes, number, date and addressee are
written once, by documents.services; only its PDF, converted from that DOCX by a worker, is added
later, once. A correction is a new document that names the one it replaces. On PostgreSQL a
trigger refuses any other UPDATE and every DELETE (migration 0002).
"""

from __future__ import annotations

import base64
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disclosure.models import Consultation, DisclosureRequest, FeeNotice, Unit

from .kinds import Kind

# What may change on an issued document: its PDF, added once by the converter, and the error of a
# failed conversion (cleared when a retry succeeds).
PDF_FIELDS = frozenset({"pdf", "pdf_sha256", "pdf_error"})


def new_verification_code() -> str:
    """10 characters of base32 (A–Z, 2–7; 50 random bits): short enough to type from paper."""
    return base64.b32encode(secrets.token_bytes(7)).decode("ascii")[:10]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class AppendOnly(TypeError):
    pass


class DocumentQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if not set(kwargs) <= PDF_FIELDS:
            raise AppendOnly("an issued document never changes (only its PDF is added)")
        return super().update(**kwargs)

    def delete(self):
        raise AppendOnly("issued documents are never deleted")

    def issued_for(self, req):
        return self.filter(request=req).order_by("issued_at", "id")


class LetterCounter(models.Model):
    """The last 文号 sequence taken per unit, family and year; incremented inside the issuing
    transaction, so a rolled-back issue takes no number."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    family = models.CharField(_("文号类别"), max_length=4)
    year = models.PositiveSmallIntegerField(_("年度"))
    last = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("文号计数")
        verbose_name_plural = pgettext_lazy("plural", "文号计数")
        constraints = [models.UniqueConstraint(fields=["unit", "family", "year"], name="letter_counter_unique")]

    def __str__(self):
        return f"{self.unit} {self.family} {self.year}: {self.last}"


class Document(models.Model):
    """One issued 文书: the record of what was sent, with the bytes that were sent."""

    kind = models.CharField(_("文书类型"), max_length=24, choices=Kind.choices)
    request = models.ForeignKey(
        DisclosureRequest, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="documents"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("出具单位"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("文号"), max_length=100)
    family = models.CharField(_("文号类别"), max_length=4, blank=True)
    year = models.PositiveSmallIntegerField(_("文号年度"), null=True, blank=True)
    seq = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    addressee = models.CharField(_("收件人"), max_length=200)
    dated_on = models.DateField(_("成文日期"))
    docx = models.BinaryField(_("DOCX 文件"))
    docx_sha256 = models.CharField(_("DOCX 的 SHA-256"), max_length=64)
    pdf = models.BinaryField(_("PDF 文件"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("PDF 的 SHA-256"), max_length=64, blank=True)
    pdf_error = models.TextField(_("PDF 生成错误"), blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出具人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("出具时间"))
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替代的文书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    reissue_reason = models.CharField(_("重新出具的理由"), max_length=500, blank=True)
    verification_code = models.CharField(_("核验码"), max_length=16, unique=True, default=new_verification_code)
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("征求意见"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    fee_notice = models.ForeignKey(
        FeeNotice, verbose_name=_("收费通知"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = pgettext_lazy("plural", "文书")
        ordering = ["issued_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "family", "year", "seq"], name="document_number_unique",
                condition=Q(seq__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["request", "kind"], name="document_request_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= PDF_FIELDS:
                raise AppendOnly("an issued document never changes (only its PDF is added)")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("issued documents are never deleted")

    @property
    def pdf_state(self) -> str:
        """ready, failed or pending (the worker has not converted it yet)."""
        if self.pdf_sha256:
            return "ready"
        return "failed" if self.pdf_error else "pending"

    def store_pdf(self, data: bytes) -> bool:
        """The converter's result, stored once: a PDF already there is never replaced."""
        digest = sha256(data)
        stored = Document.objects.filter(pk=self.pk, pdf__isnull=True).update(pdf=data, pdf_sha256=digest, pdf_error="")
        if stored:
            self.pdf, self.pdf_sha256, self.pdf_error = data, digest, ""
        return bool(stored)

    def fail_pdf(self, message: str) -> None:
        message = str(message)[:2000]
        if Document.objects.filter(pk=self.pk, pdf__isnull=True).update(pdf_error=message):
            self.pdf_error = message


class LetterTemplate(models.Model):
    """A unit's own DOCX for one kind (letterhead, seal position), checked when uploaded."""

    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="letter_templates")
    kind = models.CharField(_("文书类型"), max_length=24, choices=Kind.choices)
    data = models.BinaryField(_("模板文件"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now=True)

    class Meta:
        verbose_name = _("文书模板")
        verbose_name_plural = pgettext_lazy("plural", "文书模板")
        ordering = ["unit__path", "kind"]
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="letter_template_unique")]

    def __str__(self):
        return f"{self.unit} · {self.get_kind_display()}"
