"""我的待办 and 督办 queries against the database: groups, isolation, figures, average, trend."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from disclosure import deadlines as dl
from disclosure.access import access_for
from disclosure.models import Consultation
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Outcome, Status
from notifications.models import Alert, AlertChannel, AlertKind, Notification
from tests.factories import RequestFactory
from workspace import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def cal():
    return load_work_calendar()


@pytest.fixture
def today():
    return timezone.localdate()


def make(unit, status, due_on=None, **kw):
    return RequestFactory(unit=unit, status=status, due_on=due_on, **kw)


def grouped(user, today, cal):
    groups = selectors.my_groups(access_for(user), today, cal)
    return {g.spec.code: {r.request.pk for r in g.rows} for g in groups}, {g.spec.code: g.count for g in groups}


def test_a_clerk_sees_their_own_and_unassigned_requests_by_urgency(tree, people, today, cal):
    clerk, dept = people["clerk"], tree["dept"]
    late = make(dept, Status.HANDLING, today - timedelta(days=3), handler=clerk)
    soon = make(dept, Status.HANDLING, dl.add_workdays(today, 3, cal), handler=clerk)
    later = make(dept, Status.HANDLING, dl.add_workdays(today, 12, cal), handler=clerk)
    unassigned = make(dept, Status.HANDLING, dl.add_workdays(today, 1, cal))
    colleagues = make(dept, Status.HANDLING, dl.add_workdays(today, 1, cal), handler=people["reviewer"])
    correction = make(dept, Status.AWAITING_CORRECTION, handler=clerk, correction_period_until=today + timedelta(days=2))
    correction_far = make(dept, Status.AWAITING_CORRECTION, handler=clerk,
                          correction_period_until=today + timedelta(days=40))
    consulting = make(dept, Status.CONSULTING, dl.add_workdays(today, 15, cal), handler=clerk)
    Consultation.objects.create(request=consulting, kind="agency", party="区财政局", sent_on=today - timedelta(days=20),
                                due_on=today - timedelta(days=1))
    replied = make(dept, Status.REPLIED, today - timedelta(days=3), handler=clerk)
    rows, counts = grouped(clerk, today, cal)
    assert rows["overdue"] == {late.pk}
    assert rows["due_soon"] == {soon.pk, unassigned.pk}
    assert rows["correction"] == {correction.pk}
    assert rows["consultation"] == {consulting.pk}
    assert not ({later.pk, colleagues.pk, correction_far.pk, replied.pk} & set().union(*rows.values()))
    assert counts["review"] == counts["legal"] == counts["sign_off"] == counts.get("submitted", 0) == 0


def test_review_legal_review_and_sign_off_wait_for_the_role_holders(tree, people, today, cal):
    dept = tree["dept"]
    new = make(dept, Status.REGISTERED, dl.add_workdays(today, 19, cal))
    legal = make(dept, Status.LEGAL_REVIEW, dl.add_workdays(today, 8, cal), handler=people["clerk"])
    sign = make(dept, Status.SIGN_OFF, dl.add_workdays(today, 8, cal), handler=people["clerk"])
    late_sign = make(dept, Status.SIGN_OFF, today - timedelta(days=1), handler=people["clerk"])
    late_handling = make(dept, Status.HANDLING, today - timedelta(days=2), handler=people["clerk"])
    assert grouped(people["reviewer"], today, cal)[0]["review"] == {new.pk}
    assert grouped(people["legal"], today, cal)[0]["legal"] == {legal.pk}
    head_rows, head_counts = grouped(people["head"], today, cal)
    assert head_rows["sign_off"] == {sign.pk}
    # each request in one group only, the most urgent: the late one is in 已逾期, not 待我签发
    assert head_rows["overdue"] == {late_sign.pk, late_handling.pk} and head_counts["sign_off"] == 1
    # the head sees every late request of the unit; the legal reviewer only what waits for them
    assert grouped(people["legal"], today, cal)[0]["overdue"] == set()
    # and the action offered is the step it waits for
    groups = selectors.my_groups(access_for(people["head"]), today, cal)
    sign_row = next(g for g in groups if g.spec.code == "sign_off").rows[0]
    assert sign_row.action == "reply"
    legal_row = next(g for g in selectors.my_groups(access_for(people["legal"]), today, cal) if g.spec.code == "legal")
    assert legal_row.rows[0].action == "approve_legal_review"


def test_a_clerk_sees_nothing_of_another_unit_even_as_its_handler(tree, people, today, cal):
    """Isolation: handler set on a request of a unit the clerk holds no role in (moved on)."""
    make(tree["town"], Status.HANDLING, today - timedelta(days=3), handler=people["clerk"])
    make(tree["other"], Status.REGISTERED, today - timedelta(days=3))
    rows, counts = grouped(people["clerk"], today, cal)
    assert sum(counts.values()) == 0
    totals = selectors.unit_totals(access_for(people["clerk"]), today, cal)
    assert [t.unit for t in totals] == [tree["dept"]]


def test_online_submissions_wait_for_the_registering_staff_once_the_state_exists(tree, people, today, cal):
    make(tree["dept"], Status.REGISTERED, dl.add_workdays(today, 19, cal))
    if not selectors.HAS_SUBMITTED:
        assert "submitted" not in grouped(people["clerk"], today, cal)[1]  # no such state yet: no group
        return
    online = make(tree["dept"], selectors.SUBMITTED)
    make(tree["town"], selectors.SUBMITTED)
    assert grouped(people["clerk"], today, cal)[0]["submitted"] == {online.pk}
    assert grouped(people["legal"], today, cal)[1]["submitted"] == 0


def test_board_shows_only_the_supervisors_subtree_with_its_figures(tree, people, today, cal):
    dept, town, other = tree["dept"], tree["town"], tree["other"]
    monday, sunday = selectors.week_of(today)
    make(dept, Status.HANDLING, today - timedelta(days=10))
    make(dept, Status.HANDLING, sunday)
    make(town, Status.REVIEWING, today + timedelta(days=30))
    make(other, Status.HANDLING, today - timedelta(days=10))
    jan = date(today.year, 1, 1)
    make(dept, Status.REPLIED, jan + timedelta(days=30), outcome=Outcome.GRANTED,
         concluded_on=jan + timedelta(days=35), clock_start_on=jan + timedelta(days=2))
    rows = selectors.board_rows(access_for(people["supervisor"]), today, cal)
    by_unit = {r.unit.code: r for r in rows}
    assert set(by_unit) == {"jindong", "jd-fgj", "jd-dxz"}
    d = by_unit["jd-fgj"]
    assert (d.open, d.overdue, d.late_year, d.replied_year) == (2, 1, 1, 1)
    assert d.due_week == 1  # the one due on Sunday; the overdue one fell due before Monday
    assert d.avg_used == dl.workdays_between(jan + timedelta(days=2), jan + timedelta(days=35), cal)
    assert (by_unit["jd-dxz"].open, by_unit["jd-dxz"].overdue) == (1, 0)
    # a head sees the board of their own unit only
    assert [r.unit.code for r in selectors.board_rows(access_for(people["head"]), today, cal)] == ["jd-fgj"]


def test_average_working_days_used_is_the_mean_over_replies(tree, people, cal):
    dept, today = tree["dept"], date(2026, 6, 30)
    spans = [(date(2026, 3, 2), date(2026, 3, 20)), (date(2026, 4, 1), date(2026, 4, 10)),
             (date(2025, 12, 24), date(2026, 1, 16))]
    for start, end in spans:
        make(dept, Status.ARCHIVED, end + timedelta(days=5), outcome=Outcome.GRANTED, concluded_on=end,
             clock_start_on=start)
    # a withdrawal is no reply: not in the average
    make(dept, Status.CLOSED, date(2026, 3, 20), outcome=Outcome.WITHDRAWN, concluded_on=date(2026, 3, 3),
         clock_start_on=date(2026, 3, 2))
    row = next(r for r in selectors.board_rows(access_for(people["admin"]), today, cal) if r.unit == dept)
    expected = sum(dl.workdays_between(a, b, cal) for a, b in spans) / 3
    assert row.avg_used == round(expected, 1) and row.replied_year == 3


def test_board_can_be_sorted_by_each_figure(tree, people, today, cal):
    make(tree["town"], Status.HANDLING, today - timedelta(days=5))
    make(tree["town"], Status.HANDLING, today - timedelta(days=6))
    make(tree["dept"], Status.HANDLING, today - timedelta(days=5))
    access = access_for(people["supervisor"])
    assert [r.unit.code for r in selectors.board_rows(access, today, cal, sort="overdue")][:2] == ["jd-dxz", "jd-fgj"]
    ascending = selectors.board_rows(access, today, cal, sort="overdue", descending=False)
    assert ascending[0].overdue == 0 and ascending[-1].unit.code == "jd-dxz"
    assert [r.unit.code for r in selectors.board_rows(access, today, cal, sort="name", descending=False)] == [
        "jindong", "jd-dxz", "jd-fgj"]


def test_trend_counts_received_concluded_and_the_overdue_backlog_per_day(tree, people, today):
    dept = tree["dept"]
    make(dept, Status.HANDLING, today - timedelta(days=3), received_on=today - timedelta(days=2),
         submitted_on=today - timedelta(days=2))
    make(dept, Status.REPLIED, today - timedelta(days=10), outcome=Outcome.GRANTED, concluded_on=today - timedelta(days=1),
         received_on=today - timedelta(days=2), submitted_on=today - timedelta(days=2))
    t = selectors.trend(access_for(people["supervisor"]), today)
    assert len(t.days) == 30 and t.days[-1] == today
    assert t.received[-3] == 2 and sum(t.received) == 2
    assert t.concluded[-2] == 1 and sum(t.concluded) == 1
    # day today-2: both overdue (due today-3 and today-10); today: only the open one
    assert t.overdue[-3] == 2 and t.overdue[-1] == 1


def test_escalations_show_whether_each_was_read(tree, people, today):
    req = make(tree["dept"], Status.HANDLING, today - timedelta(days=10))
    sup = people["supervisor"]
    made = []
    for channel in (AlertChannel.IN_APP, AlertChannel.EMAIL):
        made.append(Alert.objects.create(
            request=req, unit=req.unit, kind=AlertKind.ESCALATED, deadline=req.due_on, recipient=sup, channel=channel,
            key=Alert.make_key(req.pk, AlertKind.ESCALATED, 0, req.due_on, sup.pk, req.unit_id, channel),
            subject="【超期督办】", body="…", status="sent",
        ))
    Alert.objects.create(
        request=req, unit=tree["other"], kind=AlertKind.ESCALATED, deadline=req.due_on, recipient=people["other_clerk"],
        channel=AlertChannel.IN_APP, key="elsewhere", subject="x", body="x",
    )
    note = Notification.objects.create(user=sup, alert=made[0], message="…")
    rows, totals = selectors.escalations(access_for(sup), today)
    assert len(rows) == 1 and sorted(rows[0].channels) == sorted(["站内通知", "电子邮件"])
    assert rows[0].acknowledged_at is None and rows[0].still_overdue and totals == {"total": 1, "acknowledged": 0}
    note.read_at = timezone.now()
    note.save()
    rows, totals = selectors.escalations(access_for(sup), today)
    assert rows[0].acknowledged_at is not None and totals == {"total": 1, "acknowledged": 1}
