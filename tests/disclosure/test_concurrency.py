"""Two people acting on the same request at the same moment: one wins, the other is told it changed.

On SQLite (no row locks) the race is simulated by two objects loaded at the same version; on
PostgreSQL two threads with their own connections really collide.
"""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.forms.models import model_to_dict

from disclosure import services
from disclosure.models import DisclosureRequest, FeeNotice, RequestEvent
from disclosure.workflow import ConcurrentChange, Status

from ..factories import register_with

D = date.fromisoformat
TODAY = D("2026-11-26")


register = register_with(applicant_name="王五", submitted_on=D("2026-03-02"), content="申请公开某街道2025年财政预算执行情况",
                         today=TODAY)


def load(req):
    return DisclosureRequest.objects.get(pk=req.pk)


# Pairs of actions that are both valid from "handling", taken by two people on the same version.
RACES = {
    # since issue 9 a reply is drafted and submitted from 办理中 (the head signs it from 待签发)
    "submission-vs-submission": (
        lambda r, p: services.submit_for_sign_off(r, actor=p["clerk"], outcome="granted", reply_data={}),
        lambda r, p: services.submit_for_legal_review(r, actor=p["head"], outcome="unavailable.not_held",
                                                      reply_data={}),
    ),
    "submission-vs-withdrawal": (
        lambda r, p: services.submit_for_sign_off(r, actor=p["clerk"], outcome="granted", reply_data={}),
        lambda r, p: services.conclude(r, actor=p["head"], outcome="withdrawn", concluded_on=D("2026-03-10"),
                                       today=TODAY),
    ),
    "extension-vs-correction": (
        lambda r, p: services.approve_extension(r, actor=p["head"], days=10, approved_on=D("2026-03-10"),
                                                notified_on=D("2026-03-10"), reason="需调档", today=TODAY),
        lambda r, p: services.request_correction(r, actor=p["clerk"], requested_on=D("2026-03-05"), items="写明年份",
                                                 period_until=D("2026-03-19"), today=TODAY),
    ),
    "assign-vs-legal-review": (
        lambda r, p: services.assign_handler(r, actor=p["head"], handler=p["clerk"]),
        lambda r, p: services.submit_for_legal_review(r, actor=p["clerk"], outcome="granted", reply_data={}),
    ),
    "edit-vs-consultation": (
        lambda r, p: services.update_registration(r, actor=p["clerk"], applicant_name="王五（代理）"),
        lambda r, p: services.start_consultation(r, actor=p["head"], kind="agency", party="区财政局",
                                                 sent_on=D("2026-03-05"), today=TODAY),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("race", sorted(RACES))
def test_stale_second_actor_gets_concurrent_change_and_writes_nothing(people, tree, race):
    first, second = RACES[race]
    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    mine, theirs = load(req), load(req)  # both pages loaded at the same version
    first(mine, people)
    after_first = model_to_dict(load(req))
    events = RequestEvent.objects.filter(request=req).count()
    snapshot = model_to_dict(theirs)
    with pytest.raises(ConcurrentChange) as info:
        second(theirs, people)
    assert "已被他人修改" in str(info.value)
    assert model_to_dict(load(req)) == after_first
    assert RequestEvent.objects.filter(request=req).count() == events
    assert model_to_dict(theirs) == snapshot  # the loser's object is left as it was loaded
    if race == "edit-vs-consultation":
        assert not req.consultations.exists()  # the consultation record was rolled back with it


@pytest.mark.django_db
def test_expected_version_from_the_form_is_checked(people, tree):
    req = register(people["clerk"], tree["dept"])
    services.start_review(load(req), actor=people["clerk"])
    # a form rendered at version 0, submitted after someone else moved the request
    with pytest.raises(ConcurrentChange):
        services.update_registration(load(req), actor=people["clerk"], expected_version=0, applicant_name="赵六")
    assert load(req).applicant_name == "王五"


@pytest.mark.django_db
def test_two_people_recording_the_same_payment(people, tree):
    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    fee = services.issue_fee_notice(req, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    mine, theirs = FeeNotice.objects.get(pk=fee.pk), FeeNotice.objects.get(pk=fee.pk)
    services.record_fee_payment(mine, actor=people["clerk"], paid_on=D("2026-03-06"), receipt_number="A1",
                                today=TODAY)
    with pytest.raises(ConcurrentChange):
        services.record_fee_payment(theirs, actor=people["head"], paid_on=D("2026-03-07"), receipt_number="B2",
                                    today=TODAY)
    assert FeeNotice.objects.get(pk=fee.pk).receipt_number == "A1"
    assert theirs.paid_on is None
    assert RequestEvent.objects.filter(request=req, action="record_fee_payment").count() == 1


# --- PostgreSQL: real threads, real connections ------------------------------------------------

@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


def in_threads(*calls, timeout=30):
    """Run the calls in threads released together; returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout)
            results[index] = call()
        except Exception as exc:  # collected and asserted by the caller
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a thread hung"
    return results


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.parametrize("race", sorted(RACES))
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_threads_one_wins_one_is_told(people, tree, race):
    first, second = RACES[race]
    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    mine, theirs = load(req), load(req)
    results = in_threads(lambda: first(mine, people), lambda: second(theirs, people))
    failures = [r for r in results if isinstance(r, Exception)]
    assert len(failures) == 1, results
    assert isinstance(failures[0], ConcurrentChange), failures[0]
    assert RequestEvent.objects.filter(request=req).count() == 3  # register, accept, the winner
    assert load(req).version == 2


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_loser_waits_for_the_winners_commit_then_is_told(people, tree):
    req = register(people["clerk"], tree["dept"])
    mine, theirs = load(req), load(req)
    outcome = {}

    def other_person():
        try:
            services.accept(theirs, actor=people["reviewer"])
            outcome["result"] = "won"
        except Exception as exc:
            outcome["result"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():
        services.start_review(mine, actor=people["clerk"])  # holds the row until commit
        thread = threading.Thread(target=other_person)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive(), "the second update should wait for the first transaction"
    thread.join(30)
    assert isinstance(outcome["result"], ConcurrentChange), outcome
    row = load(req)
    assert (row.status, row.version) == (Status.REVIEWING, 1)
    assert list(RequestEvent.objects.filter(request=req).values_list("action", flat=True)) == [
        "register", "start_review"]


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_concurrent_registrations_get_distinct_numbers(people, tree):
    clerks = [people["clerk"], people["reviewer"], people["head"], people["clerk"]]
    results = in_threads(*[lambda actor=actor: register(actor, tree["dept"]) for actor in clerks])
    assert not [r for r in results if isinstance(r, Exception)], results
    refs = sorted(DisclosureRequest.objects.values_list("ref_seq", flat=True))
    assert refs == [1, 2, 3, 4]
    assert DisclosureRequest.objects.values("ref").distinct().count() == 4
    assert RequestEvent.objects.filter(action="register").count() == 4


@pytest.mark.django_db
def test_recompute_after_a_calendar_edit_does_not_undo_a_transition_made_meanwhile(people, tree, monkeypatch):
    req = register(people["clerk"], tree["dept"])
    DisclosureRequest.objects.filter(pk=req.pk).update(due_on=D("2026-01-01"))  # stale: recompute wants to fix it
    original, raced = services.case_dates, []

    def case_dates_with_a_race(row, *args, **kwargs):
        if row.pk == req.pk and not raced:
            raced.append(True)  # meanwhile a clerk asks for a correction: the clock stops
            services.request_correction(load(req), actor=people["clerk"], requested_on=D("2026-03-04"),
                                        items="写明文件名称", period_until=D("2026-03-18"), today=TODAY)
        return original(row, *args, **kwargs)

    monkeypatch.setattr(services.write, "case_dates", case_dates_with_a_race)  # what apply_change calls
    assert services.recompute_open_deadlines() == 0
    row = load(req)
    assert (row.status, row.due_on) == (Status.AWAITING_CORRECTION, None)
