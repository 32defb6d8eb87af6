"""One message per person and channel per sweep: the digest, its exactly-once, the opt-out for
escalations, resending, and the sweep's statements per batch (constant in the number of rows)."""

from __future__ import annotations

import urllib.parse
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure import deadlines as dl
from disclosure.models import DisclosureRequest
from disclosure.workcalendar import load_work_calendar
from notifications import delivery, services
from notifications import directory as directory_module
from notifications import sweep as sweep_module
from notifications.models import Alert, AlertKind, AlertStatus, Notification, PersonPreference

from .scenario import build
from .test_channels import robot_server, robots  # noqa: F401 (fixtures)

DAY = date(2025, 10, 31)  # R1, R2, R4 overdue; R2, R4 escalated; R5, R6, R7 lapsed; R3 reminder …


@pytest.fixture
def with_email(tree, people):
    for user in people.values():
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    return build(tree, people)


def _sections(body: str) -> list[str]:
    return [line.split("】")[0].lstrip("【") for line in body.splitlines() if line.startswith("【")]


@pytest.mark.django_db
def test_each_person_gets_one_email_listing_every_alert_by_urgency_with_links(with_email, people):
    services.sweep(DAY)
    outcomes = delivery.deliver_now(delivery.waiting_alert_ids())
    assert set(outcomes.values()) == {"sent"}
    emails = Alert.objects.filter(channel="email")
    by_person: dict[str, list] = {}
    for message in mail.outbox:
        by_person.setdefault(message.to[0], []).append(message)
    # one sweep message per person (the supervisor's 天天监测 is its own), however many alerts
    sweep_mail = {to: [m for m in ms if "天天监测" not in m.subject] for to, ms in by_person.items()}
    assert all(len(ms) == 1 for ms in sweep_mail.values()), {k: len(v) for k, v in sweep_mail.items()}
    clerk_mail = sweep_mail["clerk@example.gov.cn"][0]
    clerk_alerts = emails.filter(recipient=people["clerk"])
    assert clerk_alerts.count() == 6
    assert clerk_mail.subject == "【政府信息公开提醒】10月31日 共6条：答复已超期3条、期限届满，待处理3条"
    assert _sections(clerk_mail.body) == ["答复已超期", "期限届满，待处理"]
    for alert in clerk_alerts.select_related("request"):
        assert alert.request.ref in clerk_mail.body
        assert f"/admin/disclosure/disclosurerequest/{alert.request_id}/change/" in clerk_mail.body
        assert f"（期限 {alert.deadline:%Y-%m-%d}）" in clerk_mail.body
    # the header carries every alert's key: the outbox rows and the message are matched one to one
    assert set(clerk_mail.extra_headers["X-Gongkai-Alert"].split()) == set(clerk_alerts.values_list("key", flat=True))
    head_mail = sweep_mail["head@example.gov.cn"][0]
    assert _sections(head_mail.body) == ["答复已超期", "期限届满，待处理"]
    sup = sweep_mail["supervisor@example.gov.cn"][0]
    assert _sections(sup.body) == ["超期督办"] and "R2" in sup.body and "R4" in sup.body
    assert delivery.deliver_now(list(outcomes)) == dict.fromkeys(outcomes, "skipped")  # never twice
    sent = len(mail.outbox)
    assert not services.sweep(DAY).created and delivery.waiting_alert_ids() == []
    assert len(mail.outbox) == sent


@pytest.mark.django_db
def test_the_group_robot_gets_one_post_per_channel_per_sweep(tree, people, robots, robot_server):  # noqa: F811
    build(tree, people)
    services.sweep(DAY)
    robot_alerts = Alert.objects.filter(recipient=None, unit=tree["dept"])
    assert robot_alerts.count() > 2
    delivery.deliver_now(delivery.waiting_alert_ids())
    paths = sorted(urllib.parse.urlsplit(r["path"]).path for r in robot_server.received)
    assert paths == ["/cgi-bin/webhook/send", "/robot/send"]
    text = robot_server.received[0]["body"]["text"]["content"]
    assert len(text) <= 4000 and "金东区发展和改革局" in text
    for ref in ("R1", "R2", "R4", "R5", "R6", "R7"):
        assert ref in text
    assert set(robot_alerts.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db
def test_a_person_may_take_overdue_and_escalated_alerts_at_once(with_email, people):
    PersonPreference.objects.create(user=people["clerk"], in_app_enabled=False, immediate_escalations=True)
    services.sweep(DAY)
    delivery.deliver_now(delivery.waiting_alert_ids())
    clerk_mail = [m for m in mail.outbox if m.to == ["clerk@example.gov.cn"]]
    overdue = Alert.objects.filter(recipient=people["clerk"], channel="email", kind=AlertKind.OVERDUE)
    assert overdue.count() == 3 and set(overdue.values_list("digest", flat=True)) == {""}
    # three overdue alerts one by one, the three lapsed periods in one digest
    assert sorted(m.subject for m in clerk_mail if m.subject.startswith("【答复超期】")) == [
        "【答复超期】R1 已超过答复期限", "【答复超期】R2 已超过答复期限", "【答复超期】R4 已超过答复期限"]
    assert len(clerk_mail) == 4


@pytest.mark.django_db
def test_a_failed_digest_is_resent_with_all_its_rows_as_one_message(with_email, people, monkeypatch):
    services.sweep(DAY)
    clerk_alerts = Alert.objects.filter(recipient=people["clerk"], channel="email")
    first = clerk_alerts.order_by("pk").first()

    def refuse(message, *args, **kwargs):
        raise OSError("SMTP 421")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    outcome = delivery.deliver_now([first.pk])
    assert set(outcome) == set(clerk_alerts.values_list("pk", flat=True))
    assert all(o.startswith("failed") for o in outcome.values())
    assert set(clerk_alerts.values_list("status", flat=True)) == {AlertStatus.FAILED}
    monkeypatch.undo()
    # the admin's resend of any one row resends the whole digest, once
    assert delivery.deliver_now([clerk_alerts.order_by("pk").last().pk]) == dict.fromkeys(outcome, "sent")
    assert [m.to for m in mail.outbox] == [["clerk@example.gov.cn"]]
    assert set(mail.outbox[0].extra_headers["X-Gongkai-Alert"].split()) == set(clerk_alerts.values_list("key", flat=True))
    assert set(clerk_alerts.values_list("attempts", flat=True)) == {2}


@pytest.mark.django_db
def test_a_concluded_request_is_left_out_of_the_digest(with_email, people):
    services.sweep(DAY)
    r1 = DisclosureRequest.objects.get(ref="R1")
    DisclosureRequest.objects.filter(pk=r1.pk).update(status="replied")
    delivery.deliver_now(delivery.waiting_alert_ids())
    (clerk_mail,) = [m for m in mail.outbox if m.to == ["clerk@example.gov.cn"]]
    assert "R1" not in clerk_mail.body and "R2" in clerk_mail.body
    assert set(Alert.objects.filter(request=r1).values_list("status", flat=True)) == {AlertStatus.CANCELLED}


@pytest.mark.django_db
def test_in_app_digest_is_one_notification_per_person(tree, people):
    build(tree, people)
    services.sweep(DAY)
    delivery.deliver_now(delivery.waiting_alert_ids())
    note = Notification.objects.get(user=people["clerk"])
    assert note.digest_alerts.count() == 6 and note.message.startswith("【政府信息公开提醒】")


def _requests(tree, n, calendar, today):
    units = [tree["dept"], tree["town"], tree["other"]]
    rows = []
    for i in range(n):
        received = today - timedelta(days=i % 45)
        rows.append(DisclosureRequest(
            unit=units[i % 3], ref=f"Q{i:05d}", applicant_type="natural_person", applicant_name="甲",
            channel="in_person", submitted_on=received, received_on=received, content="q", status="handling",
            due_on=dl.add_workdays(received, 20, calendar), correction_due_on=dl.add_workdays(received, 7, calendar),
        ))
    DisclosureRequest.objects.bulk_create(rows)


def _statements(captured) -> int:
    return sum(1 for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))


@pytest.mark.django_db
def test_the_sweep_runs_three_statements_per_batch_whatever_the_number_of_rows(tree, people):
    calendar = load_work_calendar()
    directory = directory_module.Directory.load()
    batch = 10
    fixed = []
    for n in (30, 150):
        Alert.objects.all().delete()
        DisclosureRequest.objects.all().delete()
        _requests(tree, n, calendar, DAY)
        needing = sweep_module.reply_deadline_rows(DAY, calendar, directory).count()
        # the 天天监测 reads the supervisors' subtree in batches too (one SELECT each)
        watched = DisclosureRequest.objects.filter(unit__path__startswith=tree["root"].path,
                                                   due_on__lte=dl.add_workdays(DAY, 2, calendar)).count()
        with CaptureQueriesContext(connection) as captured:
            report = services.sweep(DAY, calendar=calendar, directory=directory, batch_size=batch)
        assert len(report.created) > needing
        # per batch: the SELECT of the rows that need an alert, the INSERT … ON CONFLICT DO NOTHING,
        # the SELECT of what this run created
        fixed.append(_statements(captured.captured_queries) - 3 * -(-needing // batch) - -(-watched // batch))
        # a rerun finds in SQL that nothing is needed: no row comes back, nothing is inserted
        with CaptureQueriesContext(connection) as again:
            assert services.sweep(DAY, calendar=calendar, directory=directory, batch_size=batch).created == []
        assert _statements(again.captured_queries) <= fixed[-1] + -(-watched // batch) + 1
    assert fixed[0] == fixed[1] and fixed[0] <= 12, fixed


@pytest.mark.django_db
def test_each_batch_bounds_its_alerted_subqueries_by_the_keyset(tree, people):
    """The NOT EXISTS on the alerts is bounded by the batch's keyset (request_id > the last id read):
    redundant for the answer, but it keeps PostgreSQL from reading every alert of a kind — those this
    sweep wrote included — once per batch (1,000,000 open requests: 352 s → 74 s)."""
    calendar = load_work_calendar()
    directory = directory_module.Directory.load()
    _requests(tree, 30, calendar, DAY)
    rows_after = sweep_module.reply_deadline_query(DAY, calendar, directory)
    assert list(rows_after(None)) == list(sweep_module.reply_deadline_rows(DAY, calendar, directory))
    first = list(rows_after(0).order_by("pk")[:10])
    last = first[-1]["pk"]
    sql = str(rows_after(last).query)
    bound = f'U0."request_id" > {last}'
    assert sql.count("NOT EXISTS") == sql.count(bound) >= 3, sql  # reminder, overdue, escalated: each bounded
    rest = list(rows_after(last).order_by("pk"))
    assert [r["pk"] for r in first + rest] == [r["pk"] for r in rows_after(None).order_by("pk")]
