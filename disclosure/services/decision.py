"""The decision and after: legal review, the reply (第三十六、三十七条), closure, archiving and the
later proceedings (第五十一条)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import Document

from ..models import DisclosureRequest, ProceedingOutcome
from ..workflow import (
    ADVERSE_OUTCOMES,
    CLOSING_OUTCOMES,
    OUTCOME_ALIASES,
    Action,
    Outcome,
    Status,
    WorkflowError,
    legal_review_required,
    missing_reply_fields,
)
from .write import Actor, apply_change, check_day


def _normalise_outcome(outcome: str) -> str:
    outcome = OUTCOME_ALIASES.get(outcome, outcome)
    if outcome not in Outcome.values:
        raise WorkflowError(_("请选择办理结果。"), field="outcome")
    return outcome


def _check_reply(outcome: str, reply_data: dict) -> None:
    if outcome in CLOSING_OUTCOMES:
        raise WorkflowError(_("视为放弃、撤回请使用“终止办理”。"), field="outcome")
    missing = missing_reply_fields(outcome, reply_data)
    if missing:
        field, label = next(iter(missing.items()))
        raise WorkflowError(
            _("办理结果“%(outcome)s”需要填写：%(fields)s。")
            % {"outcome": Outcome(outcome).label, "fields": "、".join(str(v) for v in missing.values())},
            field=field,
        )


def _drafter(actor: Actor) -> Actor:
    return actor if getattr(actor, "pk", None) else None


def submit_for_legal_review(
    req: DisclosureRequest, *, actor: Actor, outcome: str, reply_data: dict, expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    """Hand the draft reply (outcome and what it requires) to the legal reviewer; its submitter is
    its drafter, who may not approve it (岗位分离)."""
    outcome = _normalise_outcome(outcome)
    _check_reply(outcome, reply_data)
    with transaction.atomic():
        return apply_change(
            req, Action.SUBMIT_FOR_LEGAL_REVIEW, actor=actor, now=now, expected_version=expected_version,
            changes={"outcome": outcome, "reply_data": reply_data, "drafted_by": _drafter(actor)},
            data={"outcome": outcome, **reply_data},
        )


def submit_for_sign_off(
    req: DisclosureRequest, *, actor: Actor, outcome: str, reply_data: dict, expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    """Hand a draft reply that needs no legal review (workflow.legal_review_required) to the head."""
    outcome = _normalise_outcome(outcome)
    _check_reply(outcome, reply_data)
    if legal_review_required(outcome, req.unit.rules):
        if outcome in ADVERSE_OUTCOMES:
            message = _("办理结果“%(outcome)s”不利于申请人，签发前须经法制审核：请提交法制审核。")
        else:
            message = _("本单位所有答复签发前均须经法制审核：请提交法制审核（办理结果“%(outcome)s”）。")
        raise WorkflowError(message % {"outcome": Outcome(outcome).label}, field="outcome")
    with transaction.atomic():
        return apply_change(
            req, Action.SUBMIT_FOR_SIGN_OFF, actor=actor, now=now, expected_version=expected_version,
            changes={"outcome": outcome, "reply_data": reply_data, "drafted_by": _drafter(actor)},
            data={"outcome": outcome, **reply_data},
        )


def approve_legal_review(
    req: DisclosureRequest, *, actor: Actor, note: str = "", expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    with transaction.atomic():
        return apply_change(req, Action.APPROVE_LEGAL_REVIEW, actor=actor, now=now, expected_version=expected_version,
                      data={"note": note})


def return_for_revision(
    req: DisclosureRequest, *, actor: Actor, note: str, expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    if not (note or "").strip():
        raise WorkflowError(_("退回修改需要写明意见。"), field="note")
    with transaction.atomic():
        return apply_change(req, Action.RETURN_FOR_REVISION, actor=actor, now=now, expected_version=expected_version,
                      data={"note": note.strip()})


def reply(
    req: DisclosureRequest, *, actor: Actor, outcome: str | None = None, replied_on: date,
    reply_data: dict | None = None, today: date | None = None, expected_version: int | None = None,
    now: datetime | None = None,
) -> DisclosureRequest:
    """答复: the head signs (签发) the reply submitted for sign-off — after legal review where
    required — with what its outcome requires (第三十六、三十七条); the reply date concludes it."""
    today = today or timezone.localdate(now)
    if req.status == Status.SIGN_OFF:
        # what was submitted (and reviewed) is what is signed; changing it means returning for revision
        if outcome is not None and OUTCOME_ALIASES.get(outcome, outcome) != req.outcome:
            raise WorkflowError(_("签发的办理结果须与提交签发的一致；如需改变请退回修改。"), field="outcome")
        outcome, reply_data = req.outcome, {**req.reply_data, **(reply_data or {})}
    outcome = _normalise_outcome(outcome or "")
    reply_data = dict(reply_data or {})
    _check_reply(outcome, reply_data)
    check_day(
        replied_on, "replied_on", today=today, earliest=req.received_on, too_early=_("答复日期不能早于收到申请日期。"),
    )
    if outcome == Outcome.UNAVAILABLE_UNCLEAR and not req.correction_received_on:
        raise WorkflowError(_("“补正后申请内容仍不明确”需要先有补正记录。"), field="outcome")
    late = req.due_on is not None and replied_on > req.due_on
    with transaction.atomic():
        return apply_change(
            req, Action.REPLY, actor=actor, now=now, expected_version=expected_version,
            changes={"outcome": outcome, "reply_data": reply_data, "concluded_on": replied_on},
            data={"outcome": outcome, "replied_on": replied_on, "late": late, **reply_data},
        )


def _check_correction_lapsed(req: DisclosureRequest, concluded_on: date, reason: str) -> None:
    """第三十条: 逾期不补正的视为放弃申请 — only after the period in the notice has run out. A request
    imported from a ledger may wait for a correction with no period on record: then the reason
    must say that the period lapsed, and the date must come after the notice."""
    if req.status != Status.AWAITING_CORRECTION:
        raise WorkflowError(_("只有在等待补正时，才能以逾期不补正视为放弃。"), field="outcome")
    if req.correction_period_until is not None:
        if concluded_on <= req.correction_period_until:
            raise WorkflowError(
                _("补正期限（%(until)s）尚未届满。") % {"until": req.correction_period_until}, field="concluded_on"
            )
        return
    if not (reason or "").strip():
        raise WorkflowError(
            _("该申请没有记录补正期限，请在理由中写明补正期限已届满（例如告知书载明的期限）。"), field="reason"
        )
    if req.correction_requested_on is not None and concluded_on <= req.correction_requested_on:
        raise WorkflowError(
            _("终止日期应晚于补正告知日期（%(on)s）。") % {"on": req.correction_requested_on}, field="concluded_on"
        )


def conclude(
    req: DisclosureRequest, *, actor: Actor, outcome: str, concluded_on: date, reason: str = "",
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """终止: abandoned after no correction (第三十条) or an unpaid fee (109号), or withdrawn."""
    today = today or timezone.localdate(now)
    outcome = _normalise_outcome(outcome)
    if outcome not in CLOSING_OUTCOMES:
        raise WorkflowError(_("终止办理只适用于视为放弃和申请人撤回；其他结果请答复。"), field="outcome")
    check_day(
        concluded_on, "concluded_on", today=today, earliest=req.received_on,
        too_early=_("终止日期不能早于收到申请日期。"),
    )
    if outcome == Outcome.ABANDONED_NO_CORRECTION:
        _check_correction_lapsed(req, concluded_on, reason)
    if outcome == Outcome.ABANDONED_FEE_UNPAID:
        lapsed = req.fee_notices.filter(paid_on__isnull=True, due_on__lt=concluded_on).exists()
        if not lapsed:
            raise WorkflowError(_("没有已过缴费期限且未缴费的收费通知。"), field="outcome")
    with transaction.atomic():
        return apply_change(
            req, Action.CONCLUDE, actor=actor, now=now, expected_version=expected_version,
            changes={"outcome": outcome, "concluded_on": concluded_on, "reply_data": {"reason": reason}},
            data={"outcome": outcome, "concluded_on": concluded_on, "reason": reason},
        )


def record_letter_number(req: DisclosureRequest, *, number: str, now: datetime | None = None) -> None:
    """The reply's 答复书文号 is the number its issued 答复书 took (documents.services, in the issuing
    transaction; a reissued 答复书 replaces it). The reply itself is not changed."""
    reply_data = {**(req.reply_data or {}), "letter_number": number}
    # No version step: it is written in the transaction of the reply (or of a reissue, after the
    # conclusion, when no other action writes reply_data), so no one can hold a stale copy of it.
    DisclosureRequest.objects.filter(pk=req.pk).update(reply_data=reply_data, updated_at=now or timezone.now())
    req.reply_data = reply_data


def _issued_reply(req: DisclosureRequest) -> Document | None:
    """The 答复书 delivered: the latest issued one that no later one replaces (None if none was issued)."""
    return req.documents.filter(kind="reply", replaced_by__isnull=True).order_by("-issued_at", "-pk").first()


def _letter_made_elsewhere(req: DisclosureRequest) -> bool:
    """A request imported from a ledger (its letters are history), or a reply whose 答复书文号 was
    recorded by hand because its letter was made outside Gongkai (replies before the documents
    existed here, or signed with issue_letter off): nothing to issue before archiving."""
    if (req.reply_data or {}).get("letter_number"):
        return True
    return req.events.filter(action=Action.IMPORT).exists()


def archive(
    req: DisclosureRequest, *, actor: Actor, delivery_method: str, delivered_on: date,
    archived_on: date | None = None, archive_number: str = "", today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """归档 needs the delivery record (送达方式和日期) and, for a reply, its issued 答复书 — which the
    delivery record names — unless its letter was made elsewhere (_letter_made_elsewhere)."""
    today = today or timezone.localdate(now)
    archived_on = archived_on or today
    if not (delivery_method or "").strip():
        raise WorkflowError(_("归档前请填写送达方式。"), field="delivery_method")
    if delivered_on is None:
        raise WorkflowError(_("归档前请填写送达日期。"), field="delivered_on")
    check_day(
        delivered_on, "delivered_on", today=today, earliest=req.concluded_on, too_early=_("送达日期不能早于办结日期。"),
    )
    check_day(archived_on, "archived_on", today=today, earliest=delivered_on, too_early=_("归档日期不能早于送达日期。"))
    delivered = _issued_reply(req) if req.status == Status.REPLIED else None
    if req.status == Status.REPLIED and delivered is None and not _letter_made_elsewhere(req):
        raise WorkflowError(_("答复书尚未出具：请先在“文书”中出具答复书，再归档。"))
    with transaction.atomic():
        return apply_change(
            req, Action.ARCHIVE, actor=actor, now=now, expected_version=expected_version,
            changes={
                "delivery_method": delivery_method.strip(), "delivered_on": delivered_on,
                "archived_on": archived_on, "archive_number": archive_number.strip(),
            },
            data={"delivery_method": delivery_method.strip(), "delivered_on": delivered_on,
                  "archived_on": archived_on, "archive_number": archive_number.strip(),
                  **({"delivered_document": delivered.number} if delivered is not None else {})},
        )


# --- later proceedings (第五十一条; table 四 of the annual report) ------------------------------


def _check_proceeding(
    *, filed_on: date, outcome: str, decided_on: date | None, today: date, earliest_filed: date | None,
    too_early: str,
) -> str:
    """The checks the ledger applies to the same columns (ledger.md: not before the conclusion, a
    decision not before its filing, an outcome only with its date); returns the outcome code."""
    check_day(filed_on, "filed_on", today=today, earliest=earliest_filed, too_early=too_early)
    outcome = (outcome or "").strip()
    if outcome and outcome not in ProceedingOutcome.values:
        raise WorkflowError(_("请选择维持、纠正、其他，或留空表示尚未审结。"), field="outcome")
    if outcome and decided_on is None:
        raise WorkflowError(_("填写了结果，请同时填写决定日期。"), field="decided_on")
    if decided_on is not None and not outcome:
        raise WorkflowError(_("填写了决定日期，请同时选择结果。"), field="outcome")
    if decided_on is not None:
        check_day(decided_on, "decided_on", today=today, earliest=filed_on,
                   too_early=_("决定日期不能早于申请（起诉）日期。"))
    return outcome


def record_reconsideration(
    req: DisclosureRequest, *, actor: Actor, filed_on: date, outcome: str = "", decided_on: date | None = None,
    today: date | None = None, expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """登记行政复议: the filing, and later its decision (an empty outcome counts as 尚未审结)."""
    today = today or timezone.localdate(now)
    outcome = _check_proceeding(filed_on=filed_on, outcome=outcome, decided_on=decided_on,
                                today=today, earliest_filed=req.concluded_on,
                                too_early=_("申请复议日期不能早于办结日期。"))
    if req.litigation_after_reconsideration and req.litigation_filed_on and filed_on > req.litigation_filed_on:
        raise WorkflowError(
            _("已登记复议后起诉（%(on)s），申请复议日期不能晚于起诉日期。") % {"on": req.litigation_filed_on},
            field="filed_on",
        )
    with transaction.atomic():
        return apply_change(
            req, Action.RECORD_RECONSIDERATION, actor=actor, now=now, expected_version=expected_version,
            changes={"reconsideration_filed_on": filed_on, "reconsideration_outcome": outcome,
                     "reconsideration_decided_on": decided_on},
            data={"filed_on": filed_on, "proceeding_outcome": outcome, "decided_on": decided_on},
        )


def record_litigation(
    req: DisclosureRequest, *, actor: Actor, filed_on: date, after_reconsideration: bool = False,
    outcome: str = "", decided_on: date | None = None, today: date | None = None,
    expected_version: int | None = None, now: datetime | None = None,
) -> DisclosureRequest:
    """登记行政诉讼: direct, or after a 复议 (行政复议法 2023 第二十三条 makes 复议 come first for a refusal)."""
    today = today or timezone.localdate(now)
    after_reconsideration = bool(after_reconsideration)
    earliest, too_early = req.concluded_on, _("起诉日期不能早于办结日期。")
    if after_reconsideration:
        if req.reconsideration_filed_on is None:
            raise WorkflowError(_("复议后起诉的，请先登记行政复议。"), field="after_reconsideration")
        earliest, too_early = req.reconsideration_filed_on, _("复议后起诉的，起诉日期不能早于申请复议日期。")
    outcome = _check_proceeding(filed_on=filed_on, outcome=outcome, decided_on=decided_on,
                                today=today, earliest_filed=earliest, too_early=too_early)
    with transaction.atomic():
        return apply_change(
            req, Action.RECORD_LITIGATION, actor=actor, now=now, expected_version=expected_version,
            changes={"litigation_filed_on": filed_on, "litigation_after_reconsideration": after_reconsideration,
                     "litigation_outcome": outcome, "litigation_decided_on": decided_on},
            data={"filed_on": filed_on, "after_reconsideration": after_reconsideration,
                  "proceeding_outcome": outcome, "decided_on": decided_on},
        )
