"""Applicant notifications (issue 10): e-mail and SMS through the outbox at each step, exactly once;
and the sweep's alert about online submissions left unconfirmed (clerks, then the head)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from disclosure import deadlines as dl
from disclosure import services
from notifications import delivery
from notifications import services as sweeping
from notifications.models import Alert, AlertChannel, AlertKind, AlertStatus
from notifications.sms import SmsMessage, get_backend, locmem
from notifications.submissions import unconfirmed_submission_alerts
from tests.steps import office_reply

ID_NUMBER = "110101199003070038"
APPLICATION = {
    "applicant_type": "natural_person", "applicant_name": "孙八", "applicant_id_number": ID_NUMBER,
    "phone": "13500135000", "email": "sun@example.com", "content": "申请公开某项目的批复",
    "provision_form": "email", "delivery_method": "online",
}
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CALENDAR = dl.WorkCalendar(holidays=frozenset(), extra_workdays=frozenset(), known_years=frozenset({2026}))


@pytest.fixture(autouse=True)
def backends(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GONGKAI_SMS_BACKEND = "notifications.sms.locmem.SmsBackend"
    settings.GONGKAI_SITE_URL = "https://gongkai.example.gov.cn"
    settings.MEDIA_ROOT = tmp_path / "media"
    locmem.outbox.clear()


def send_all():
    return delivery.deliver_now(Alert.objects.filter(status=AlertStatus.PENDING).values_list("pk", flat=True))


def applicant_alerts(kind):
    return Alert.objects.filter(kind=kind, recipient__isnull=True)


def test_the_submission_message_carries_the_code_once_and_then_forgets_it(tree, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        req, code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)
    alerts = applicant_alerts(AlertKind.APPLICANT_SUBMITTED)
    assert {a.channel for a in alerts} == {AlertChannel.EMAIL, AlertChannel.SMS}
    assert all(code not in a.body for a in alerts)  # the stored body holds a placeholder only
    send_all()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sun@example.com"]
    assert code in mail.outbox[0].body and "https://gongkai.example.gov.cn/public/status/" in mail.outbox[0].body
    assert [m.to for m in locmem.outbox] == ["13500135000"] and code in locmem.outbox[0].text
    for alert in Alert.objects.filter(kind=AlertKind.APPLICANT_SUBMITTED):
        assert alert.status == AlertStatus.SENT and alert.secret == ""  # wiped once sent
    assert ID_NUMBER not in mail.outbox[0].body and ID_NUMBER not in locmem.outbox[0].text


def test_each_step_is_told_once_by_email_and_sms(tree, people):
    req, code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    services.request_correction(req, actor=people["clerk"], requested_on=date(2026, 3, 4), items="请写明文号",
                                period_until=date(2026, 3, 20), today=date(2026, 3, 4))
    services.record_correction(req, actor=people["clerk"], received_on=date(2026, 3, 5), today=date(2026, 3, 5))
    services.accept(req, actor=people["reviewer"])  # the confirming clerk registered it (岗位分离)
    services.approve_extension(req, actor=people["head"], days=10, reason="需要协调多个部门",
                               approved_on=date(2026, 3, 6), notified_on=date(2026, 3, 6), today=date(2026, 3, 6))
    office_reply(req, people, outcome="granted", replied_on=date(2026, 3, 9), today=date(2026, 3, 9))
    kinds = {AlertKind.APPLICANT_SUBMITTED, AlertKind.APPLICANT_REGISTERED, AlertKind.APPLICANT_CORRECTION,
             AlertKind.APPLICANT_EXTENSION, AlertKind.APPLICANT_REPLIED}
    for kind in kinds:
        assert applicant_alerts(kind).count() == 2, kind
    outcomes = send_all()
    assert set(outcomes.values()) == {"sent"}
    assert send_all() == {}  # nothing left: each message went exactly once
    assert len(mail.outbox) == 5 and len(locmem.outbox) == 5
    registered = next(m for m in mail.outbox if "已受理" in m.subject)
    assert req.ref in registered.body and "答复期限" in registered.body
    correction = next(m for m in locmem.outbox if "补正" in m.text)
    assert "请写明文号" in correction.text and "2026-03-20" in correction.text
    extended = next(m for m in locmem.outbox if "延长" in m.text)
    assert req.due_on.isoformat() in extended.text
    replied = next(m for m in mail.outbox if "已答复" in m.subject)
    assert "下载" in replied.body  # delivery 网上领取: the reply is downloadable on the status page
    # a delivery attempt of an already sent alert sends nothing
    alert = Alert.objects.filter(kind=AlertKind.APPLICANT_REGISTERED).first()
    assert delivery.deliver_alert(alert.pk) == "skipped" and len(mail.outbox) == 5


def test_a_rejection_tells_the_reason(tree, people):
    req, _code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)
    services.reject_submission(req, actor=people["clerk"], reason="同一申请重复提交", today=date(2026, 3, 2))
    send_all()
    rejected = [m for m in locmem.outbox if "未作为" in m.text]
    assert len(rejected) == 1 and "同一申请重复提交" in rejected[0].text


def test_an_applicant_without_phone_or_mail_and_staff_registrations_get_nothing(tree, people):
    services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="李四",
        applicant_contact="13900000000", channel="in_person", submitted_on=date(2026, 3, 2), content="某文件",
        today=date(2026, 3, 2),
    )
    assert not Alert.objects.filter(recipient__isnull=True, kind__startswith="applicant_").exists()


def test_a_failed_sms_is_retried_and_then_sent_once(tree, settings):
    settings.GONGKAI_SMS_BACKEND = "tests.notifications.test_applicants.FailingBackend"
    services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)
    outcomes = send_all()
    sms = Alert.objects.get(kind=AlertKind.APPLICANT_SUBMITTED, channel=AlertChannel.SMS)
    assert sms.status == AlertStatus.FAILED and "短信" in sms.last_error and sms.secret  # kept for the retry
    assert any(v.startswith("failed") for v in outcomes.values())
    settings.GONGKAI_SMS_BACKEND = "notifications.sms.locmem.SmsBackend"
    assert delivery.deliver_alert(sms.pk) == "sent"
    sms.refresh_from_db()
    assert sms.status == AlertStatus.SENT and sms.attempts == 2 and len(locmem.outbox) == 1


class FailingBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        from notifications.sms import SmsError

        raise SmsError("gateway down")


def test_the_file_backend_writes_one_file_per_message(tmp_path):
    backend = get_backend("notifications.sms.filebased.SmsBackend", file_path=str(tmp_path / "sms"))
    assert backend.send_messages([SmsMessage(to="13500135000", text="您好", reference="k1")]) == 1
    [written] = list((tmp_path / "sms").iterdir())
    assert "13500135000" in written.read_text(encoding="utf-8") and "您好" in written.read_text(encoding="utf-8")


# --- the sweep: submissions left unconfirmed --------------------------------------------------


def test_unconfirmed_submissions_alert_clerks_then_the_head(tree, people):
    req, _code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)  # Mon 03-02
    assert unconfirmed_submission_alerts(date(2026, 3, 3), calendar=CALENDAR) == []  # Tue: still in time
    created = unconfirmed_submission_alerts(date(2026, 3, 4), calendar=CALENDAR)  # Wed: past Tue's end
    assert {(p.kind, p.stage, p.recipient_id) for p in created} == {
        (AlertKind.SUBMISSION_UNCONFIRMED, 1, people["clerk"].pk)
    }
    assert unconfirmed_submission_alerts(date(2026, 3, 4), calendar=CALENDAR) == []  # once
    created = unconfirmed_submission_alerts(date(2026, 3, 5), calendar=CALENDAR)  # Thu: the head
    assert {(p.stage, p.recipient_id) for p in created} == {(2, people["head"].pk)}
    assert all(ID_NUMBER not in p.body for p in created)


def test_a_weekend_does_not_count_and_other_units_are_not_told(tree, people):
    friday = MONDAY + timedelta(days=4)
    services.submit_application(unit=tree["dept"], data=APPLICATION, now=friday)  # Fri 03-06
    assert unconfirmed_submission_alerts(date(2026, 3, 9), calendar=CALENDAR) == []  # Mon: next working day
    created = unconfirmed_submission_alerts(date(2026, 3, 10), calendar=CALENDAR)
    assert {p.recipient_id for p in created} == {people["clerk"].pk}
    assert people["other_clerk"].pk not in {p.recipient_id for p in created}


def test_the_sweep_calls_it_and_a_confirmed_submission_is_not_alerted(tree, people):
    req, _code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=MONDAY)
    report = sweeping.sweep(date(2026, 3, 4), calendar=CALENDAR)
    assert report.by_kind().get(AlertKind.SUBMISSION_UNCONFIRMED) == 1
    alert = Alert.objects.get(kind=AlertKind.SUBMISSION_UNCONFIRMED)
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 4))
    assert delivery.deliver_alert(alert.pk) == "cancelled"  # confirmed meanwhile: no stale alert
    assert sweeping.sweep(date(2026, 3, 5), calendar=CALENDAR).by_kind().get(AlertKind.SUBMISSION_UNCONFIRMED) is None
