"""Alert texts are templates (notifications/templates/notifications/alerts/<kind>.txt): they follow
LANGUAGE_CODE, and a sweep renders each template once, not once per alert."""

from datetime import date

import pytest
from django.template import Engine
from django.test import override_settings
from django.utils import translation

from notifications import services
from notifications.models import AlertKind
from notifications.texts import AlertTexts


@pytest.fixture
def as_a_worker():
    """No language activated, as in a Celery worker or a command: gettext follows LANGUAGE_CODE."""
    before = translation.get_language()
    translation.deactivate()
    yield
    translation.activate(before)


WORDS = {"unit": "金东区发展和改革局", "label": "J1", "due_on": date(2026, 3, 4), "over": 2,
         "link": "http://gongkai.test/r/1"}


def test_an_alert_renders_in_chinese_by_default():
    subject, body = AlertTexts().render(AlertKind.OVERDUE, **WORDS)
    assert subject == "【答复超期】J1 已超过答复期限"
    assert body == ("金东区发展和改革局受理的政府信息公开申请 J1 答复期限为 2026年03月04日，至今未答复，已超期2个工作日。"
                    "逾期答复可能引发行政复议或诉讼，请立即办理。\n查看：http://gongkai.test/r/1")


@override_settings(LANGUAGE_CODE="en")
def test_an_alert_renders_in_english_with_language_code_en(as_a_worker):
    texts = AlertTexts()
    subject, body = texts.render(AlertKind.OVERDUE, **WORDS)
    when = texts.part("days_left", left=3)
    assert subject == "[Reply overdue] J1 is past its reply deadline"
    assert body.startswith("Request J1 received by 金东区发展和改革局 was due for a reply on 04 Mar 2026")
    assert body.endswith("\nView: http://gongkai.test/r/1")
    assert when == "3 working day(s) left"


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="en")
def test_the_calendar_alert_of_a_sweep_follows_language_code(tree, people, as_a_worker):
    created = services.check_calendar_coverage(date(2026, 11, 1)).created
    assert created and created[0].subject == "[Load the holiday schedule] the holidays of 2027 are not loaded yet"
    assert "Load: http" in created[0].body


def test_each_template_is_rendered_once_however_many_alerts(monkeypatch):
    loads = []
    real = Engine.get_template
    monkeypatch.setattr(Engine, "get_template", lambda self, name: loads.append(name) or real(self, name))
    texts = AlertTexts()
    for n in range(10_000):
        texts.render(AlertKind.OVERDUE, **{**WORDS, "label": f"J{n}"})
        texts.render(AlertKind.ESCALATED, **{**WORDS, "label": f"J{n}"})
    assert sorted(loads) == ["notifications/alerts/escalated.txt", "notifications/alerts/overdue.txt"]


EVERY_FIELD = {**WORDS, "when": "w", "received_on": date(2026, 2, 2), "provisional": "", "correction_due_on": date(2026, 2, 9),
               "party": "p", "sent_on": date(2026, 2, 3), "advice": "a", "until": date(2026, 2, 4), "amount": "100",
               "year": 2027, "deadline": "", "today": date(2026, 3, 5), "overdue": 1, "soon": 2, "horizon": 2, "count": 3,
               "applicant": "甲", "outcome": "o", "submitted_on": date(2026, 3, 1), "clerks_by": date(2026, 3, 2)}
TEMPLATES = ["reminder", "overdue", "escalated", "correction_notice_late", "consultation_lapsed", "correction_period_lapsed",
             "fee_period_lapsed", "calendar_missing", "assigned", "digest", "submission_unconfirmed",
             "submission_unconfirmed_head", "awaiting_legal_review", "awaiting_sign_off"]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", TEMPLATES)
def test_every_alert_template_renders_in_both_languages(name, language):
    with translation.override(language):
        subject, body = AlertTexts().render(name, **EVERY_FIELD)
    assert subject and body and "{" not in subject + body
    assert ("【" in subject) is (language == "zh-hans")
