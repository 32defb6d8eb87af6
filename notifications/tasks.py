"""Thin Celery tasks: ids and ISO dates in, one service call each.

Beat (django_celery_beat's DatabaseScheduler, seeded by migration 0002) starts the daily jobs; the
clock is read here, once, and passed down. Deadlines are never ETA/countdown messages: the sweep
finds them in the database every morning. Retries of a failed send back off, but the longest
delay (RETRY_MAX_DELAY) stays below the Redis visibility timeout (3600 s), so a retry message is
never redelivered to a second worker while the first still holds it.
"""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from disclosure.workcalendar import load_work_calendar

from . import bulletin, delivery, services
from .channels import ChannelError

logger = logging.getLogger(__name__)

RETRY_BASE_DELAY = 60
RETRY_MAX_DELAY = 1800  # < broker visibility timeout (3600 s)
MAX_RETRIES = 5


def retry_delay(retries: int) -> int:
    return min(RETRY_BASE_DELAY * 2**retries, RETRY_MAX_DELAY)


def _today(iso: str | None) -> date:
    return date.fromisoformat(iso) if iso else timezone.localdate()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def send_alert(self, alert_id: int) -> str:
    """Idempotent: a sent alert is skipped; a failure is recorded and retried with backoff."""
    try:
        return delivery.deliver_alert(alert_id)
    except ChannelError as exc:
        if self.request.retries >= MAX_RETRIES:
            logger.warning("alert %s failed %d times; the next sweep tries again", alert_id, MAX_RETRIES + 1)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_delay(self.request.retries)) from exc


# A sweep that loses its database connection (PostgreSQL restarted, a failover, the connection
# killed) is run again from the start: every batch it committed is found again and skipped (the
# alerts' unique keys), the rest is written. Celery's Django fixup drops the broken connection
# before the retry runs.
DB_ERRORS = (OperationalError, InterfaceError)
SWEEP_RETRY_DELAY = 10
SWEEP_MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=SWEEP_MAX_RETRIES)
def run_sweep(self, today: str | None = None) -> dict:
    """Daily on working days (beat fires every day at 08:30; other days return at once). A worker
    killed mid-sweep leaves the message unacknowledged: the broker hands it out again (Redis: after
    the visibility timeout) and the sweep runs again, creating only what is missing."""
    day = _today(today)
    try:
        return _sweep_and_enqueue(day)
    except DB_ERRORS as exc:
        logger.warning("sweep of %s lost the database (%s); retrying", day, exc)
        raise self.retry(exc=exc, countdown=min(SWEEP_RETRY_DELAY * 2**self.request.retries, RETRY_MAX_DELAY)) from exc


def _sweep_and_enqueue(day: date) -> dict:
    calendar = load_work_calendar()
    if not calendar.is_workday(day):
        return {"today": day.isoformat(), "skipped": "non-working day"}
    report = services.sweep(day, calendar=calendar, batch_size=settings.GONGKAI_SWEEP_BATCH_SIZE)
    waiting = delivery.waiting_alert_ids()
    delivery.enqueue(waiting)  # new alerts, and pending/failed/stale ones from earlier days
    return {"today": day.isoformat(), "created": len(report.created), "enqueued": len(waiting)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def requeue_unsent() -> dict:
    """Every minute (beat): alerts whose publish never reached the broker (it was down when the
    staff action committed) or whose worker died go out within a minute of the broker's return,
    not at the next daily sweep. Sending stays exactly once: the claim in deliver_alert."""
    ids = delivery.unqueued_alert_ids()
    return {"found": len(ids), "enqueued": delivery.publish(ids) if ids else 0}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_monthly_bulletin(today: str | None = None) -> dict:
    report = bulletin.monthly_bulletin(_today(today))
    delivery.enqueue(delivery.waiting_alert_ids())
    return {"created": len(report.created)}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_calendar_check(today: str | None = None) -> dict:
    report = services.check_calendar_coverage(_today(today))
    delivery.enqueue(delivery.waiting_alert_ids())
    return {"created": len(report.created)}
