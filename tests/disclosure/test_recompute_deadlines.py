"""A calendar edit moves deadlines through the one writer (services.recompute_open_deadlines): one
bulk compare-and-set per batch and one RECOMPUTE_DEADLINE event per request whose deadline changed."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from disclosure import services
from disclosure.models import CalendarDay, DisclosureRequest, RequestEvent
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Action, Status

D = date.fromisoformat
TODAY = D("2026-11-26")

pytestmark = pytest.mark.django_db


SUBMITTED_ON = D("2026-03-02")


def register(people, tree, submitted_on=SUBMITTED_ON):
    return services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=TODAY, applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=submitted_on, content="申请公开某文件",
    )


def recomputed():
    return RequestEvent.objects.filter(action=Action.RECOMPUTE_DEADLINE)


def test_only_a_request_whose_deadline_changed_gets_an_event(people, tree):
    stale, fine = register(people, tree), register(people, tree)
    right = stale.due_on
    DisclosureRequest.objects.filter(pk=stale.pk).update(due_on=D("2026-01-01"))
    now = datetime(2026, 11, 26, 9, 30, tzinfo=timezone.get_current_timezone())

    assert services.recompute_open_deadlines(now=now) == 1

    event = recomputed().get()
    assert event.request_id == stale.pk and event.actor is None and event.at == now
    assert event.from_status == event.to_status == Status.REGISTERED
    assert event.data == {"due_on": right.isoformat(), "previous_due_on": "2026-01-01", "fields": ["due_on"]}
    row = DisclosureRequest.objects.get(pk=stale.pk)
    assert row.due_on == right and row.version == stale.version  # nobody's open form goes stale
    assert not recomputed().filter(request=fine).exists()


def test_a_second_run_changes_nothing_and_writes_no_event(people, tree):
    req = register(people, tree)
    day = next(req.received_on + timedelta(days=n) for n in range(1, 20)
               if (req.received_on + timedelta(days=n)).weekday() < 5
               and not CalendarDay.objects.filter(date=req.received_on + timedelta(days=n)).exists())
    CalendarDay.objects.create(date=day, is_workday=False, note="临时放假")  # a working day off

    assert services.recompute_open_deadlines() == 1
    assert services.recompute_open_deadlines() == 0
    assert recomputed().count() == 1
    assert DisclosureRequest.objects.get(pk=req.pk).due_on > req.due_on


def test_a_request_moved_meanwhile_keeps_its_transition_and_gets_no_event(people, tree, monkeypatch):
    req = register(people, tree)
    DisclosureRequest.objects.filter(pk=req.pk).update(due_on=D("2026-01-01"))
    original, raced = services.write.case_dates, []

    def race(row, *args, **kwargs):
        if row.pk == req.pk and not raced:
            raced.append(True)
            services.request_correction(DisclosureRequest.objects.get(pk=req.pk), actor=people["clerk"],
                                        requested_on=D("2026-03-04"), items="写明文件名称",
                                        period_until=D("2026-03-18"), today=TODAY)
        return original(row, *args, **kwargs)

    monkeypatch.setattr(services.write, "case_dates", race)
    assert services.recompute_open_deadlines() == 0
    assert not recomputed().exists()
    assert DisclosureRequest.objects.get(pk=req.pk).status == Status.AWAITING_CORRECTION


@pytest.mark.parametrize("how_many", [3, 12])
def test_the_queries_do_not_grow_with_the_requests_changed(people, tree, how_many, django_assert_max_num_queries):
    for _ in range(how_many):
        register(people, tree)
    DisclosureRequest.objects.update(due_on=D("2026-01-01"))
    calendar = load_work_calendar()

    # the batch (requests, consultations, fee notices), the lock, one UPDATE, one INSERT, the
    # savepoints around the write, and the empty next batch: the same for 3 requests as for 12
    with django_assert_max_num_queries(11):
        assert services.recompute_open_deadlines(calendar) == how_many
    assert recomputed().count() == how_many
