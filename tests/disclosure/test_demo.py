"""load_demo: the demo district in every state and outcome, built through the services, loaded once."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from disclosure.demo import DEFAULT_PASSWORD
from disclosure.models import Consultation, DisclosureRequest, FeeNotice, RequestEvent, StaffRole, User
from disclosure.workflow import ADVERSE_OUTCOMES, Outcome, Status

pytestmark = pytest.mark.django_db


def load(today: date | None = None) -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, **({"today": today} if today else {}))
    return out.getvalue()


@pytest.mark.parametrize("today", [None, date(2027, 3, 15)], ids=["today", "unloaded-year"])
def test_demo_has_every_state_and_outcome_each_with_its_history(today):
    load(today)
    today = today or timezone.localdate()
    requests = DisclosureRequest.objects.all()

    assert 250 <= requests.count() <= 350
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    assert set(requests.exclude(outcome="").values_list("outcome", flat=True)) == set(Outcome.values)
    years = set(requests.values_list("received_on__year", flat=True))
    assert years == {today.year - 2, today.year - 1, today.year}
    assert requests.filter(received_on__gt=today).count() == 0

    # every request went through the services: its log starts with 登记 and ends in its state
    # (issue 10: an online application's log starts with its submission instead)
    registered = RequestEvent.objects.filter(action__in=["register", "submit"]).values_list("request_id", flat=True)
    assert set(registered) == set(requests.values_list("pk", flat=True))
    for req in requests.prefetch_related("events"):
        events = list(req.events.all())
        assert events[0].action == ("submit" if req.tracking_hash else "register")
        assert events[-1].to_status == req.status, req.ref
        assert all(timezone.localtime(e.at).date() <= today for e in events)


def test_demo_includes_the_side_paths_and_late_cases():
    load(date(2026, 11, 20))
    today = date(2026, 11, 20)
    requests = DisclosureRequest.objects.all()

    assert requests.overdue(today).count() >= 5
    assert requests.filter(concluded_on__gt=F("due_on")).exists()  # replied late
    assert requests.filter(correction_rounds__gt=0, correction_received_on__isnull=False).exists()
    assert Consultation.objects.filter(kind=Consultation.Kind.THIRD_PARTY).exists()
    assert Consultation.objects.filter(kind=Consultation.Kind.AGENCY).exists()
    assert Consultation.objects.filter(replied_on__isnull=True).exists()
    assert FeeNotice.objects.filter(paid_on__isnull=False).exists()
    assert FeeNotice.objects.filter(paid_on__isnull=True).exists()
    assert requests.filter(extension_days__gt=0).exists()
    assert RequestEvent.objects.filter(action="return_for_revision").exists()
    assert requests.filter(reconsideration_filed_on__isnull=False).exists()
    assert requests.filter(litigation_filed_on__isnull=False).exists()
    # the proceedings came through their services, each leaving its event
    with_proceedings = requests.filter(reconsideration_filed_on__isnull=False).count()
    assert RequestEvent.objects.filter(action="record_reconsideration").values("request").distinct().count() \
        == with_proceedings
    assert RequestEvent.objects.filter(action="record_litigation").exists()
    # who decides what (issue 9): every reply signed by a head from 待签发, every adverse one after
    # 法制审核, some others straight to the head; nobody accepted what they registered
    replies = RequestEvent.objects.filter(action="reply").select_related("actor")
    assert replies.exists() and {e.from_status for e in replies} == {"sign_off"}
    heads = set(StaffRole.objects.filter(role="head").values_list("user_id", flat=True))
    assert {e.actor_id for e in replies} <= heads
    reviewed = set(RequestEvent.objects.filter(action="approve_legal_review").values_list("request_id", flat=True))
    adverse = [o.value for o in ADVERSE_OUTCOMES]
    replied_adverse = set(replies.filter(data__outcome__in=adverse).values_list("request_id", flat=True))
    assert replied_adverse and replied_adverse <= reviewed
    assert RequestEvent.objects.filter(action="submit_for_sign_off").exists()
    for req in requests.exclude(registered_by=None).filter(events__action="accept").distinct():
        assert req.events.get(action="accept").actor_id != req.registered_by_id, req.ref
    delayed = requests.get(delayed_until__isnull=False)  # 第三十五条
    assert delayed.due_on == delayed.delayed_until > delayed.base_due_on
    assert delayed.reasons_requested_on and delayed.status == "handling"


def test_demo_staff_hold_every_role_and_log_in_with_the_demo_password(monkeypatch):
    monkeypatch.delenv("GONGKAI_DEMO_PASSWORD", raising=False)
    output = load(date(2026, 11, 20))

    assert set(StaffRole.objects.values_list("role", flat=True)) == set(StaffRole.Role.values)
    assert set(StaffRole.objects.values_list("unit__kind", flat=True)) == {"government", "department", "township"}
    # a clerk, a reviewer and a head in every unit; the legal reviewer serves them all
    per_unit = StaffRole.objects.values("unit").annotate(n=Count("role", distinct=True))
    assert all(row["n"] >= 4 for row in per_unit)
    users = list(User.objects.all())
    assert all(u.is_staff and u.username in output for u in users)
    assert {u.password for u in users} == {users[0].password}  # one hash, checked once (PBKDF2 is slow)
    assert users[0].check_password(DEFAULT_PASSWORD)
    assert DEFAULT_PASSWORD in output


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GONGKAI_DEMO_PASSWORD", "Another-demo-pass-1")
    load(date(2026, 11, 20))
    assert User.objects.get(username="qzf_jbr").check_password("Another-demo-pass-1")


def test_second_load_changes_nothing_and_says_so():
    load(date(2026, 11, 20))
    counts = (DisclosureRequest.objects.count(), RequestEvent.objects.count(), User.objects.count())

    output = load(date(2026, 11, 20))

    assert "已载入" in output and "nothing changed" in output
    assert (DisclosureRequest.objects.count(), RequestEvent.objects.count(), User.objects.count()) == counts



def test_demo_has_online_applications_in_every_public_state():
    from disclosure import demo, services

    out = load(date(2026, 11, 20))
    assert demo.online_demo_code(1) in out
    seen = set()
    for n, (state, code, _ago) in enumerate(demo.ONLINE_DEMO, start=1):
        req = services.lookup_application(tracking_code=demo.online_demo_code(n), phone=demo.ONLINE_DEMO_PHONE.format(n))
        if state == "rejected":
            assert req is None  # a rejected submission answers as unknown
            assert DisclosureRequest.objects.filter(status=Status.REJECTED, unit__code=code).exists()
            continue
        assert req is not None and req.unit.code == code, state
        status = services.public_status(req)
        seen.add(status["status"])
        if state == "correction_pending":
            assert status["correction_pending"] is True
    assert seen == {"submitted", "registered", "awaiting_correction", "handling", "extended", "replied"}


def test_demo_runs_the_sweep_so_the_supervisor_has_escalations_to_see(client):
    from notifications.models import Alert, AlertKind, Notification

    output = load(date(2026, 11, 20))
    assert "巡查" in output
    duban = User.objects.get(username="duban")
    escalated = Alert.objects.filter(kind=AlertKind.ESCALATED, recipient=duban)
    assert escalated.exists() and Notification.objects.filter(user=duban, alert__in=escalated).exists()
    assert Alert.objects.filter(kind=AlertKind.OVERDUE).exists() and Alert.objects.filter(kind=AlertKind.REMINDER).exists()
    # and the board shows them
    client.force_login(duban)
    page = client.get("/admin/board/").content.decode()
    assert page.count('class="ws-escalation"') >= 1
