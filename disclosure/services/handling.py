"""Review, correction, consultation, fees, assignment, extension and 第三十五条: the arrows between
registration and the decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines as dl
from .. import fees
from ..access import ACTING_ROLES
from ..applicants import fee_quote
from ..models import Consultation, DisclosureRequest, FeeNotice, User
from ..workcalendar import load_work_calendar
from ..workflow import Action, InvalidTransition, WorkflowError
from .write import (
    Actor,
    _check_permission,
    _not_before,
    _not_future,
    apply_change,
    changed_meanwhile,
    check_date,
    check_day,
)


def start_review(
    req: DisclosureRequest, *, actor: Actor, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    with transaction.atomic():
        return apply_change(req, Action.START_REVIEW, actor=actor, now=now, expected_version=expected_version)


def request_correction(
    req: DisclosureRequest, *, actor: Actor, requested_on: date, items: str, period_until: date,
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """第三十条: one notice listing every item to correct and a reasonable period."""
    today = today or timezone.localdate(now)
    if not (items or "").strip():
        raise WorkflowError(_("补正告知需要写明需要补正的事项。"), field="items")
    if period_until is None:
        raise WorkflowError(_("补正告知需要写明合理的补正期限。"), field="period_until")
    check_date(period_until, "period_until")
    # a later round concerns the corrected application: its receipt starts the 7 days again
    receipt = req.correction_received_on or req.received_on
    check_day(
        requested_on, "requested_on", today=today, earliest=receipt,
        too_early=_("补正告知日期不能早于收到申请（或收到补正）日期。"),
    )
    if period_until <= requested_on:
        raise WorkflowError(_("补正期限应晚于补正告知日期。"), field="period_until")
    notice_due: date | None
    if req.correction_received_on:
        notice_due = dl.add_workdays(receipt, dl.CORRECTION_NOTICE_DAYS, load_work_calendar())
    else:
        notice_due = req.correction_due_on
    late = notice_due is not None and requested_on > notice_due
    with transaction.atomic():
        return apply_change(
            req,
            Action.REQUEST_CORRECTION,
            actor=actor,
            now=now,
            expected_version=expected_version,
            changes={
                "correction_requested_on": requested_on,
                "correction_items": items.strip(),
                "correction_period_until": period_until,
                "correction_received_on": None,
                "correction_rounds": req.correction_rounds + 1,
            },
            data={"requested_on": requested_on, "items": items.strip(), "period_until": period_until, "late": late},
            recompute=True,
        )


def record_correction(
    req: DisclosureRequest, *, actor: Actor, received_on: date, today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """第三十条: the reply period runs again from the receipt of the corrected application."""
    today = today or timezone.localdate(now)
    check_day(
        received_on, "received_on", today=today, earliest=req.correction_requested_on,
        too_early=_("收到补正日期不能早于补正告知日期。"),
    )
    with transaction.atomic():
        return apply_change(
            req, Action.RECORD_CORRECTION, actor=actor, now=now, expected_version=expected_version,
            # an online correction (intake.submit_correction) is received on this confirmation
            changes={"correction_received_on": received_on, "online_correction_at": None},
            data={"received_on": received_on, "online": req.online_correction_at is not None}, recompute=True,
        )


def accept(
    req: DisclosureRequest, *, actor: Actor, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    with transaction.atomic():
        return apply_change(req, Action.ACCEPT, actor=actor, now=now, expected_version=expected_version)


def assign_handler(
    req: DisclosureRequest, *, actor: Actor, handler: User | None, expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    if handler is not None and not (
        handler.is_active and handler.roles.filter(unit_id=req.unit_id, role__in=ACTING_ROLES).exists()
    ):
        raise WorkflowError(_("经办人须是本单位的在岗工作人员。"), field="handler")
    with transaction.atomic():
        return apply_change(
            req, Action.ASSIGN, actor=actor, now=now, expected_version=expected_version, changes={"handler": handler},
            data={"handler": handler.pk if handler else None, "handler_name": str(handler) if handler else ""},
        )


def start_consultation(
    req: DisclosureRequest, *, actor: Actor, kind: str, party: str, sent_on: date, today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> Consultation:
    """第三十二条/第三十四条: the consulted party has 15 working days; the time is not counted."""
    today = today or timezone.localdate(now)
    if kind not in Consultation.Kind.values:
        raise WorkflowError(_("请选择征求意见的类型。"), field="kind")
    if not (party or "").strip():
        raise WorkflowError(_("请填写被征求意见方。"), field="party")
    check_day(
        sent_on, "sent_on", today=today, earliest=req.clock_start_on or req.received_on,
        too_early=_("征求意见日期不能早于收到申请日期。"),
    )
    calendar = load_work_calendar()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            request=req, kind=kind, party=party.strip(), sent_on=sent_on,
            due_on=dl.add_workdays(sent_on, dl.CONSULTATION_DAYS, calendar),
        )
        apply_change(
            req, Action.START_CONSULTATION, actor=actor, now=now, expected_version=expected_version,
            data={"consultation": consultation.pk, "kind": kind, "party": party.strip(), "sent_on": sent_on},
            recompute=True,
        )
    return consultation


def record_consultation_reply(
    consultation: Consultation, *, actor: Actor, replied_on: date, opinion: str = "", consents: bool | None = None,
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> Consultation:
    """Record the answer (or the end of the period: for another body, silence counts as consent)."""
    today = today or timezone.localdate(now)
    req = consultation.request
    if consultation.replied_on is not None:
        raise InvalidTransition(_("该征求意见已经记录了答复。"))
    check_day(
        replied_on, "replied_on", today=today, earliest=consultation.sent_on,
        too_early=_("答复日期不能早于征求意见日期。"),
    )
    if consents is None and consultation.kind == Consultation.Kind.AGENCY and replied_on >= consultation.due_on:
        consents = True  # 第三十四条: 逾期未提出意见的视为同意公开
    with transaction.atomic():
        updated = Consultation.objects.filter(pk=consultation.pk, replied_on__isnull=True).update(
            replied_on=replied_on, opinion=opinion, consents=consents
        )
        if updated != 1:
            raise changed_meanwhile()
        still_open = req.consultations.filter(replied_on__isnull=True).exists()
        # other consultations still out: the request stays in consultation
        apply_change(
            req, Action.RECORD_CONSULTATION_REPLY, actor=actor, now=now, expected_version=expected_version,
            data={"consultation": consultation.pk, "replied_on": replied_on, "consents": consents},
            recompute=True, stay=still_open,
        )
    consultation.replied_on, consultation.opinion, consultation.consents = replied_on, opinion, consents
    return consultation


def issue_fee_notice(
    req: DisclosureRequest, *, actor: Actor, notice_on: date, amount: object = None, basis: str = "",
    method: str | None = None, pages: object = None, amount_reason: str = "", today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> FeeNotice:
    """条例第四十二条, 国办函〔2020〕109号: pay within 20 working days from the day after notice.

    The amount is the quote's (applicants.fee_quote: 按件 from the applicant's ordinal in the month,
    按量 from `pages`); one left out takes the quote's, a different one needs `amount_reason`, and the
    event records the quote, the amount and the reason."""
    today = today or timezone.localdate(now)
    if req.received_on < fees.IN_FORCE:
        raise WorkflowError(
            _("该申请收到于2021年1月1日之前，国办函〔2020〕109号尚未施行，不收取信息处理费。"), field="notice_on"
        )
    check_day(
        notice_on, "notice_on", today=today, earliest=req.received_on,
        too_early=_("收费通知日期不能早于收到申请日期。"),
    )
    if notice_on < date(2021, 1, 1):
        raise WorkflowError(_("信息处理费自2021年1月1日起方可收取。"), field="notice_on")
    quoted = fee_quote(req, pages=pages, method=method)
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if quoted.amount <= 0:
            raise WorkflowError(
                _("按标准本申请不收费（%(basis)s），不能发出收费通知。") % {"basis": quoted.basis}, field="amount"
            )
        amount = Decimal(quoted.amount)
    try:
        amount = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise WorkflowError(_("收费金额应大于零。"), field="amount")
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("100000000"):
        raise WorkflowError(_("收费金额应为不超过两位小数的金额（元）。"), field="amount")
    amount_reason = (amount_reason or "").strip()
    if amount != quoted.amount and not amount_reason:
        raise WorkflowError(
            _("收费金额（%(amount)s元）与按标准计算的金额（%(quoted)d元）不同，请填写理由。")
            % {"amount": amount.normalize(), "quoted": quoted.amount},
            field="amount_reason",
        )
    if amount == quoted.amount:
        amount_reason = ""
    basis = (basis or "").strip() or quoted.basis
    calendar = load_work_calendar()
    with transaction.atomic():
        fee = FeeNotice.objects.create(
            request=req, amount=amount, basis=basis, notice_on=notice_on,
            due_on=dl.add_workdays(notice_on, dl.FEE_PAYMENT_DAYS, calendar),
            method=quoted.method, ordinal=quoted.ordinal, pages=quoted.pages,
            quoted_amount=Decimal(quoted.amount), amount_reason=amount_reason[:500],
        )
        data = {"fee_notice": fee.pk, "amount": amount, "notice_on": notice_on, "method": quoted.method,
                "quoted_amount": quoted.amount}
        data.update({"ordinal": quoted.ordinal} if quoted.ordinal is not None else {"pages": quoted.pages})
        if amount_reason:
            data["amount_reason"] = amount_reason
        apply_change(
            req, Action.ISSUE_FEE_NOTICE, actor=actor, now=now, expected_version=expected_version, data=data,
            recompute=settings.GONGKAI_FEE_PAUSES_CLOCK,
        )
    return fee


def record_fee_payment(
    fee: FeeNotice, *, actor: Actor, paid_on: date, receipt_number: str = "", today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> FeeNotice:
    today = today or timezone.localdate(now)
    if fee.paid_on is not None:
        raise InvalidTransition(_("该收费通知已经记录了缴费。"))
    check_day(paid_on, "paid_on", today=today, earliest=fee.notice_on, too_early=_("缴费日期不能早于收费通知日期。"))
    req = fee.request
    with transaction.atomic():
        if FeeNotice.objects.filter(pk=fee.pk, paid_on__isnull=True).update(
            paid_on=paid_on, receipt_number=receipt_number
        ) != 1:
            raise changed_meanwhile()
        apply_change(
            req, Action.RECORD_FEE_PAYMENT, actor=actor, now=now, expected_version=expected_version,
            data={"fee_notice": fee.pk, "paid_on": paid_on, "receipt_number": receipt_number},
            recompute=settings.GONGKAI_FEE_PAUSES_CLOCK,
        )
    fee.paid_on, fee.receipt_number = paid_on, receipt_number
    return fee


def approve_extension(
    req: DisclosureRequest, *, actor: Actor, days: int, approved_on: date, notified_on: date, reason: str,
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """第三十三条第二款: one extension of at most 20 working days, approved by the head of the
    disclosure office and notified to the applicant before the running deadline."""
    today = today or timezone.localdate(now)
    _check_permission(actor, req, Action.APPROVE_EXTENSION)  # before the guards: the head's decision
    if req.extension_days:
        raise WorkflowError(_("该申请已经延长过答复期限，条例第三十三条第二款只允许延长一次。"), field="days")
    if not isinstance(days, int) or not 1 <= days <= dl.MAX_EXTENSION_DAYS:
        raise WorkflowError(_("条例第三十三条第二款规定，延长的期限为1至20个工作日。"), field="days")
    if not (reason or "").strip():
        raise WorkflowError(_("请填写延期理由。"), field="reason")
    if req.due_on is None:
        raise WorkflowError(_("答复期限尚未起算（等待补正），不能延期。"), field="days")
    for name, value in (("approved_on", approved_on), ("notified_on", notified_on)):
        if value is None:
            raise WorkflowError(_("请填写日期。"), field=name)
        _not_future(value, today, name)
        if value > req.due_on:
            raise WorkflowError(
                _("延期须在原答复期限（%(due)s）届满前批准并告知申请人。") % {"due": req.due_on}, field=name
            )
        _not_before(value, req.received_on, name, _("日期不能早于收到申请日期。"))
    _not_before(notified_on, approved_on, "notified_on", _("告知申请人的日期不能早于批准延期的日期。"))
    with transaction.atomic():
        return apply_change(
            req, Action.APPROVE_EXTENSION, actor=actor, now=now, expected_version=expected_version,
            changes={
                "extension_days": days, "extension_approved_by": actor, "extension_approved_on": approved_on,
                "extension_notified_on": notified_on, "extension_reason": reason.strip(),
            },
            data={"days": days, "approved_on": approved_on, "notified_on": notified_on, "reason": reason.strip()},
            recompute=True,
        )


# 第三十五条: the agency may ask for reasons; if they are reasonable but the Art. 33 period cannot
# be met, it sets a reasonable later date (no statutory cap: a typo of a decade is caught instead).
MAX_DELAY_DAYS = 366


def request_reasons(
    req: DisclosureRequest, *, actor: Actor, requested_on: date, note: str, today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """要求说明理由: the applicant's applications are unreasonably many or frequent (第三十五条)."""
    today = today or timezone.localdate(now)
    if req.reasons_requested_on is not None:
        raise WorkflowError(
            _("已于%(on)s要求申请人说明理由。") % {"on": req.reasons_requested_on}, field="requested_on"
        )
    if not (note or "").strip():
        raise WorkflowError(_("请写明申请数量、频次明显超过合理范围的情况。"), field="note")
    check_day(requested_on, "requested_on", today=today, earliest=req.received_on,
               too_early=_("日期不能早于收到申请日期。"))
    with transaction.atomic():
        return apply_change(
            req, Action.REQUEST_REASONS, actor=actor, now=now, expected_version=expected_version,
            changes={"reasons_requested_on": requested_on, "reasons_request_note": note.strip()},
            data={"requested_on": requested_on, "note": note.strip()},
        )


def set_delayed_reply(
    req: DisclosureRequest, *, actor: Actor, finding: str, delayed_until: date, notified_on: date,
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """延迟答复: after the reasons were asked for and found reasonable, a later reply date, told to the
    applicant before the running deadline (statute.md §6.3)."""
    today = today or timezone.localdate(now)
    _check_permission(actor, req, Action.SET_DELAYED_REPLY)
    if req.reasons_requested_on is None:
        raise WorkflowError(_("确定延迟答复期限前，须先要求申请人说明理由（第三十五条）。"), field="finding")
    if req.delayed_until is not None:
        raise WorkflowError(
            _("该申请已确定延迟答复期限（%(on)s）。") % {"on": req.delayed_until}, field="delayed_until"
        )
    if not (finding or "").strip():
        raise WorkflowError(_("请填写对申请理由的认定意见。"), field="finding")
    if req.due_on is None:
        raise WorkflowError(_("答复期限尚未起算（等待补正），不能延迟答复。"), field="delayed_until")
    check_date(delayed_until, "delayed_until")
    if delayed_until <= req.due_on:
        raise WorkflowError(
            _("延迟答复期限应晚于当前答复期限（%(due)s）；在期限内能够答复的无须延迟。") % {"due": req.due_on},
            field="delayed_until",
        )
    if (delayed_until - req.due_on).days > MAX_DELAY_DAYS:
        raise WorkflowError(_("延迟答复期限距当前答复期限超过一年，请核对日期。"), field="delayed_until")
    check_day(notified_on, "notified_on", today=today, earliest=req.reasons_requested_on,
               too_early=_("告知日期不能早于要求说明理由的日期。"))
    if notified_on > req.due_on:
        raise WorkflowError(
            _("延迟答复须在当前答复期限（%(due)s）届满前告知申请人。") % {"due": req.due_on}, field="notified_on"
        )
    with transaction.atomic():
        return apply_change(
            req, Action.SET_DELAYED_REPLY, actor=actor, now=now, expected_version=expected_version,
            changes={"delay_finding": finding.strip(), "delayed_until": delayed_until,
                     "delay_notified_on": notified_on},
            data={"finding": finding.strip(), "delayed_until": delayed_until, "notified_on": notified_on},
            recompute=True,
        )
