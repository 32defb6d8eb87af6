"""Enqueueing after commit; a broker outage never fails a staff action; retries stay below the
broker visibility timeout."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from config.celery import app
from disclosure import services as disclosure_services
from disclosure.models import RequestEvent
from notifications import delivery, services
from notifications.models import Alert, AlertKind
from notifications.tasks import RETRY_MAX_DELAY, retry_delay, send_alert

from .scenario import make_request


@pytest.mark.django_db
def test_staff_action_succeeds_with_the_broker_down_and_the_alert_waits_in_the_outbox(
    tree, people, broker_down, django_capture_on_commit_callbacks, caplog
):
    req = make_request(tree["dept"], "A1", date(2025, 9, 26))
    caplog.set_level(logging.WARNING, logger="notifications.services")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        disclosure_services.assign_handler(req, actor=people["head"], handler=people["clerk"])
    assert len(callbacks) == 1  # the publish ran after commit …
    assert "broker unavailable" in caplog.text  # … and failed against the dead broker
    req.refresh_from_db()
    assert req.handler == people["clerk"]
    assert RequestEvent.objects.filter(request=req, action="assign").exists()
    alert = Alert.objects.get(kind=AlertKind.ASSIGNED)
    assert (alert.recipient, alert.status, alert.attempts) == (people["clerk"], "pending", 0)
    assert "已指定您为经办人" in alert.subject
    assert alert.pk in delivery.waiting_alert_ids()  # the next sweep enqueues it again


@pytest.mark.django_db
def test_admin_resend_with_the_broker_down_does_not_fail_the_page(
    client, tree, people, broker_down, django_capture_on_commit_callbacks
):
    make_request(tree["dept"], "A2", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 31))
    alert = Alert.objects.first()
    client.force_login(people["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/notifications/alert/", {"action": "resend", "_selected_action": [alert.pk]}, follow=True
        )
    assert response.status_code == 200 and "已将1条提醒交给发送队列" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == "pending"


@pytest.mark.django_db
def test_enqueue_inside_a_transaction_publishes_only_after_commit(tree, people, django_capture_on_commit_callbacks,
                                                                 monkeypatch):
    published = []
    monkeypatch.setattr(delivery, "publish", lambda ids: published.extend(ids))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery.enqueue([7, 8])
    assert published == []
    callbacks[0]()
    assert published == [7, 8]


@pytest.mark.parametrize("retries, delay", [(0, 60), (1, 120), (4, 960), (5, 1800), (12, 1800)])
def test_retry_delay_backs_off_and_stays_below_the_visibility_timeout(retries, delay):
    assert retry_delay(retries) == delay
    assert RETRY_MAX_DELAY < 3600


def test_send_alert_is_acks_late_and_rejected_on_worker_loss():
    assert send_alert.acks_late is True
    assert send_alert.reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.django_db
def test_send_alert_task_retries_a_channel_failure_with_backoff(tree, people, monkeypatch):
    from celery.exceptions import Retry

    make_request(tree["dept"], "A3", date(2025, 9, 26), handler=people["clerk"])
    services.sweep(date(2025, 10, 31))
    alert = Alert.objects.first()

    def boom(_alert):
        raise delivery.ChannelError("SMTP 421")

    monkeypatch.setitem(delivery.SENDERS, alert.channel, boom)
    retried = {}
    monkeypatch.setattr(send_alert, "retry", lambda **kw: retried.update(kw) or Retry("retry"))
    with pytest.raises(Retry):
        send_alert.run(alert.pk)
    assert retried["countdown"] == 60
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.last_error) == ("failed", 1, "SMTP 421")


@pytest.mark.django_db
def test_a_sweep_that_loses_the_database_is_retried(monkeypatch):
    from celery.exceptions import Retry
    from django.db import OperationalError

    from notifications import tasks

    def lost(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(tasks.services, "sweep", lost)
    retried = {}
    monkeypatch.setattr(tasks.run_sweep, "retry", lambda **kw: retried.update(kw) or Retry("retry"))
    with pytest.raises(Retry):
        tasks.run_sweep.run("2025-10-31")
    assert retried["countdown"] == tasks.SWEEP_RETRY_DELAY and isinstance(retried["exc"], OperationalError)
    assert tasks.run_sweep.acks_late is True and tasks.run_sweep.reject_on_worker_lost is True
