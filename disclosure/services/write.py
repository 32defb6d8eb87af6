"""The write path every service takes: the actor's permission, the arrow, a compare-and-set on the
request's version, the recomputed deadlines and one appended event; and the dates the deadlines
depend on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any, TypeAlias

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Field, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..access import access_for
from ..models import CalendarYear, Consultation, DisclosureRequest, FeeNotice, RequestEvent
from ..workcalendar import load_work_calendar
from ..workflow import (
    ACTION_ROLES,
    ROLE_ONLY_ACTIONS,
    Action,
    ConcurrentChange,
    WorkflowError,
    duty_conflict,
    target_status,
)

# Who acts: a User, or None (or an AnonymousUser) for the system and the applicant's side.
Actor: TypeAlias = Any


class NotPermitted(WorkflowError):
    pass


__all__ = [
    "DEADLINE_FIELDS", "Actor", "ConcurrentChange", "NotPermitted", "apply_change", "calendar_covers", "case_dates",
    "changed_meanwhile", "check_date", "check_day", "deadline_fields", "explain_deadline",
    "recompute_open_deadlines",
]


# --- deadlines -------------------------------------------------------------------------------


def case_dates(
    req: DisclosureRequest, calendar: dl.WorkCalendar | None = None, *,
    consultations: Iterable[Consultation] | None = None, fees: Iterable[FeeNotice] | None = None,
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


def recompute_open_deadlines(
    calendar: dl.WorkCalendar | None = None, *, batch_size: int = 500, now: datetime | None = None
) -> int:
    """After a calendar edit (条例 counts working days): recompute the stored deadlines of every open
    request; returns how many changed. Per batch, in one transaction, the changed requests are
    written in one statement, compare-and-set on version and status as `apply_change` does (a request
    moved meanwhile was recomputed by its own transition), and each gets one RECOMPUTE_DEADLINE event.
    The version stays: nobody's open form goes stale for a date the calendar moved. Idempotent: a
    second run finds nothing to change and writes nothing."""
    calendar = calendar or load_work_calendar()
    now = now or timezone.now()
    changed = 0
    qs = DisclosureRequest.objects.open().prefetch_related("consultations", "fee_notices").order_by("pk")
    last_pk = 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return changed
        last_pk = batch[-1].pk
        pending = []
        for req in batch:
            fields = deadline_fields(dl.compute_deadline(case_dates(req), calendar))
            if any(getattr(req, k) != v for k, v in fields.items()):
                pending.append((req, fields))
        if pending:
            changed += _write_recomputed(pending, now)


class _Raced(Exception):
    pass


def _write_recomputed(pending: list[tuple[DisclosureRequest, dict[str, Any]]], now: datetime) -> int:
    with transaction.atomic():
        # lock the rows (PostgreSQL; SQLite's IMMEDIATE transaction holds the write lock already)
        # and keep those nobody moved since they were read
        current = set(
            DisclosureRequest.objects.select_for_update()
            .filter(pk__in=[req.pk for req, _fields in pending])
            .values_list("pk", "version", "status")
        )
        fresh = [(req, fields) for req, fields in pending if (req.pk, req.version, req.status) in current]
        if not fresh:
            return 0
        try:
            with transaction.atomic():
                if _bulk_compare_and_set(fresh) != len(fresh):
                    raise _Raced
        except _Raced:  # not with the rows locked; row by row then, to know which were written
            fresh = [
                (req, fields) for req, fields in fresh
                if DisclosureRequest.objects.filter(pk=req.pk, version=req.version, status=req.status).update(**fields)
            ]
        RequestEvent.objects.bulk_create(
            RequestEvent(
                request_id=req.pk, actor=None, action=Action.RECOMPUTE_DEADLINE, from_status=req.status,
                to_status=req.status, at=now,
                data={
                    "due_on": _json(fields["due_on"]), "previous_due_on": _json(req.due_on),
                    "fields": sorted(k for k, v in fields.items() if getattr(req, k) != v),
                },
            )
            for req, fields in fresh
        )
    for req, fields in fresh:
        for name, value in fields.items():
            setattr(req, name, value)
    return len(fresh)


def _field(name: str) -> Field:
    field = DisclosureRequest._meta.get_field(name)
    assert isinstance(field, Field)  # the deadline fields are concrete columns
    return field


def _bulk_compare_and_set(rows: list[tuple[DisclosureRequest, dict[str, Any]]]) -> int:
    """One UPDATE: each request's new deadline fields, where its version and status are still the ones read."""
    still = reduce(or_, (Q(pk=req.pk, version=req.version, status=req.status) for req, _fields in rows))
    values = {
        name: Case(
            *(When(pk=req.pk, then=Value(fields[name], output_field=_field(name))) for req, fields in rows),
            default=F(name),
            output_field=_field(name),
        )
        for name in DEADLINE_FIELDS
    }
    return DisclosureRequest.objects.filter(still).update(**values)


def calendar_covers(year: int) -> bool:
    return CalendarYear.objects.filter(year=year).exists()


# --- the write path ----------------------------------------------------------------------------


def _json(value: object) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _role_only_refusal(action: str) -> str:
    if action == Action.APPROVE_EXTENSION:
        return _("延长答复期限须经本单位政府信息公开工作机构负责人批准。")
    if action == Action.REPLY:
        return _("答复须由本单位政府信息公开工作机构负责人签发。")
    return _("确定延迟答复期限须由本单位政府信息公开工作机构负责人决定。")


def _check_permission(actor: Actor, req: DisclosureRequest, action: str) -> None:
    access = access_for(actor)
    if action in ROLE_ONLY_ACTIONS:
        # not even a system admin: the statute names who decides (workflow.ROLE_ONLY_ACTIONS)
        if not access.roles_in(req.unit_id) & ACTION_ROLES[action]:
            raise NotPermitted(_role_only_refusal(action))
        return
    if not access.can(action, req.unit_id):
        raise NotPermitted(_("您没有在本单位进行“%(action)s”的权限。") % {"action": Action(action).label})


def _check_duties(actor: Actor, req: DisclosureRequest, action: str) -> None:
    """岗位分离 (workflow.SEPARATED_DUTIES), admins included: the rule is about the person."""
    conflict = duty_conflict(action, getattr(actor, "pk", None), req.authors, req.unit.rules)
    if conflict:
        raise NotPermitted(conflict)


def changed_meanwhile() -> ConcurrentChange:
    """What a service raises when the compare-and-set lost: callers recognise it by its type
    (`ConcurrentChange`, a `WorkflowError` — the API answers it 409, unlike NotPermitted's 403)."""
    return ConcurrentChange(_("该申请已被他人修改，请刷新页面后重试。"))


def apply_change(
    req: DisclosureRequest,
    action: str,
    *,
    actor: Actor,
    changes: dict | None = None,
    data: dict | None = None,
    expected_version: int | None = None,
    recompute: bool = False,
    stay: bool = False,
    now: datetime | None = None,
) -> DisclosureRequest:
    """Check the arrow, compare-and-set the row, append the event. Call inside transaction.atomic.
    With stay=True the arrow is checked but the request keeps its state (e.g. a consultation
    answered while another is still out). `now` is when it happens (the event's time and the row's
    `updated_at`); the shell leaves it to the clock, the demo passes its history's moments."""
    now = now or timezone.now()
    _check_permission(actor, req, action)
    _check_duties(actor, req, action)
    current = req.status
    target: str = target_status(action, current)
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
        version=F("version") + 1, updated_at=now, **changes
    )
    if rows != 1:
        for name, value in before.items():  # leave the caller's object as it was
            setattr(req, name, value)
        raise changed_meanwhile()
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
        at=now,
    )
    return req


def _not_before(value: date, earliest: date | None, field: str, message: str) -> None:
    if earliest is not None and value < earliest:
        raise WorkflowError(message, field=field)


def check_date(value: object, field: str) -> date:
    """A date and nothing else: None, text or a datetime from a careless caller is a field error, not a 500."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise WorkflowError(_("请填写有效的日期（YYYY-MM-DD）。"), field=field)
    return value


def _not_future(value: object, today: date, field: str) -> date:
    day = check_date(value, field)
    if day > today:
        raise WorkflowError(_("日期不能晚于今天。"), field=field)
    return day


def check_day(value: object, field: str, *, today: date, earliest: date | None, too_early: str) -> None:
    """A date of something that happened: a real date, not after today, not before `earliest`."""
    _not_before(_not_future(value, today, field), earliest, field, too_early)
