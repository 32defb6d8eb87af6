"""The sweep over a series of dates around National Day 2025, with the real calendar."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection

from disclosure.workcalendar import load_work_calendar
from notifications import delivery, services
from notifications.models import Alert, AlertKind, Notification

from .scenario import build

FIRST, LAST = date(2025, 9, 26), date(2025, 11, 7)

R, O, E = AlertKind.REMINDER, AlertKind.OVERDUE, AlertKind.ESCALATED  # noqa: E741 - the table's one-letter kinds; renaming O would touch every row

# (sweep day that first creates it, kind, stage, request, recipient) — derived by hand from the
# 2025 schedule: 10-01..10-08 off, Sun 09-28 and Sat 10-11 working days.
EXPECTED = {
    # R4 due 10-14: five working days ahead is 09-30 (before the holiday), one day ahead 10-13
    (date(2025, 9, 30), R, 5, "R4", "clerk"),
    (date(2025, 10, 13), R, 1, "R4", "clerk"),
    (date(2025, 10, 15), O, 0, "R4", "clerk"),
    (date(2025, 10, 15), O, 0, "R4", "head"),
    (date(2025, 10, 17), E, 0, "R4", "supervisor"),
    # R2 due 10-23, no handler: the unit's clerks
    (date(2025, 10, 16), R, 5, "R2", "clerk"),
    (date(2025, 10, 22), R, 1, "R2", "clerk"),
    (date(2025, 10, 24), O, 0, "R2", "clerk"),
    (date(2025, 10, 24), O, 0, "R2", "head"),
    (date(2025, 10, 28), E, 0, "R2", "supervisor"),
    # R1 due 10-30
    (date(2025, 10, 23), R, 5, "R1", "clerk"),
    (date(2025, 10, 29), R, 1, "R1", "clerk"),
    (date(2025, 10, 31), O, 0, "R1", "clerk"),
    (date(2025, 10, 31), O, 0, "R1", "head"),
    (date(2025, 11, 4), E, 0, "R1", "supervisor"),
    # R3 (township, thresholds "3"): correction notice due 10-16; reply due 11-04
    (date(2025, 10, 17), AlertKind.CORRECTION_NOTICE_LATE, 0, "R3", "town_clerk"),
    (date(2025, 10, 30), R, 3, "R3", "town_clerk"),
    (date(2025, 11, 5), O, 0, "R3", "town_clerk"),
    (date(2025, 11, 7), E, 0, "R3", "supervisor"),
    # consultations: third party sent 09-29 (due 10-27), another agency sent 10-09 (due 10-29)
    (date(2025, 10, 28), AlertKind.CONSULTATION_LAPSED, 0, "R5", "clerk"),
    (date(2025, 10, 30), AlertKind.CONSULTATION_LAPSED, 0, "R6", "clerk"),
    # correction period until 10-15 lapsed
    (date(2025, 10, 16), AlertKind.CORRECTION_PERIOD_LAPSED, 0, "R7", "clerk"),
    (date(2025, 10, 16), AlertKind.CORRECTION_PERIOD_LAPSED, 0, "R7", "head"),
    # fee notice 10-09, 20 working days: due 11-05
    (date(2025, 11, 6), AlertKind.FEE_PERIOD_LAPSED, 0, "R8", "clerk"),
    # another district: no head, no supervisor above it
    (date(2025, 10, 23), R, 5, "R10", "other_clerk"),
    (date(2025, 10, 29), R, 1, "R10", "other_clerk"),
    (date(2025, 10, 31), O, 0, "R10", "other_clerk"),
}


def working_days(first, last):
    calendar = load_work_calendar()
    day = first
    while day <= last:
        if calendar.is_workday(day):
            yield day
        day += timedelta(days=1)


def run(days):
    """Sweep each day (as beat does, working days only); return what each sweep created."""
    seen = set()
    for day in days:
        for p in services.sweep(day).created:
            if p.kind == AlertKind.DIGEST:
                continue
            alert = Alert.objects.select_related("request", "recipient").get(key=p.key)
            seen.add((day, alert.kind, alert.stage, alert.request.ref, alert.recipient.username))
    return seen


@pytest.fixture
def scenario(tree, people):
    return build(tree, people)


@pytest.mark.django_db
def test_sweep_over_national_day_2025_creates_exactly_the_expected_alerts(scenario):
    days = list(working_days(FIRST, LAST))
    assert date(2025, 9, 28) in days and date(2025, 10, 11) in days and date(2025, 10, 6) not in days
    assert run(days) == EXPECTED
    assert Alert.objects.exclude(kind=AlertKind.DIGEST).count() == len(EXPECTED)
    assert set(Alert.objects.values_list("channel", flat=True)) == {"in_app"}  # nobody has an e-mail address


@pytest.mark.django_db
def test_second_run_over_the_same_dates_creates_and_sends_nothing(scenario):
    days = list(working_days(FIRST, LAST))
    run(days)
    first = delivery.deliver_now(delivery.waiting_alert_ids())
    assert first and set(first.values()) <= {"sent", "cancelled"}
    notifications = Notification.objects.count()
    total = Alert.objects.count()

    assert run(days) == set()
    assert all(not services.sweep(d).created for d in days)
    assert delivery.waiting_alert_ids() == []
    assert delivery.deliver_now(list(first)) == {pk: "skipped" for pk in first}
    assert (Alert.objects.count(), Notification.objects.count()) == (total, notifications)


@pytest.mark.django_db
def test_late_sweep_catches_up_with_the_stage_each_deadline_is_in_now(scenario):
    # the worker and beat were down from 09-29 to 10-19: the first sweep after is 10-20
    created = run([date(2025, 10, 20)])
    assert created == {
        (date(2025, 10, 20), R, 5, "R2", "clerk"),  # due 10-23: 3 days left, still the 5-day stage
        (date(2025, 10, 20), O, 0, "R4", "clerk"),  # due 10-14: overdue, and 4 days over: escalated too
        (date(2025, 10, 20), O, 0, "R4", "head"),
        (date(2025, 10, 20), E, 0, "R4", "supervisor"),
        (date(2025, 10, 20), AlertKind.CORRECTION_NOTICE_LATE, 0, "R3", "town_clerk"),
        (date(2025, 10, 20), AlertKind.CORRECTION_PERIOD_LAPSED, 0, "R7", "clerk"),
        (date(2025, 10, 20), AlertKind.CORRECTION_PERIOD_LAPSED, 0, "R7", "head"),
    }
    # R4's 5-day and 1-day reminders are not sent late: they would only mislead
    assert not Alert.objects.filter(request__ref="R4", kind=R).exists()
    # carrying on daily from 10-21 gives every remaining alert of the full run, each once
    rest = run(working_days(date(2025, 10, 21), LAST))
    keys = {(k, s, r, u) for _d, k, s, r, u in created | rest}
    expected = {(k, s, r, u) for _d, k, s, r, u in EXPECTED}
    assert keys == expected - {(R, 5, "R4", "clerk"), (R, 1, "R4", "clerk")}


@pytest.mark.django_db
def test_non_working_day_sweep_task_returns_early(scenario):
    from notifications.tasks import run_sweep

    assert run_sweep.run("2025-10-04") == {"today": "2025-10-04", "skipped": "non-working day"}
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_dry_run_writes_nothing_but_reports_what_a_real_run_creates(scenario):
    day = date(2025, 10, 31)
    planned = services.sweep(day, dry_run=True).created
    assert not Alert.objects.exists()
    real = services.sweep(day).created
    assert sorted(p.key for p in planned) == sorted(p.key for p in real)


@pytest.mark.django_db
def test_concluded_request_alert_is_cancelled_instead_of_sent(scenario):
    from disclosure.models import DisclosureRequest
    from disclosure.workflow import Status

    services.sweep(date(2025, 10, 13))  # R4's 1-day reminder
    alert = Alert.objects.get(request__ref="R4", kind=R, stage=1)
    DisclosureRequest.objects.filter(pk=alert.request_id).update(status=Status.REPLIED)
    assert delivery.deliver_alert(alert.pk) == "cancelled"
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_sweeps_create_and_send_each_alert_once(tree, people):
    build(tree, people)
    day = date(2025, 10, 31)
    expected = {p.key for p in services.sweep(day, dry_run=True).created}
    assert expected
    errors = []

    def sweep_and_send():
        try:
            services.sweep(day)
            delivery.deliver_now(delivery.waiting_alert_ids())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=sweep_and_send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    else:  # SQLite serialises writers: run them one after the other
        sweep_and_send()
        sweep_and_send()
    assert errors == []
    assert set(Alert.objects.values_list("key", flat=True)) == expected
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}
    in_app = Alert.objects.filter(channel="in_app")
    # each in-app alert is on exactly one notification: its person's digest of the sweep (the
    # 天天监测 digest is a message of its own), one notification per person and message
    digests = in_app.exclude(digest="")
    assert not digests.filter(digest_notification=None).exists()
    singles = in_app.filter(digest="")
    assert Notification.objects.count() == digests.values("digest").distinct().count() + singles.count()
    assert set(Notification.objects.values_list("alert_id", flat=True)) == (
        set(singles.values_list("pk", flat=True)) | set(digests.values_list("digest_notification__alert_id", flat=True))
    )
    for note in Notification.objects.all():  # never a second notification for the same alerts
        assert note.digest_alerts.exclude(recipient=note.user).count() == 0


@pytest.mark.django_db
def test_reminder_without_handler_or_clerks_goes_to_the_units_head_and_names_the_deadline_day(tree, people):
    from tests.factories import UnitFactory, staff

    from .scenario import make_request

    unit = UnitFactory(code="jd-sfj", name="金东区司法局", parent=tree["root"])
    head = staff("sfj_head", unit, "head")
    make_request(unit, "H1", date(2025, 9, 26))  # due 10-30
    (alert,) = [p for p in services.sweep(date(2025, 10, 30)).created if p.kind == AlertKind.REMINDER]
    assert alert.recipient_id == head.pk and alert.stage == 1
    assert alert.subject == "【答复期限提醒】H1 今天是答复期限"
