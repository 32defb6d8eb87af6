"""Celery tasks of the disclosure app (the deadline tasks live in notifications/tasks.py)."""

import logging
import re

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.broker import send_now

from . import services
from .ledger import jobs
from .models import DisclosureRequest

logger = logging.getLogger(__name__)

# 条例 counts working days: a calendar edit moves the deadline of every open request. A few
# thousand are recomputed in the request that made the edit; more go to a worker.
RECOMPUTE_IN_BACKGROUND_ABOVE = 2000

TOKEN = re.compile(r"[0-9a-f]{8,64}")


@shared_task(ignore_result=True)
def ping(token: str) -> str:
    """Liveness probe for the worker: writes var/ping/<token> with the time it ran.

    Checks that a worker takes messages off the configured broker and runs them, end to end.
    """
    if not TOKEN.fullmatch(token or ""):
        raise ValueError("ping token must be 8 to 64 lowercase hex digits")
    path = settings.VAR_DIR / "ping" / token
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(timezone.now().isoformat(), encoding="utf-8")
    return token


@shared_task(ignore_result=True)
def recompute_deadlines() -> int:
    """After a calendar edit that touches many open requests: recompute their stored deadlines.
    Idempotent: the service writes only what differs, so a retried message changes nothing more."""
    return services.recompute_open_deadlines()


def publish_recompute() -> bool:
    return send_now(recompute_deadlines)


def enqueue_recompute(on_failure) -> None:
    """After the calendar edit commits (a worker must see it); on_failure() runs if the broker is down."""
    transaction.on_commit(lambda: publish_recompute() or on_failure())


def recompute_after_calendar_edit(limit: int | None = None, on_failure=None) -> int | None:
    """The deadlines of the open requests after a calendar edit: recomputed now (how many changed),
    or with more than `limit` open requests on a worker once the edit commits (None); if the broker
    is down then, on_failure() (by default the recompute, in the request). Raises
    deadlines.CalendarError for a calendar with no working days where a deadline needs them."""
    limit = RECOMPUTE_IN_BACKGROUND_ABOVE if limit is None else limit
    if DisclosureRequest.objects.open()[: limit + 1].count() > limit:
        enqueue_recompute(on_failure or services.recompute_open_deadlines)
        return None
    return services.recompute_open_deadlines()


def queue_ledger_import(job_id: int) -> bool:
    """Hand an uploaded file's import to a worker (the `queue` the admin and the API give
    ledger.jobs.start_import); False when the broker cannot be reached."""
    return send_now(import_ledger_job, job_id)


@shared_task(ignore_result=True, acks_late=True)
def import_ledger_job(job_id: int) -> None:
    """A ledger, units or staff file uploaded in the admin or the API, too large for the request
    (disclosure.ledger.jobs). acks_late: a worker that dies mid-import leaves the message to be taken
    again, and the job's compare-and-set claim makes a second delivery of a finished job a no-op."""
    jobs.run(job_id)
