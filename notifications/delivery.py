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
from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from config.broker import send_each
from config.celery import app
from disclosure.models import Unit, User
from disclosure.workflow import OPEN_STATUSES

from .channels import SENDERS, ChannelError
from .digests import digest_message, send_in_app_digest
from .models import REQUEST_DEADLINE_KINDS, Alert, AlertChannel, AlertKind, AlertStatus, UnitPreference

logger = logging.getLogger(__name__)

# The task that sends one alert, by name: it lives in notifications.tasks, which calls this module
# (tasks call services, never the reverse); NotificationsConfig.ready() imports it.
SEND_ALERT = "notifications.tasks.send_alert"

def stale_before():
    return timezone.now() - timedelta(seconds=settings.GONGKAI_ALERT_STALE_SECONDS)


def _finish(alert_id: int, token: str, **fields) -> int:
    return Alert.objects.filter(pk=alert_id, status=AlertStatus.SENDING, claim=token).update(**fields)


def deliver_alert(alert_id: int) -> str:
    """Send one alert at most once (with the rest of its digest, if it belongs to one).

    Returns "sent", "cancelled" or "skipped" (already sent, or another worker holds a live claim);
    raises ChannelError after recording a failure. A claim left by a killed worker goes stale after
    GONGKAI_ALERT_STALE_SECONDS and is taken over by the next attempt.
    """
    return deliver(alert_id).get(alert_id, "skipped")


def deliver(alert_id: int) -> dict[int, str]:
    """Claim the alert, or every sendable alert of its digest, in one compare-and-set; send one
    message; mark them. Returns the outcome of each alert claimed (empty: nothing to do)."""
    digest = Alert.objects.filter(pk=alert_id).values_list("digest", flat=True).first()
    if digest is None:
        return {}
    token = uuid.uuid4().hex
    group = Alert.objects.filter(digest=digest) if digest else Alert.objects.filter(pk=alert_id)
    claimed = group.due_for_sending(stale_before()).update(
        status=AlertStatus.SENDING, claim=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return {}
    if not digest:
        return {alert_id: _deliver_single(alert_id, token)}
    return _deliver_digest(digest, token)


def _deliver_single(alert_id: int, token: str) -> str:
    alert = Alert.objects.select_related("recipient", "unit", "request", "bulletin").get(pk=alert_id)
    if alert.kind in REQUEST_DEADLINE_KINDS and alert.request is not None and alert.request.status not in OPEN_STATUSES:
        _finish(alert_id, token, status=AlertStatus.CANCELLED, last_error="申请已办结，无需提醒")
        return "cancelled"
    if (alert.kind == AlertKind.SUBMISSION_UNCONFIRMED and alert.request is not None
            and alert.request.status != "submitted"):
        _finish(alert_id, token, status=AlertStatus.CANCELLED, last_error="网上申请已确认或已处理，无需提醒")
        return "cancelled"
    if settings.GONGKAI_ALERT_SEND_DELAY:
        time.sleep(settings.GONGKAI_ALERT_SEND_DELAY)
    try:
        if alert.channel == AlertChannel.IN_APP:
            with transaction.atomic():  # the notification and "sent" commit together: exactly once
                SENDERS[alert.channel](alert)
                sent = _finish(alert_id, token, status=AlertStatus.SENT, sent_at=timezone.now(), last_error="",
                               secret="")
                if sent != 1:
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


def _finish_claim(token: str, ids: list[int], **fields) -> int:
    return Alert.objects.filter(pk__in=ids, status=AlertStatus.SENDING, claim=token).update(**fields)


def _deliver_digest(digest: str, token: str) -> dict[int, str]:
    """The alerts this claim holds go out as one message; each row records the outcome."""
    alerts = [
        SimpleNamespace(**row) for row in
        Alert.objects.filter(digest=digest, claim=token, status=AlertStatus.SENDING)
        .order_by("deadline", "pk")
        .values("pk", "kind", "subject", "body", "link", "key", "deadline", "digest", "channel", "request_id",
                "recipient_id", "unit_id", request_status=F("request__status"), request_ref=F("request__ref"))
    ]
    if alerts:  # one recipient (or robot unit) and one channel per digest: read them once
        first = alerts[0]
        first.recipient = User.objects.filter(pk=first.recipient_id).first() if first.recipient_id else None
        first.unit = Unit.objects.select_related("notification_preference").filter(pk=first.unit_id).first() \
            if first.unit_id else None
    outcomes: dict[int, str] = {}
    closed = [a.pk for a in alerts if a.kind in REQUEST_DEADLINE_KINDS and a.request_id is not None
              and a.request_status not in OPEN_STATUSES]
    if closed:
        _finish_claim(token, closed, status=AlertStatus.CANCELLED, last_error="申请已办结，无需提醒")
        outcomes.update(dict.fromkeys(closed, "cancelled"))
    alerts = [a for a in alerts if a.pk not in outcomes]
    if not alerts:
        return outcomes
    ids = [a.pk for a in alerts]
    if settings.GONGKAI_ALERT_SEND_DELAY:
        time.sleep(settings.GONGKAI_ALERT_SEND_DELAY)
    message = digest_message(alerts)
    channel = alerts[0].channel
    try:
        if channel == AlertChannel.IN_APP:
            with transaction.atomic():  # the notification and "sent" of every row commit together
                note = send_in_app_digest(message)
                done = _finish_claim(token, ids, status=AlertStatus.SENT, sent_at=timezone.now(), last_error="",
                                     digest_notification=note)
                if done != len(ids):
                    raise ChannelError("发送令牌已失效")
        else:
            if channel in (AlertChannel.DINGTALK, AlertChannel.WECOM):
                UnitPreference.objects.get(unit_id=message.unit_id)  # raises if the robot was removed
            SENDERS[channel](message)
            _finish_claim(token, ids, status=AlertStatus.SENT, sent_at=timezone.now(), last_error="")
    except Exception as exc:
        text = str(exc) if isinstance(exc, ChannelError) else f"{type(exc).__name__}: {exc}"
        _finish_claim(token, ids, status=AlertStatus.FAILED, last_error=text[:2000])
        raise ChannelError(text) from exc
    outcomes.update(dict.fromkeys(ids, "sent"))
    return outcomes


def deliver_now(alert_ids: Iterable[int]) -> dict[int, str]:
    """Send in this process (the management command without a worker). A digest is sent once, when
    its first alert comes up; its other alerts report that digest's outcome."""
    outcomes: dict[int, str] = {}
    for alert_id in alert_ids:
        if alert_id in outcomes:
            continue
        try:
            handled = deliver(alert_id)
        except ChannelError as exc:
            failed = Alert.objects.filter(pk=alert_id).values_list("digest", flat=True).first()
            ids = ([alert_id] if not failed else
                   list(Alert.objects.filter(digest=failed, status=AlertStatus.FAILED).values_list("pk", flat=True)))
            outcomes.update(dict.fromkeys(ids or [alert_id], f"failed: {exc}"))
            continue
        outcomes.update(handled)
        outcomes.setdefault(alert_id, "skipped")
    return outcomes


def publish(alert_ids: list[int]) -> int:
    """Hand alerts to the workers. Never raises: with the broker down they wait in the outbox, and
    requeue_unsent hands them on once it is back. One connection, tried once, no publish retries."""
    sent = send_each(app.tasks[SEND_ALERT], [(pk,) for pk in alert_ids],
                     what="alert(s) stay pending until the broker is back (requeue_unsent)")
    published = [args[0] for args in sent]
    if published:
        try:
            digests = Alert.objects.filter(pk__in=published).exclude(digest="").values("digest")
            Alert.objects.filter(Q(pk__in=published) | Q(digest__in=digests)).update(enqueued_at=timezone.now())
        except Exception:  # the messages are out; a missing mark only means one harmless requeue
            logger.warning("could not mark %d alert(s) as queued", len(published), exc_info=True)
    return len(published)


def enqueue(alert_ids: Iterable[int]) -> None:
    """After the surrounding transaction commits (immediately when there is none)."""
    ids = list(alert_ids)
    if ids:
        transaction.on_commit(lambda: publish(ids))


def one_per_message(rows, limit: int) -> list[int]:
    """An alert on its own, and the first alert of each digest (delivering it sends the whole
    digest): one task per message, not one per alert."""
    singles = rows.filter(digest="").values_list("pk", flat=True)
    firsts = rows.exclude(digest="").values("digest").annotate(first=Min("pk")).values_list("first", flat=True)
    return sorted(list(singles.order_by("pk")[:limit]) + list(firsts.order_by("first")[:limit]))[:limit]


def unqueued_alert_ids(limit: int = 5000) -> list[int]:
    """Alerts no publish has handed to the broker (see AlertQuerySet.never_queued), oldest first."""
    created_before = timezone.now() - timedelta(seconds=settings.GONGKAI_ALERT_REQUEUE_SECONDS)
    return one_per_message(Alert.objects.never_queued(created_before, stale_before()), limit)


def waiting_alert_ids(limit: int = 5000) -> list[int]:
    return one_per_message(Alert.objects.due_for_sending(stale_before()), limit)
