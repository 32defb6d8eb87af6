"""The nine kinds of document (letters.md: codes fixed), their names and their 文号 families."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    RECEIPT = "receipt", _("政府信息公开申请接收回执")
    CORRECTION_NOTICE = "correction_notice", _("补正告知书")
    CONSULTATION_LETTER = "consultation_letter", _("征求意见函")
    EXTENSION_NOTICE = "extension_notice", _("延期答复告知书")
    REASONS_NOTICE = "reasons_notice", _("说明理由告知书")
    DELAY_NOTICE = "delay_notice", _("延迟答复告知书")
    FEE_NOTICE = "fee_notice", _("收费通知书")
    REPLY = "reply", _("政府信息公开申请答复书")
    DELIVERY_RECEIPT = "delivery_receipt", _("送达回证")


# 文号 family suffix after the unit's letter_prefix: 金东公 + 复 → 金东公复〔2026〕12号.
# A 送达回证 carries the 文号 of the reply it delivers and takes no number of its own.
FAMILY: dict[str, str] = {
    Kind.REPLY: "复",
    Kind.CORRECTION_NOTICE: "补",
    Kind.EXTENSION_NOTICE: "延",
    Kind.CONSULTATION_LETTER: "征",
    Kind.FEE_NOTICE: "费",
    Kind.REASONS_NOTICE: "理",
    Kind.DELAY_NOTICE: "迟",
    Kind.RECEIPT: "收",
}

# The document's own name as the letter prints it: always Chinese, whatever the reader's language
# (a letter is an official document, like the statutory annual report).
DOCUMENT_NAME: dict[str, str] = {
    "receipt": "政府信息公开申请接收回执",
    "correction_notice": "政府信息公开申请补正告知书",
    "consultation_letter": "政府信息公开征求意见函",
    "extension_notice": "政府信息公开申请延期答复告知书",
    "reasons_notice": "政府信息公开申请说明理由告知书",
    "delay_notice": "政府信息公开申请延迟答复告知书",
    "fee_notice": "政府信息公开信息处理费收费通知书",
    "reply": "政府信息公开申请答复书",
    "delivery_receipt": "送达回证",
}
