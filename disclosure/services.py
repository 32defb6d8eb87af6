"""The only writers of a request's state and deadlines: one function per arrow of the workflow.

Each service checks the actor's role (access.py), the arrow (workflow.py) and the action's own
guards, writes with a compare-and-set on `version` (so two people acting at once cannot both win,
on SQLite as on PostgreSQL), recomputes the stored deadlines and appends one RequestEvent.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import deadlines as dl
from .access import ACTING_ROLES, access_for
from .idnumbers import InvalidIdNumber, check_id_number, is_person
from .models import (
    Attachment,
    CalendarYear,
    Channel,
    Consultation,
    DisclosureRequest,
    FeeNotice,
    PostKind,
    ProceedingOutcome,
    RequestEvent,
    Unit,
)
from .workcalendar import load_work_calendar
from .workflow import (
    CLOSING_OUTCOMES,
    OUTCOME_ALIASES,
    ROLE_HEAD,
    Action,
    ConcurrentChange,
    InvalidTransition,
    Outcome,
    Status,
    WorkflowError,
    missing_reply_fields,
    target_status,
)


class NotPermitted(WorkflowError):
    pass


# --- Art. 31: the receipt date ---------------------------------------------------------------


def derive_receipt_date(
    channel: str, post_kind: str, submitted_on: date | None, signed_for_on: date | None, confirmed_on: date | None
) -> date:
    """条例第三十一条: in person — the day handed in; signed post — the day signed for; ordinary
    letter, online, fax, e-mail — the day both sides confirmed."""
    if channel in (Channel.IN_PERSON, Channel.OTHER):
        if submitted_on is None:
            raise WorkflowError(_("当面提交的申请需要填写提交日期。"), field="submitted_on")
        return submitted_on
    if channel == Channel.LETTER and post_kind != PostKind.ORDINARY:
        if signed_for_on is None:
            raise WorkflowError(_("需签收的邮寄申请以签收之日为收到申请之日，请填写签收日期。"), field="signed_for_on")
        return signed_for_on
    if confirmed_on is None:
        raise WorkflowError(
            _("平常信函、网络、传真和电子邮件申请以双方确认之日为收到申请之日，请填写双方确认日期。"),
            field="confirmed_on",
        )
    return confirmed_on


def _receipt_field(channel: str, post_kind: str) -> str:
    """The field derive_receipt_date takes the receipt date from."""
    if channel in (Channel.IN_PERSON, Channel.OTHER):
        return "submitted_on"
    if channel == Channel.LETTER and post_kind != PostKind.ORDINARY:
        return "signed_for_on"
    return "confirmed_on"


def format_reference(unit: Unit, year: int, seq: int) -> str:
    if unit.ref_prefix:
        return f"{unit.ref_prefix}〔{year}〕第{seq:04d}号"
    return f"{unit.code}-{year}-{seq:04d}"


def parse_reference(unit: Unit, ref: str) -> tuple[int, int] | None:
    """(year, seq) when `ref` is in the unit's own numbering, so given numbers are not handed out again."""
    if unit.ref_prefix:
        pattern = re.escape(unit.ref_prefix) + r"〔(\d{4})〕第(\d+)号"
    else:
        pattern = re.escape(unit.code) + r"-(\d{4})-(\d+)"
    match = re.fullmatch(pattern, ref)
    return (int(match[1]), int(match[2])) if match else None


# --- deadlines -------------------------------------------------------------------------------


def case_dates(
    req: DisclosureRequest, calendar: dl.WorkCalendar | None = None, *, consultations=None, fees=None
) -> dl.CaseDates:
    """The dates the deadline depends on, from the request and its consultations (and fees); a bulk
    caller (the ledger) passes the records it holds, so there is no query per request."""
    if consultations is None:
        consultations = req.consultations.all() if req.pk else []
    pauses = [dl.Interval(sent_on=c.sent_on, answered_on=c.replied_on) for c in consultations]
    if settings.GONGKAI_FEE_PAUSES_CLOCK:
        if fees is None:
            fees = req.fee_notices.all() if req.pk else []
        # Unpaid, the pause runs to the end of the payment period (then the case is abandoned).
        pauses += [dl.Interval(sent_on=f.notice_on, answered_on=f.paid_on, max_days=dl.FEE_PAYMENT_DAYS) for f in fees]
    return dl.CaseDates(
        received_on=req.received_on,
        correction_requested_on=req.correction_requested_on,
        correction_received_on=req.correction_received_on,
        pauses=tuple(pauses),
        extension_days=req.extension_days,
        concluded_on=req.concluded_on,
        delayed_until=req.delayed_until,
    )


DEADLINE_FIELDS = ("correction_due_on", "clock_start_on", "base_due_on", "due_on", "due_is_provisional")


def deadline_fields(deadline: dl.Deadline) -> dict:
    return {
        "correction_due_on": deadline.correction_due_on,
        "clock_start_on": deadline.clock_start_on,
        "base_due_on": deadline.base_due_on,
        "due_on": deadline.due_on,
        "due_is_provisional": deadline.is_provisional,
    }


def explain_deadline(req: DisclosureRequest, today: date, calendar: dl.WorkCalendar | None = None) -> dict:
    """How the deadline was computed, for the change page and the API."""
    calendar = calendar or load_work_calendar()
    dates = case_dates(req)
    deadline = dl.compute_deadline(dates, calendar)
    left = None
    if deadline.due_on and req.is_open:
        left = dl.workdays_left(deadline.due_on, today, calendar)
    return {
        "received_on": req.received_on,
        "correction_due_on": deadline.correction_due_on,
        "clock_start_on": deadline.clock_start_on,
        "clock_stopped": deadline.clock_stopped,
        "base_due_on": deadline.base_due_on,
        "extension_days": deadline.extension_days,
        "delayed_until": deadline.delayed_until,
        "due_on": deadline.due_on,
        "paused_days": deadline.paused_days,
        "skipped_holidays": deadline.skipped_holidays,
        "is_provisional": deadline.is_provisional,
        "workdays_left": left,
        "workdays_used": dl.workdays_used(dates, calendar, today),
    }


def recompute_open_deadlines(calendar: dl.WorkCalendar | None = None, *, batch_size: int = 500) -> int:
    """After a calendar edit: recompute the stored deadlines of every open request; returns changed."""
    calendar = calendar or load_work_calendar()
    changed = 0
    qs = DisclosureRequest.objects.open().prefetch_related("consultations", "fee_notices").order_by("pk")
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return changed
        last_pk = batch[-1].pk
        for req in batch:
            fields = deadline_fields(dl.compute_deadline(case_dates(req), calendar))
            if any(getattr(req, k) != v for k, v in fields.items()):
                # only if nobody moved the request meanwhile (their transition recomputed it itself)
                changed += DisclosureRequest.objects.filter(
                    pk=req.pk, version=req.version, status=req.status
                ).update(**fields)


def calendar_covers(year: int) -> bool:
    return CalendarYear.objects.filter(year=year).exists()


# --- the write path ----------------------------------------------------------------------------


def _json(value):
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _check_permission(actor, req: DisclosureRequest, action: str) -> None:
    access = access_for(actor)
    if not access.can(action, req.unit_id):
        raise NotPermitted(_("您没有在本单位进行“%(action)s”的权限。") % {"action": Action(action).label})


def _changed_meanwhile() -> ConcurrentChange:
    return ConcurrentChange(_("该申请已被他人修改，请刷新页面后重试。"))


def _apply(
    req: DisclosureRequest,
    action: str,
    *,
    actor,
    changes: dict | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
    recompute: bool = False,
    stay: bool = False,
) -> DisclosureRequest:
    """Check the arrow, compare-and-set the row, append the event. Call inside transaction.atomic.
    With stay=True the arrow is checked but the request keeps its state (e.g. a consultation
    answered while another is still out)."""
    _check_permission(actor, req, action)
    current = req.status
    target = target_status(action, current)
    if stay:
        target = current
    version = req.version if expected_version is None else expected_version
    changes = dict(changes or {})
    before = {name: getattr(req, name) for name in (*changes, *DEADLINE_FIELDS)}
    for name, value in changes.items():
        setattr(req, name, value)
    if recompute:
        changes.update(deadline_fields(dl.compute_deadline(case_dates(req), load_work_calendar())))
    changes["status"] = target
    rows = DisclosureRequest.objects.filter(pk=req.pk, version=version, status=current).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if rows != 1:
        for name, value in before.items():  # leave the caller's object as it was
            setattr(req, name, value)
        raise _changed_meanwhile()
    for name, value in changes.items():
        setattr(req, name, value)
    req.version = version + 1
    RequestEvent.objects.create(
        request=req,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        from_status=current,
        to_status=target,
        data={k: _json(v) for k, v in (data or {}).items()},
    )
    return req


def _not_before(value: date, earliest: date | None, field: str, message: str) -> None:
    if earliest is not None and value < earliest:
        raise WorkflowError(message, field=field)


def _check_date(value, field: str) -> None:
    """A date and nothing else: None, text or a datetime from a careless caller is a field error, not a 500."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise WorkflowError(_("请填写有效的日期（YYYY-MM-DD）。"), field=field)


def _not_future(value: date, today: date, field: str) -> None:
    _check_date(value, field)
    if value > today:
        raise WorkflowError(_("日期不能晚于今天。"), field=field)


def _check_day(value, field: str, *, today: date, earliest: date | None, too_early: str) -> None:
    """A date of something that happened: a real date, not after today, not before `earliest`."""
    _not_future(value, today, field)
    _not_before(value, earliest, field, too_early)


def _check_id_numbers(fields: dict, applicant_type: str | None, stored: DisclosureRequest | None = None) -> None:
    """Resident ID numbers (GB 11643) and credit codes (GB 32100) must carry a correct check digit
    (a number stored before this check and left unchanged is not held against an edit)."""
    for name, person in (("applicant_id_number", is_person(applicant_type)), ("agent_id_number", True)):
        if fields.get(name) and (stored is None or fields[name] != getattr(stored, name)):
            try:
                fields[name] = check_id_number(fields[name], person=person)
            except InvalidIdNumber as exc:
                raise WorkflowError(str(exc), field=name) from None


def register_request(*, actor, unit: Unit, today: date | None = None, **fields) -> DisclosureRequest:
    """登记: derive the Art. 31 receipt date, number the request, compute its deadlines."""
    today = today or timezone.localdate()
    access = access_for(actor)
    if not access.can(Action.REGISTER, unit.pk):
        raise NotPermitted(_("您没有在“%(unit)s”登记申请的权限。") % {"unit": unit.name})
    _check_id_numbers(fields, fields.get("applicant_type"))
    if fields.get("channel") not in Channel.values:
        raise WorkflowError(_("请选择申请方式。"), field="channel")
    if fields["channel"] == Channel.LETTER and fields.get("post_kind") not in PostKind.values:
        # 第三十一条第二项: signed post and ordinary letters have different receipt dates
        raise WorkflowError(_("信函申请请选择邮寄方式（需签收或平常信函）。"), field="post_kind")
    if fields.get("submitted_on") is None:
        raise WorkflowError(_("请填写提交日期（当面递交、寄出或网上提交之日）。"), field="submitted_on")
    for name in ("submitted_on", "signed_for_on", "confirmed_on", "received_on"):
        if fields.get(name) is not None:
            _check_date(fields[name], name)
    override = fields.pop("received_on", None)
    reason = (fields.get("receipt_override_reason") or "").strip()
    derived = derive_receipt_date(
        fields.get("channel", ""),
        fields.get("post_kind", ""),
        fields.get("submitted_on"),
        fields.get("signed_for_on"),
        fields.get("confirmed_on"),
    )
    received_on = derived
    if override is not None and override != derived:
        if not reason:
            raise WorkflowError(
                _("收到申请日期与按申请方式推算的日期（%(derived)s）不同，调整需要填写理由。") % {"derived": derived},
                field="receipt_override_reason",
            )
        received_on = override
    for name in ("submitted_on", "signed_for_on", "confirmed_on"):
        value = fields.get(name)
        if value is not None and value > today:
            raise WorkflowError(_("日期不能晚于今天。"), field=name)
    if received_on > today:
        raise WorkflowError(_("收到申请日期不能晚于今天。"), field="received_on")
    submitted_on = fields.get("submitted_on")
    if submitted_on and received_on < submitted_on:
        # name the date the clerk typed: the override, or the channel's own date
        field = "received_on" if received_on != derived else _receipt_field(fields["channel"], fields.get("post_kind", ""))
        raise WorkflowError(_("收到申请日期不能早于提交日期。"), field=field)
    ref = (fields.pop("ref", "") or "").strip()
    fields.pop("status", None)
    calendar = load_work_calendar()
    seq = 0
    for attempt in range(10):
        req = DisclosureRequest(unit=unit, received_on=received_on, **fields)
        req.ref_year = received_on.year
        if not ref:
            # never retry the same number: a given reference may already hold it
            seq = max(unit.next_reference_seq(received_on.year), seq + 1)
            req.ref_seq = seq
            req.ref = format_reference(unit, received_on.year, req.ref_seq)
        else:
            req.ref = ref
            parsed = parse_reference(unit, ref)
            if parsed:
                req.ref_year, req.ref_seq = parsed
        for name, value in deadline_fields(dl.compute_deadline(case_dates(req), calendar)).items():
            setattr(req, name, value)
        try:
            with transaction.atomic():
                req.save()
                RequestEvent.objects.create(
                    request=req,
                    actor=actor,
                    action=Action.REGISTER,
                    from_status="",
                    to_status=req.status,
                    data={"ref": req.ref, "received_on": received_on.isoformat(), "derived_received_on": derived.isoformat()},
                )
            return req
        except IntegrityError:
            if ref:
                raise WorkflowError(_("本单位已有编号为“%(ref)s”的申请。") % {"ref": ref}, field="ref") from None
            # another clerk took the number at the same moment: take the next one
    raise WorkflowError(_("未能生成申请编号，请重试。"))


def update_registration(req: DisclosureRequest, *, actor, expected_version=None, **fields) -> DisclosureRequest:
    """Edit the registration fields that may still change while the request is open."""
    editable = {
        "applicant_name", "applicant_id_number", "applicant_contact", "agent_name", "agent_id_number",
        "agent_contact", "content", "provision_form", "purpose", "applicant_type",
    }
    unknown = set(fields) - editable
    if unknown:
        raise WorkflowError(_("这些字段不能在登记后修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    _check_id_numbers(fields, fields.get("applicant_type", req.applicant_type), stored=req)
    changed = {k: v for k, v in fields.items() if getattr(req, k) != v}
    with transaction.atomic():
        return _apply(
            req, Action.EDIT, actor=actor, changes=changed, expected_version=expected_version,
            data={"fields": sorted(changed)},
        )


def start_review(req, *, actor, expected_version=None):
    with transaction.atomic():
        return _apply(req, Action.START_REVIEW, actor=actor, expected_version=expected_version)


def request_correction(req, *, actor, requested_on: date, items: str, period_until: date, today=None,
                       expected_version=None):
    """第三十条: one notice listing every item to correct and a reasonable period."""
    today = today or timezone.localdate()
    if not (items or "").strip():
        raise WorkflowError(_("补正告知需要写明需要补正的事项。"), field="items")
    if period_until is None:
        raise WorkflowError(_("补正告知需要写明合理的补正期限。"), field="period_until")
    _check_date(period_until, "period_until")
    # a later round concerns the corrected application: its receipt starts the 7 days again
    receipt = req.correction_received_on or req.received_on
    _check_day(
        requested_on, "requested_on", today=today, earliest=receipt,
        too_early=_("补正告知日期不能早于收到申请（或收到补正）日期。"),
    )
    if period_until <= requested_on:
        raise WorkflowError(_("补正期限应晚于补正告知日期。"), field="period_until")
    if req.correction_received_on:
        notice_due = dl.add_workdays(receipt, dl.CORRECTION_NOTICE_DAYS, load_work_calendar())
    else:
        notice_due = req.correction_due_on
    late = notice_due is not None and requested_on > notice_due
    with transaction.atomic():
        return _apply(
            req,
            Action.REQUEST_CORRECTION,
            actor=actor,
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


def record_correction(req, *, actor, received_on: date, today=None, expected_version=None):
    """第三十条: the reply period runs again from the receipt of the corrected application."""
    today = today or timezone.localdate()
    _check_day(
        received_on, "received_on", today=today, earliest=req.correction_requested_on,
        too_early=_("收到补正日期不能早于补正告知日期。"),
    )
    with transaction.atomic():
        return _apply(
            req, Action.RECORD_CORRECTION, actor=actor, expected_version=expected_version,
            changes={"correction_received_on": received_on}, data={"received_on": received_on}, recompute=True,
        )


def accept(req, *, actor, expected_version=None):
    with transaction.atomic():
        return _apply(req, Action.ACCEPT, actor=actor, expected_version=expected_version)


def assign_handler(req, *, actor, handler, expected_version=None):
    if handler is not None and not (
        handler.is_active and handler.roles.filter(unit_id=req.unit_id, role__in=ACTING_ROLES).exists()
    ):
        raise WorkflowError(_("经办人须是本单位的在岗工作人员。"), field="handler")
    with transaction.atomic():
        return _apply(
            req, Action.ASSIGN, actor=actor, expected_version=expected_version, changes={"handler": handler},
            data={"handler": handler.pk if handler else None, "handler_name": str(handler) if handler else ""},
        )


def start_consultation(req, *, actor, kind: str, party: str, sent_on: date, today=None, expected_version=None):
    """第三十二条/第三十四条: the consulted party has 15 working days; the time is not counted."""
    today = today or timezone.localdate()
    if kind not in Consultation.Kind.values:
        raise WorkflowError(_("请选择征求意见的类型。"), field="kind")
    if not (party or "").strip():
        raise WorkflowError(_("请填写被征求意见方。"), field="party")
    _check_day(
        sent_on, "sent_on", today=today, earliest=req.clock_start_on or req.received_on,
        too_early=_("征求意见日期不能早于收到申请日期。"),
    )
    calendar = load_work_calendar()
    with transaction.atomic():
        consultation = Consultation.objects.create(
            request=req, kind=kind, party=party.strip(), sent_on=sent_on,
            due_on=dl.add_workdays(sent_on, dl.CONSULTATION_DAYS, calendar),
        )
        _apply(
            req, Action.START_CONSULTATION, actor=actor, expected_version=expected_version,
            data={"consultation": consultation.pk, "kind": kind, "party": party.strip(), "sent_on": sent_on},
            recompute=True,
        )
    return consultation


def record_consultation_reply(consultation: Consultation, *, actor, replied_on: date, opinion: str = "",
                              consents: bool | None = None, today=None, expected_version=None):
    """Record the answer (or the end of the period: for another body, silence counts as consent)."""
    today = today or timezone.localdate()
    req = consultation.request
    if consultation.replied_on is not None:
        raise InvalidTransition(_("该征求意见已经记录了答复。"))
    _check_day(
        replied_on, "replied_on", today=today, earliest=consultation.sent_on, too_early=_("答复日期不能早于征求意见日期。"),
    )
    if consents is None and consultation.kind == Consultation.Kind.AGENCY and replied_on >= consultation.due_on:
        consents = True  # 第三十四条: 逾期未提出意见的视为同意公开
    with transaction.atomic():
        updated = Consultation.objects.filter(pk=consultation.pk, replied_on__isnull=True).update(
            replied_on=replied_on, opinion=opinion, consents=consents
        )
        if updated != 1:
            raise _changed_meanwhile()
        still_open = req.consultations.filter(replied_on__isnull=True).exists()
        # other consultations still out: the request stays in consultation
        _apply(
            req, Action.RECORD_CONSULTATION_REPLY, actor=actor, expected_version=expected_version,
            data={"consultation": consultation.pk, "replied_on": replied_on, "consents": consents},
            recompute=True, stay=still_open,
        )
    consultation.replied_on, consultation.opinion, consultation.consents = replied_on, opinion, consents
    return consultation


def issue_fee_notice(req, *, actor, amount: Decimal, basis: str, notice_on: date, today=None, expected_version=None):
    """条例第四十二条, 国办函〔2020〕109号: pay within 20 working days from the day after notice."""
    today = today or timezone.localdate()
    try:
        amount = Decimal(str(amount).strip())
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0:
        raise WorkflowError(_("收费金额应大于零。"), field="amount")
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("100000000"):
        raise WorkflowError(_("收费金额应为不超过两位小数的金额（元）。"), field="amount")
    if not (basis or "").strip():
        raise WorkflowError(_("请写明收费依据和标准。"), field="basis")
    _check_day(
        notice_on, "notice_on", today=today, earliest=req.received_on, too_early=_("收费通知日期不能早于收到申请日期。"),
    )
    if notice_on < date(2021, 1, 1):
        raise WorkflowError(_("信息处理费自2021年1月1日起方可收取。"), field="notice_on")
    calendar = load_work_calendar()
    with transaction.atomic():
        fee = FeeNotice.objects.create(
            request=req, amount=amount, basis=basis.strip(), notice_on=notice_on,
            due_on=dl.add_workdays(notice_on, dl.FEE_PAYMENT_DAYS, calendar),
        )
        _apply(
            req, Action.ISSUE_FEE_NOTICE, actor=actor, expected_version=expected_version,
            data={"fee_notice": fee.pk, "amount": amount, "notice_on": notice_on},
            recompute=settings.GONGKAI_FEE_PAUSES_CLOCK,
        )
    return fee


def record_fee_payment(fee: FeeNotice, *, actor, paid_on: date, receipt_number: str = "", today=None,
                       expected_version=None):
    today = today or timezone.localdate()
    if fee.paid_on is not None:
        raise InvalidTransition(_("该收费通知已经记录了缴费。"))
    _check_day(paid_on, "paid_on", today=today, earliest=fee.notice_on, too_early=_("缴费日期不能早于收费通知日期。"))
    req = fee.request
    with transaction.atomic():
        if FeeNotice.objects.filter(pk=fee.pk, paid_on__isnull=True).update(
            paid_on=paid_on, receipt_number=receipt_number
        ) != 1:
            raise _changed_meanwhile()
        _apply(
            req, Action.RECORD_FEE_PAYMENT, actor=actor, expected_version=expected_version,
            data={"fee_notice": fee.pk, "paid_on": paid_on, "receipt_number": receipt_number},
            recompute=settings.GONGKAI_FEE_PAUSES_CLOCK,
        )
    fee.paid_on, fee.receipt_number = paid_on, receipt_number
    return fee


def approve_extension(req, *, actor, days: int, approved_on: date, notified_on: date, reason: str,
                      today=None, expected_version=None):
    """第三十三条第二款: one extension of at most 20 working days, approved by the head of the
    disclosure office and notified to the applicant before the running deadline."""
    today = today or timezone.localdate()
    if ROLE_HEAD not in access_for(actor).roles_in(req.unit_id):
        # not even a system admin: the statute names who approves (ROLE_ONLY_ACTIONS)
        raise NotPermitted(_("延长答复期限须经本单位政府信息公开工作机构负责人批准。"))
    if req.extension_days:
        raise WorkflowError(_("该申请已经延长过答复期限，条例只允许延长一次。"), field="days")
    if not isinstance(days, int) or not 1 <= days <= dl.MAX_EXTENSION_DAYS:
        raise WorkflowError(_("延长的期限应为1至20个工作日。"), field="days")
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
        return _apply(
            req, Action.APPROVE_EXTENSION, actor=actor, expected_version=expected_version,
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


def request_reasons(req, *, actor, requested_on: date, note: str, today=None, expected_version=None):
    """要求说明理由: the applicant's applications are unreasonably many or frequent (第三十五条)."""
    today = today or timezone.localdate()
    if req.reasons_requested_on is not None:
        raise WorkflowError(
            _("已于%(on)s要求申请人说明理由。") % {"on": req.reasons_requested_on}, field="requested_on"
        )
    if not (note or "").strip():
        raise WorkflowError(_("请写明申请数量、频次明显超过合理范围的情况。"), field="note")
    _check_day(requested_on, "requested_on", today=today, earliest=req.received_on,
               too_early=_("日期不能早于收到申请日期。"))
    with transaction.atomic():
        return _apply(
            req, Action.REQUEST_REASONS, actor=actor, expected_version=expected_version,
            changes={"reasons_requested_on": requested_on, "reasons_request_note": note.strip()},
            data={"requested_on": requested_on, "note": note.strip()},
        )


def set_delayed_reply(req, *, actor, finding: str, delayed_until: date, notified_on: date, today=None,
                      expected_version=None):
    """延迟答复: after the reasons were asked for and found reasonable, a later reply date, told to the
    applicant before the running deadline (statute.md §6.3)."""
    today = today or timezone.localdate()
    if ROLE_HEAD not in access_for(actor).roles_in(req.unit_id):
        raise NotPermitted(_("确定延迟答复期限须由本单位政府信息公开工作机构负责人决定。"))
    if req.reasons_requested_on is None:
        raise WorkflowError(_("确定延迟答复期限前，须先要求申请人说明理由（第三十五条）。"), field="finding")
    if req.delayed_until is not None:
        raise WorkflowError(_("该申请已确定延迟答复期限（%(on)s）。") % {"on": req.delayed_until}, field="delayed_until")
    if not (finding or "").strip():
        raise WorkflowError(_("请填写对申请理由的认定意见。"), field="finding")
    if req.due_on is None:
        raise WorkflowError(_("答复期限尚未起算（等待补正），不能延迟答复。"), field="delayed_until")
    _check_date(delayed_until, "delayed_until")
    if delayed_until <= req.due_on:
        raise WorkflowError(
            _("延迟答复期限应晚于当前答复期限（%(due)s）；在期限内能够答复的无须延迟。") % {"due": req.due_on},
            field="delayed_until",
        )
    if (delayed_until - req.due_on).days > MAX_DELAY_DAYS:
        raise WorkflowError(_("延迟答复期限距当前答复期限超过一年，请核对日期。"), field="delayed_until")
    _check_day(notified_on, "notified_on", today=today, earliest=req.reasons_requested_on,
               too_early=_("告知日期不能早于要求说明理由的日期。"))
    if notified_on > req.due_on:
        raise WorkflowError(
            _("延迟答复须在当前答复期限（%(due)s）届满前告知申请人。") % {"due": req.due_on}, field="notified_on"
        )
    with transaction.atomic():
        return _apply(
            req, Action.SET_DELAYED_REPLY, actor=actor, expected_version=expected_version,
            changes={"delay_finding": finding.strip(), "delayed_until": delayed_until,
                     "delay_notified_on": notified_on},
            data={"finding": finding.strip(), "delayed_until": delayed_until, "notified_on": notified_on},
            recompute=True,
        )


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


def submit_for_legal_review(req, *, actor, outcome: str, reply_data: dict, expected_version=None):
    """Hand the draft reply (outcome and what it requires) to the legal reviewer."""
    outcome = _normalise_outcome(outcome)
    _check_reply(outcome, reply_data)
    with transaction.atomic():
        return _apply(
            req, Action.SUBMIT_FOR_LEGAL_REVIEW, actor=actor, expected_version=expected_version,
            changes={"outcome": outcome, "reply_data": reply_data},
            data={"outcome": outcome, **reply_data},
        )


def approve_legal_review(req, *, actor, note: str = "", expected_version=None):
    with transaction.atomic():
        return _apply(req, Action.APPROVE_LEGAL_REVIEW, actor=actor, expected_version=expected_version,
                      data={"note": note})


def return_for_revision(req, *, actor, note: str, expected_version=None):
    if not (note or "").strip():
        raise WorkflowError(_("退回修改需要写明意见。"), field="note")
    with transaction.atomic():
        return _apply(req, Action.RETURN_FOR_REVISION, actor=actor, expected_version=expected_version,
                      data={"note": note.strip()})


def reply(req, *, actor, outcome: str | None = None, replied_on: date, reply_data: dict | None = None,
          today=None, expected_version=None):
    """答复: the decision with what its outcome requires (第三十六、三十七条); the reply date concludes it."""
    today = today or timezone.localdate()
    if req.status == Status.SIGN_OFF:
        # what legal review approved is what is signed; changing it means returning for revision
        if outcome is not None and OUTCOME_ALIASES.get(outcome, outcome) != req.outcome:
            raise WorkflowError(_("签发的办理结果须与法制审核通过的一致；如需改变请退回修改。"), field="outcome")
        outcome, reply_data = req.outcome, {**req.reply_data, **(reply_data or {})}
    outcome = _normalise_outcome(outcome or "")
    reply_data = dict(reply_data or {})
    _check_reply(outcome, reply_data)
    _check_day(
        replied_on, "replied_on", today=today, earliest=req.received_on, too_early=_("答复日期不能早于收到申请日期。"),
    )
    if outcome == Outcome.UNAVAILABLE_UNCLEAR and not req.correction_received_on:
        raise WorkflowError(_("“补正后申请内容仍不明确”需要先有补正记录。"), field="outcome")
    late = req.due_on is not None and replied_on > req.due_on
    with transaction.atomic():
        return _apply(
            req, Action.REPLY, actor=actor, expected_version=expected_version,
            changes={"outcome": outcome, "reply_data": reply_data, "concluded_on": replied_on},
            data={"outcome": outcome, "replied_on": replied_on, "late": late, **reply_data},
        )


def _check_correction_lapsed(req, concluded_on: date, reason: str) -> None:
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


def conclude(req, *, actor, outcome: str, concluded_on: date, reason: str = "", today=None, expected_version=None):
    """终止: abandoned after no correction (第三十条) or an unpaid fee (109号), or withdrawn."""
    today = today or timezone.localdate()
    outcome = _normalise_outcome(outcome)
    if outcome not in CLOSING_OUTCOMES:
        raise WorkflowError(_("终止办理只适用于视为放弃和申请人撤回；其他结果请答复。"), field="outcome")
    _check_day(
        concluded_on, "concluded_on", today=today, earliest=req.received_on, too_early=_("终止日期不能早于收到申请日期。"),
    )
    if outcome == Outcome.ABANDONED_NO_CORRECTION:
        _check_correction_lapsed(req, concluded_on, reason)
    if outcome == Outcome.ABANDONED_FEE_UNPAID:
        lapsed = req.fee_notices.filter(paid_on__isnull=True, due_on__lt=concluded_on).exists()
        if not lapsed:
            raise WorkflowError(_("没有已过缴费期限且未缴费的收费通知。"), field="outcome")
    with transaction.atomic():
        return _apply(
            req, Action.CONCLUDE, actor=actor, expected_version=expected_version,
            changes={"outcome": outcome, "concluded_on": concluded_on, "reply_data": {"reason": reason}},
            data={"outcome": outcome, "concluded_on": concluded_on, "reason": reason},
        )


# --- attachments -------------------------------------------------------------------------------


def _check_can_attach(actor, req: DisclosureRequest) -> None:
    # the same rule as before attachments had a service: anyone acting in the unit (legal
    # reviewers included), whatever the state — a delivery receipt arrives after the reply
    if not access_for(actor).can_act_on_unit(req.unit_id):
        raise NotPermitted(_("您没有在本单位上传附件的权限。"))


def add_attachment(req: DisclosureRequest, *, actor, file, name: str, description: str = "",
                   content_type: str = "", extension: str = "") -> Attachment:
    """A file in the case record, with an "attach" event. `file` is already checked (forms.AttachmentForm):
    it is stored under a random name, the user's file name is only ever shown, never a path."""
    _check_can_attach(actor, req)
    with transaction.atomic():
        attachment = Attachment(
            request=req, name=name, description=(description or "").strip(), content_type=content_type,
            size=file.size, uploaded_by=actor,
        )
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
        attachment.save()
        _attachment_event(req, Action.ATTACH, actor, attachment)
    return attachment


def remove_attachment(attachment: Attachment, *, actor) -> None:
    """Only an admin removes a file from the case record (e.g. uploaded to the wrong request); the
    "detach" event keeps its name, size and uploader."""
    if not access_for(actor).is_admin:
        raise NotPermitted(_("只有系统管理员可以删除附件。"))
    req = attachment.request
    with transaction.atomic():
        _attachment_event(req, Action.DETACH, actor, attachment)
        storage, stored_name = attachment.file.storage, attachment.file.name
        attachment.delete()
        # the file goes only once the row is gone for good
        transaction.on_commit(lambda: stored_name and storage.delete(stored_name))


def _attachment_event(req: DisclosureRequest, action: str, actor, attachment: Attachment) -> None:
    # not a transition: the request's state and version stay, so nobody's open form goes stale
    RequestEvent.objects.create(
        request=req, actor=actor if getattr(actor, "pk", None) else None, action=action,
        from_status=req.status, to_status=req.status,
        data={"attachment": attachment.pk, "name": attachment.name, "size": attachment.size,
              "uploaded_by": attachment.uploaded_by_id},
    )


def archive(req, *, actor, delivery_method: str, delivered_on: date, archived_on: date | None = None,
            archive_number: str = "", today=None, expected_version=None):
    """归档 needs the delivery record (送达方式和日期)."""
    today = today or timezone.localdate()
    archived_on = archived_on or today
    if not (delivery_method or "").strip():
        raise WorkflowError(_("归档前请填写送达方式。"), field="delivery_method")
    if delivered_on is None:
        raise WorkflowError(_("归档前请填写送达日期。"), field="delivered_on")
    _check_day(
        delivered_on, "delivered_on", today=today, earliest=req.concluded_on, too_early=_("送达日期不能早于办结日期。"),
    )
    _check_day(archived_on, "archived_on", today=today, earliest=delivered_on, too_early=_("归档日期不能早于送达日期。"))
    with transaction.atomic():
        return _apply(
            req, Action.ARCHIVE, actor=actor, expected_version=expected_version,
            changes={
                "delivery_method": delivery_method.strip(), "delivered_on": delivered_on,
                "archived_on": archived_on, "archive_number": archive_number.strip(),
            },
            data={"delivery_method": delivery_method.strip(), "delivered_on": delivered_on,
                  "archived_on": archived_on, "archive_number": archive_number.strip()},
        )


# --- later proceedings (第五十一条; table 四 of the annual report) ------------------------------


def _check_proceeding(*, filed_on, outcome: str, decided_on, today: date, earliest_filed: date | None,
                     too_early: str) -> str:
    """The checks the ledger applies to the same columns (ledger.md: not before the conclusion, a
    decision not before its filing, an outcome only with its date); returns the outcome code."""
    _check_day(filed_on, "filed_on", today=today, earliest=earliest_filed, too_early=too_early)
    outcome = (outcome or "").strip()
    if outcome and outcome not in ProceedingOutcome.values:
        raise WorkflowError(_("请选择维持、纠正、其他，或留空表示尚未审结。"), field="outcome")
    if outcome and decided_on is None:
        raise WorkflowError(_("填写了结果，请同时填写决定日期。"), field="decided_on")
    if decided_on is not None and not outcome:
        raise WorkflowError(_("填写了决定日期，请同时选择结果。"), field="outcome")
    if decided_on is not None:
        _check_day(decided_on, "decided_on", today=today, earliest=filed_on,
                   too_early=_("决定日期不能早于申请（起诉）日期。"))
    return outcome


def record_reconsideration(req, *, actor, filed_on: date, outcome: str = "", decided_on: date | None = None,
                           today=None, expected_version=None):
    """登记行政复议: the filing, and later its decision (an empty outcome counts as 尚未审结)."""
    today = today or timezone.localdate()
    outcome = _check_proceeding(filed_on=filed_on, outcome=outcome, decided_on=decided_on,
                                today=today, earliest_filed=req.concluded_on,
                                too_early=_("申请复议日期不能早于办结日期。"))
    if req.litigation_after_reconsideration and req.litigation_filed_on and filed_on > req.litigation_filed_on:
        raise WorkflowError(
            _("已登记复议后起诉（%(on)s），申请复议日期不能晚于起诉日期。") % {"on": req.litigation_filed_on},
            field="filed_on",
        )
    with transaction.atomic():
        return _apply(
            req, Action.RECORD_RECONSIDERATION, actor=actor, expected_version=expected_version,
            changes={"reconsideration_filed_on": filed_on, "reconsideration_outcome": outcome,
                     "reconsideration_decided_on": decided_on},
            data={"filed_on": filed_on, "proceeding_outcome": outcome, "decided_on": decided_on},
        )


def record_litigation(req, *, actor, filed_on: date, after_reconsideration: bool = False, outcome: str = "",
                      decided_on: date | None = None, today=None, expected_version=None):
    """登记行政诉讼: direct, or after a 复议 (行政复议法 2023 第二十三条 makes 复议 come first for a refusal)."""
    today = today or timezone.localdate()
    after_reconsideration = bool(after_reconsideration)
    earliest, too_early = req.concluded_on, _("起诉日期不能早于办结日期。")
    if after_reconsideration:
        if req.reconsideration_filed_on is None:
            raise WorkflowError(_("复议后起诉的，请先登记行政复议。"), field="after_reconsideration")
        earliest, too_early = req.reconsideration_filed_on, _("复议后起诉的，起诉日期不能早于申请复议日期。")
    outcome = _check_proceeding(filed_on=filed_on, outcome=outcome, decided_on=decided_on,
                                today=today, earliest_filed=earliest, too_early=too_early)
    with transaction.atomic():
        return _apply(
            req, Action.RECORD_LITIGATION, actor=actor, expected_version=expected_version,
            changes={"litigation_filed_on": filed_on, "litigation_after_reconsideration": after_reconsideration,
                     "litigation_outcome": outcome, "litigation_decided_on": decided_on},
            data={"filed_on": filed_on, "after_reconsideration": after_reconsideration,
                  "proceeding_outcome": outcome, "decided_on": decided_on},
        )
