"""Sending: claim an alert by compare-and-set, deliver it through its channel, mark it sent.

A sent alert is never sent again; a claim left by a killed worker goes stale and is taken over.
Publishing to the broker happens after commit and never raises into the caller; an alert whose
publish failed (broker down) keeps an empty enqueued_at, and the requeue task, which beat runs every
minute, hands it on once the broker is back.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from disclosure.workflow import OPEN_STATUSES

from .channels import SENDERS, ChannelError
from .models import Alert, AlertChannel, AlertKind, AlertStatus, UnitPreference

logger = logging.getLogger(__name__)

# Kinds about one request's deadline: cancelled rather than sent once the request is concluded.
REQUEST_DEADLINE_KINDS = frozenset(
    {
        AlertKind.REMINDER, AlertKind.OVERDUE, AlertKind.ESCALATED, AlertKind.CORRECTION_NOTICE_LATE,
        AlertKind.CONSULTATION_LAPSED, AlertKind.CORRECTION_PERIOD_LAPSED, AlertKind.FEE_PERIOD_LAPSED,
    }
)


def stale_before():
    return timezone.now() - timedelta(seconds=settings.GONGKAI_ALERT_STALE_SECONDS)


def _finish(alert_id: int, token: str, **fields) -> int:
    return Alert.objects.filter(pk=alert_id, status=AlertStatus.SENDING, claim=token).update(**fields)


def deliver_alert(alert_id: int) -> str:
    """Send one alert at most once: claim it pending→sending by compare-and-set, send, mark sent.

    Returns "sent", "cancelled" or "skipped" (already sent, or another worker holds a live claim);
    raises ChannelError after recording a failure. A claim left by a killed worker goes stale after
    GONGKAI_ALERT_STALE_SECONDS and is taken over by the next attempt.
    """
    token = uuid.uuid4().hex
    claimed = (
        Alert.objects.filter(pk=alert_id)
        .due_for_sending(stale_before())
        .update(status=AlertStatus.SENDING, claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1)
    )
    if claimed != 1:
        return "skipped"
    alert = Alert.objects.select_related("recipient", "unit", "request", "bulletin").get(pk=alert_id)
    if alert.kind in REQUEST_DEADLINE_KINDS and alert.request is not None and alert.request.status not in OPEN_STATUSES:
        _finish(alert_id, token, status=AlertStatus.CANCELLED, last_error="申请已办结，无需提醒")
        return "cancelled"
    if alert.kind == AlertKind.SUBMISSION_UNCONFIRMED and alert.request is not None and alert.request.status != "submitted":
        _finish(alert_id, token, status=AlertStatus.CANCELLED, last_error="网上申请已确认或已处理，无需提醒")
        return "cancelled"
    if settings.GONGKAI_ALERT_SEND_DELAY:
        time.sleep(settings.GONGKAI_ALERT_SEND_DELAY)
    try:
        if alert.channel == AlertChannel.IN_APP:
            with transaction.atomic():  # the notification and "sent" commit together: exactly once
                SENDERS[alert.channel](alert)
                if _finish(alert_id, token, status=AlertStatus.SENT, sent_at=timezone.now(), last_error="", secret="") != 1:
                    raise ChannelError("发送令牌已失效")
            return "sent"
        if alert.channel in (AlertChannel.DINGTALK, AlertChannel.WECOM):
            UnitPreference.objects.get(unit_id=alert.unit_id)  # raises if the robot was removed
        SENDERS[alert.channel](alert)
    except Exception as exc:  # any failure is recorded on the row, never lost
        message = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        _finish(alert_id, token, status=AlertStatus.FAILED, last_error=message[:2000])
        raise ChannelError(message) from exc
    _finish(alert_id, token, status=AlertStatus.SENT, sent_at=timezone.now(), last_error="", secret="")
    return "sent"


def deliver_now(alert_ids: Iterable[int]) -> dict[int, str]:
    """Send in this process (the management command without a worker)."""
    outcomes = {}
    for alert_id in alert_ids:
        try:
            outcomes[alert_id] = deliver_alert(alert_id)
        except ChannelError as exc:
            outcomes[alert_id] = f"failed: {exc}"
    return outcomes


def publish(alert_ids: list[int]) -> int:
    """Hand alerts to the workers. Never raises: with the broker down they wait in the outbox.

    One connection, tried once (kombu's default would keep retrying for seconds while a staff
    member waits for the page), and no publish retries.
    """
    from config.celery import app

    from .tasks import send_alert

    published: list[int] = []
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            for alert_id in alert_ids:
                send_alert.apply_async((alert_id,), connection=conn, retry=False)
                published.append(alert_id)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError, …
        logger.warning("broker unavailable: %d alert(s) stay pending until the broker is back (requeue_unsent)",
                       len(alert_ids) - len(published), exc_info=True)
    if published:
        try:
            Alert.objects.filter(pk__in=published).update(enqueued_at=timezone.now())
        except Exception:  # the messages are out; a missing mark only means one harmless requeue
            logger.warning("could not mark %d alert(s) as queued", len(published), exc_info=True)
    return len(published)


def enqueue(alert_ids: Iterable[int]) -> None:
    """After the surrounding transaction commits (immediately when there is none)."""
    ids = list(alert_ids)
    if ids:
        transaction.on_commit(lambda: publish(ids))


def unqueued_alert_ids(limit: int = 5000) -> list[int]:
    """Alerts no publish has handed to the broker (see AlertQuerySet.never_queued), oldest first."""
    created_before = timezone.now() - timedelta(seconds=settings.GONGKAI_ALERT_REQUEUE_SECONDS)
    rows = Alert.objects.never_queued(created_before, stale_before()).order_by("pk")
    return list(rows.values_list("pk", flat=True)[:limit])


def waiting_alert_ids(limit: int = 5000) -> list[int]:
    return list(Alert.objects.due_for_sending(stale_before()).order_by("pk").values_list("pk", flat=True)[:limit])
