"""The two steps that pause the reply clock and their records: a consultation (条例第三十二条,
第三十四条) and a fee notice (第四十二条). Imported by models.py, where Django registers them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .workflow import FeeMethod


class Consultation(models.Model):
    """第三十二条 (third party) and 第三十四条 (another body: silence counts as consent)."""

    class Kind(models.TextChoices):
        THIRD_PARTY = "third_party", _("第三方（第三十二条）")
        AGENCY = "agency", _("其他行政机关（第三十四条）")

    request = models.ForeignKey("disclosure.DisclosureRequest", on_delete=models.CASCADE, related_name="consultations")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    party = models.CharField(_("被征求意见方"), max_length=200)
    sent_on = models.DateField(_("征求意见日期"))
    due_on = models.DateField(_("答复期限"))
    replied_on = models.DateField(_("征求意见答复日期"), null=True, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    consents = models.BooleanField(_("同意公开"), null=True, blank=True)

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = pgettext_lazy("plural", "征求意见")
        ordering = ["sent_on", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.party}"


class FeeNotice(models.Model):
    """信息处理费 (条例第四十二条, 国办函〔2020〕109号)."""

    request = models.ForeignKey("disclosure.DisclosureRequest", on_delete=models.CASCADE, related_name="fee_notices")
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2)
    # the quote the amount was checked against (blank on notices recorded before quotes existed)
    method = models.CharField(_("计收方式"), max_length=10, choices=FeeMethod, blank=True)
    ordinal = models.PositiveIntegerField(_("当月第几件"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    quoted_amount = models.DecimalField(
        _("按标准计算的金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    amount_reason = models.CharField(_("金额与标准不同的理由"), max_length=500, blank=True)
    basis = models.CharField(_("收费依据和标准"), max_length=300)
    notice_on = models.DateField(_("收费通知日期"))
    due_on = models.DateField(_("缴费期限"))
    paid_on = models.DateField(_("缴费日期"), null=True, blank=True)
    receipt_number = models.CharField(_("票据号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("收费通知")
        verbose_name_plural = pgettext_lazy("plural", "收费通知")
        ordering = ["notice_on", "id"]

    def __str__(self):
        return f"{self.amount} 元"
