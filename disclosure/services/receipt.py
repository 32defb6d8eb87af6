"""The staff's two arrows out of `submitted` (portal.md, 条例第三十一条): confirm an online application
— it is received that day, numbered, and its clock starts — or reject what is not an application."""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import DisclosureRequest
from ..workflow import Action, Status, WorkflowError, target_status
from .registration import format_reference
from .write import Actor, apply_change, changed_meanwhile, check_date

MAX_REASON = 500


def confirm_receipt(
    req: DisclosureRequest, *, actor: Actor, received_on: date | None = None, reason: str = "",
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """确认收到: an online application is received on the day both sides confirm it — the day of this
    confirmation, suggested; another day needs a reason (as register_request's override). Gives the
    reference number and computes the reply deadline."""
    today = today or timezone.localdate(now)
    reason = (reason or "").strip()
    derived = today
    if received_on is None:
        received_on = derived
    check_date(received_on, "received_on")
    if received_on > today:
        raise WorkflowError(_("收到申请日期不能晚于今天。"), field="received_on")
    if req.submitted_on and received_on < req.submitted_on:
        raise WorkflowError(_("收到申请日期不能早于网上提交日期。"), field="received_on")
    if received_on != derived and not reason:
        raise WorkflowError(
            _("收到申请日期与双方确认之日（%(derived)s）不同，调整需要填写理由。") % {"derived": derived},
            field="reason",
        )
    if len(reason) > MAX_REASON:
        raise WorkflowError(_("理由不能超过%(n)d个字符。") % {"n": MAX_REASON}, field="reason")
    if req.status != Status.SUBMITTED:
        # the arrow's own message, before a number is taken
        target_status(Action.CONFIRM_RECEIPT, req.status)
    year = received_on.year
    seq = 0
    saved = {name: getattr(req, name) for name in ("ref", "ref_year", "ref_seq")}
    for _attempt in range(10):
        seq = max(req.unit.next_reference_seq(year), seq + 1)
        ref = format_reference(req.unit, year, seq)
        try:
            with transaction.atomic():
                return apply_change(
                    req, Action.CONFIRM_RECEIPT, actor=actor, now=now, expected_version=expected_version,
                    changes={
                        "confirmed_on": today, "received_on": received_on,
                        "receipt_override_reason": reason if received_on != derived else "",
                        "ref": ref, "ref_year": year, "ref_seq": seq,
                        # the clerk who confirms an online application is its registrar (岗位分离)
                        "registered_by": actor if getattr(actor, "pk", None) else None,
                    },
                    data={"ref": ref, "received_on": received_on, "derived_received_on": derived,
                          "reason": reason},
                    recompute=True,
                )
        except IntegrityError:
            for name, value in saved.items():
                setattr(req, name, value)
            # another clerk took the number at the same moment: take the next one
    raise changed_meanwhile()


def reject_submission(
    req: DisclosureRequest, *, actor: Actor, reason: str, today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """不予确认: a submission that is not an application at all (empty, abusive, the same form sent
    twice). Closed before receipt: no number, no deadline, never counted; the reason goes to the
    applicant."""
    today = today or timezone.localdate(now)
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("请写明不予确认的理由（将告知申请人）。"), field="reason")
    if len(reason) > MAX_REASON:
        raise WorkflowError(_("理由不能超过%(n)d个字符。") % {"n": MAX_REASON}, field="reason")
    with transaction.atomic():
        return apply_change(
            req, Action.REJECT_SUBMISSION, actor=actor, now=now, expected_version=expected_version,
            changes={"reply_data": {"reason": reason, "rejected_on": today.isoformat()}},
            data={"reason": reason, "rejected_on": today},
        )
