"""Celery tasks of the disclosure app (the deadline tasks live in notifications/tasks.py)."""

import re

from celery import shared_task
from django.conf import settings
from django.utils import timezone

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
    from . import services

    return services.recompute_open_deadlines()
