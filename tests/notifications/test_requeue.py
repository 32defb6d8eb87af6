"""An alert whose publish never reached the broker (it was down when the staff action committed)
is handed on by the requeue task beat runs every minute; one already queued is not queued again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from disclosure import services as disclosure_services
from notifications import delivery, services
from notifications.models import Alert, AlertKind, AlertStatus
from notifications.tasks import requeue_unsent, send_alert

from .scenario import make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    """Capture what reaches the broker instead of sending it (no worker here)."""
    sent: list[int] = []
    monkeypatch.setattr(send_alert, "apply_async", lambda args, **kw: sent.append(args[0]))
    return sent


def age(alert_ids, seconds):
    Alert.objects.filter(pk__in=alert_ids).update(created_at=timezone.now() - timedelta(seconds=seconds))


def test_an_alert_whose_publish_failed_is_requeued_once_the_broker_is_back(
    tree, people, broker_down, django_capture_on_commit_callbacks, settings, published
):
    settings.GONGKAI_ALERT_REQUEUE_SECONDS = 30
    req = make_request(tree["dept"], "Q1", date(2025, 9, 26))
    with django_capture_on_commit_callbacks(execute=True):
        disclosure_services.assign_handler(req, actor=people["head"], handler=people["clerk"])
    alert = Alert.objects.get(kind=AlertKind.ASSIGNED)
    assert (alert.status, alert.enqueued_at) == (AlertStatus.PENDING, None)
    assert delivery.unqueued_alert_ids() == []  # not before the grace period: its own publish may be under way
    age([alert.pk], 31)
    assert delivery.unqueued_alert_ids() == [alert.pk]


def test_requeue_publishes_the_unqueued_and_marks_them(tree, people, published, settings):
    settings.GONGKAI_ALERT_REQUEUE_SECONDS = 30
    make_request(tree["dept"], "Q2", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 31))  # no enqueue: as if every publish had failed
    ids = sorted(Alert.objects.values_list("pk", flat=True))
    assert ids
    age(ids, 60)
    assert requeue_unsent.run() == {"found": len(ids), "enqueued": len(ids)}
    assert sorted(published) == ids
    assert not Alert.objects.filter(enqueued_at__isnull=True).exists()
    assert requeue_unsent.run() == {"found": 0, "enqueued": 0}  # queued once, not every minute
    assert sorted(published) == ids


def test_a_successful_publish_marks_the_alert_so_it_is_never_requeued(tree, people, published, settings):
    settings.GONGKAI_ALERT_REQUEUE_SECONDS = 0
    make_request(tree["dept"], "Q3", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 31))
    ids = sorted(Alert.objects.values_list("pk", flat=True))
    assert delivery.publish(ids) == len(ids)
    age(ids, 3600)
    assert delivery.unqueued_alert_ids() == []


def test_sent_failed_and_live_claims_are_not_requeued_but_a_stale_claim_is_once(tree, people, published, settings):
    settings.GONGKAI_ALERT_REQUEUE_SECONDS = 0
    settings.GONGKAI_ALERT_STALE_SECONDS = 600
    make_request(tree["dept"], "Q4", date(2025, 9, 26), handler=people["clerk"])
    make_request(tree["dept"], "Q5", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 31))
    alerts = list(Alert.objects.order_by("pk"))
    assert len(alerts) >= 4
    sent, failed, live, stale = alerts[:4]
    now = timezone.now()
    long_ago = now - timedelta(seconds=601)
    Alert.objects.filter(pk=sent.pk).update(status=AlertStatus.SENT, sent_at=now)
    Alert.objects.filter(pk=failed.pk).update(status=AlertStatus.FAILED)  # its retries own it
    Alert.objects.filter(pk=live.pk).update(status=AlertStatus.SENDING, claimed_at=now, enqueued_at=long_ago)
    Alert.objects.filter(pk=stale.pk).update(status=AlertStatus.SENDING, claimed_at=long_ago,
                                             enqueued_at=long_ago - timedelta(seconds=1))
    Alert.objects.filter(pk__in=[a.pk for a in alerts[4:]]).update(enqueued_at=long_ago)
    assert delivery.unqueued_alert_ids() == [stale.pk]  # a dead worker's claim, not handed on since
    requeue_unsent.run()
    assert published == [stale.pk]
    assert delivery.unqueued_alert_ids() == []


def test_the_requeue_task_is_in_the_beat_schedule_every_minute():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.select_related("interval").get(task="notifications.tasks.requeue_unsent")
    assert task.enabled and (task.interval.every, task.interval.period) == (1, "minutes")
    assert requeue_unsent.acks_late is True
