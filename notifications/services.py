"""Alerts outside the daily sweep: the calendar coverage check and the assignment notice. The sweep
itself is notifications.sweep; this module is what the tasks and the commands call."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from disclosure.models import CalendarYear

from .delivery import enqueue
from .directory import Directory, label, request_link, site_link
from .models import Alert, AlertKind
from .outbox import Outbox, SweepReport, fan_out
from .sweep import sweep
from .texts import AlertTexts

__all__ = ["check_calendar_coverage", "notify_assignment", "sweep"]


# --- calendar coverage ---------------------------------------------------------------------------


def check_calendar_coverage(today: date, *, dry_run: bool = False, directory: Directory | None = None) -> SweepReport:
    """statute.md §6.3: from 1 November, alert administrators daily until next year is loaded."""
    outbox = Outbox(dry_run=dry_run)
    next_year = today.year + 1
    if today >= date(today.year, 11, 1) and not CalendarYear.objects.filter(year=next_year).exists():
        directory = directory or Directory.load()
        link = site_link("/admin/notifications/calendarcoverage/")
        subject, body = AlertTexts().render(AlertKind.CALENDAR_MISSING, year=next_year, link=link)
        with transaction.atomic():
            outbox.write(fan_out(
                directory, user_ids=directory.admins, robot_units=[], unit_id=None,
                kind=AlertKind.CALENDAR_MISSING, deadline=today, subject=subject, body=body, link=link,
            ))
    return SweepReport(today=today, created=outbox.created, dry_run=dry_run)


# --- the assignment notice (a staff action) -------------------------------------------------------


def notify_assignment(req, handler_id: int, on: date) -> list[int]:
    """Tell the new handler; called inside the assigning transaction, sent after commit."""
    directory = Directory.for_user(handler_id, req.unit_id)
    link = request_link(req.pk)
    texts = AlertTexts()
    subject, body = texts.render(
        AlertKind.ASSIGNED, label=label(req), link=link,
        deadline=texts.part("deadline_clause", due_on=req.due_on) if req.due_on else "",
    )
    planned = fan_out(
        directory, user_ids=[handler_id], robot_units=[], unit_id=req.unit_id, kind=AlertKind.ASSIGNED,
        request_id=req.pk, deadline=on, link=link, subject=subject, body=body,
    )
    outbox = Outbox()
    outbox.write(planned)
    ids = list(Alert.objects.filter(key__in=[p.key for p in outbox.created]).values_list("pk", flat=True))
    enqueue(ids)
    return ids
