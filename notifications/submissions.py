"""The sweep's rule for online submissions (portal.md): a submission not confirmed by the end of the
next working day alerts its unit's clerks; one still waiting a working day later, its head.

A producer of the daily sweep (NotificationsConfig.ready() puts `unconfirmed_submissions` on
notifications.sweep.EXTRA_PRODUCERS). Set-based like the other rules: the last submission day that
is late for each stage is worked out once, so SQL selects the rows, in batches. Keyed, like every
alert, by the deadline it concerns: a sweep that runs twice, or late, writes nothing twice.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from django.db.models import F

from disclosure import deadlines as dl
from disclosure.models import DisclosureRequest, StaffRole
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Status

from .directory import Directory, request_link
from .models import AlertKind
from .outbox import Outbox, Planned, fan_out
from .sweep import BATCH_SIZE, Sweep, in_batches
from .texts import AlertTexts

STAGE_CLERKS, STAGE_HEAD = 1, 2


def last_late_submission_day(today: date, workdays: int, calendar: dl.WorkCalendar) -> date:
    """The last day s with add_workdays(s, workdays) < today: submissions of s or earlier are late.
    (add_workdays never decreases as its start moves later, so stepping back finds it.)"""
    day = today - timedelta(days=1)
    while dl.add_workdays(day, workdays, calendar) >= today:
        day -= timedelta(days=1)
    return day


def waiting_rows(today: date, calendar: dl.WorkCalendar):
    """Submissions late for the clerks' stage (the head's stage is a subset of it)."""
    clerks_late = last_late_submission_day(today, 1, calendar)
    return (
        DisclosureRequest.objects.filter(status=Status.SUBMITTED, submitted_on__lte=clerks_late)
        .values("pk", "unit_id", "submitted_on", "applicant_name", unit_name=F("unit__name"))
    )


def plan_for(today: date, calendar: dl.WorkCalendar, directory: Directory, texts: AlertTexts):
    def plan(req) -> list[Planned]:
        # 条例第三十一条 counts from confirmation; the office's own rule: confirm by the next working day
        clerks_by = dl.add_workdays(req.submitted_on, 1, calendar)
        head_by = dl.add_workdays(req.submitted_on, 2, calendar)
        link = request_link(req.pk)
        words = {"unit": req.unit_name, "applicant": req.applicant_name, "submitted_on": req.submitted_on,
                 "link": link}
        planned = []
        if today > clerks_by:
            subject, body = texts.render(AlertKind.SUBMISSION_UNCONFIRMED, **words, clerks_by=clerks_by)
            planned += fan_out(
                directory, user_ids=directory.role(req.unit_id, StaffRole.Role.CLERK), robot_units=[req.unit_id],
                unit_id=req.unit_id, kind=AlertKind.SUBMISSION_UNCONFIRMED, stage=STAGE_CLERKS,
                request_id=req.pk, deadline=clerks_by, link=link, subject=subject, body=body,
            )
        if today > head_by:
            subject, body = texts.render(f"{AlertKind.SUBMISSION_UNCONFIRMED.value}_head", **words)
            planned += fan_out(
                directory, user_ids=directory.role(req.unit_id, StaffRole.Role.HEAD), robot_units=[],
                unit_id=req.unit_id, kind=AlertKind.SUBMISSION_UNCONFIRMED, stage=STAGE_HEAD,
                request_id=req.pk, deadline=head_by, link=link, subject=subject, body=body,
            )
        return planned

    return plan


def unconfirmed_submissions(run: Sweep) -> None:
    """The sweep's producer: the alerts go into the sweep's outbox (and its report)."""
    rules = run.rules
    plan = plan_for(rules.today, rules.calendar, rules.directory, rules.texts)
    run.write_batches(waiting_rows(rules.today, rules.calendar), plan, wrap=_as_row)


def unconfirmed_submission_alerts(today: date, *, calendar: dl.WorkCalendar | None = None, directory=None,
                                  dry_run: bool = False, batch_size: int = BATCH_SIZE) -> list:
    """On its own (outside a sweep): write (unless dry_run) and return the Planned alerts."""
    calendar = calendar or load_work_calendar()
    outbox = Outbox(dry_run=dry_run)
    rows = waiting_rows(today, calendar)
    if not rows.exists():
        return []
    plan = plan_for(today, calendar, directory or Directory.load(), AlertTexts())
    in_batches(rows, outbox, plan, batch_size, wrap=_as_row)
    return outbox.created


def _as_row(values: dict) -> SimpleNamespace:
    return SimpleNamespace(**values)
