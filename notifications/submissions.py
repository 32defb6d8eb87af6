"""The sweep's rule for online submissions (portal.md): a submission not confirmed by the end of the
next working day alerts its unit's clerks; one still waiting a working day later, its head.

A separate function taking the sweep's `today` (notifications.services.sweep calls it), so the set-
based rewrite of the sweep can keep calling it as it is. Keyed, like every alert, by the deadline it
concerns: a sweep that runs twice, or late, writes nothing twice.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from disclosure import deadlines as dl
from disclosure.models import DisclosureRequest, StaffRole
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Status

from .models import AlertKind

STAGE_CLERKS, STAGE_HEAD = 1, 2


def unconfirmed_submission_alerts(today: date, *, calendar: dl.WorkCalendar | None = None, directory=None,
                                  dry_run: bool = False) -> list:
    """Write (unless dry_run) and return the Planned alerts about submissions waiting too long."""
    from .services import Directory, Outbox, fan_out, request_link

    calendar = calendar or load_work_calendar()
    waiting = list(
        DisclosureRequest.objects.filter(status=Status.SUBMITTED, submitted_on__lt=today)
        .select_related("unit").order_by("pk")
    )
    if not waiting:
        return []
    directory = directory or Directory.load()
    planned = []
    for req in waiting:
        # 条例第三十一条 counts from confirmation; the office's own rule: confirm by the next working day
        clerks_by = dl.add_workdays(req.submitted_on, 1, calendar)
        head_by = dl.add_workdays(req.submitted_on, 2, calendar)
        label = req.applicant_name
        link = request_link(req.pk)
        if today > clerks_by:
            planned += fan_out(
                directory, user_ids=directory.role(req.unit_id, StaffRole.Role.CLERK), robot_units=[req.unit_id],
                unit_id=req.unit_id, kind=AlertKind.SUBMISSION_UNCONFIRMED, stage=STAGE_CLERKS,
                request_id=req.pk, deadline=clerks_by, link=link,
                subject=f"【网上申请待确认】{req.unit.name}：{label} {req.submitted_on:%m月%d日}提交",
                body=(f"{label}于{req.submitted_on:%Y年%m月%d日}网上提交的政府信息公开申请尚未确认收到"
                      f"（应于{clerks_by:%Y年%m月%d日}前确认）。确认之日为收到申请之日。\n处理：{link}"),
            )
        if today > head_by:
            planned += fan_out(
                directory, user_ids=directory.role(req.unit_id, StaffRole.Role.HEAD), robot_units=[],
                unit_id=req.unit_id, kind=AlertKind.SUBMISSION_UNCONFIRMED, stage=STAGE_HEAD,
                request_id=req.pk, deadline=head_by, link=link,
                subject=f"【网上申请逾期未确认】{req.unit.name}：{label} {req.submitted_on:%m月%d日}提交",
                body=(f"{label}于{req.submitted_on:%Y年%m月%d日}网上提交的政府信息公开申请，经办人超过一个工作日"
                      f"仍未确认收到，请督促处理。\n查看：{link}"),
            )
    outbox = Outbox(dry_run=dry_run)
    with transaction.atomic():
        outbox.write(planned)
    return outbox.created
