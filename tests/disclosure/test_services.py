"""The services: one test per transition and per guard (statute.md §1.2–1.5, §6.2–6.3, §6.7)."""

from datetime import date
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from disclosure import deadlines as dl
from disclosure import services
from disclosure.models import Consultation, DisclosureRequest, RequestEvent
from disclosure.services import NotPermitted
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import ConcurrentChange, InvalidTransition, Status, WorkflowError

from ..documents.records import issued_reply
from ..factories import register_with, staff
from ..steps import office_reply, to_sign_off

pytestmark = pytest.mark.django_db


D = date.fromisoformat
TODAY = D("2026-11-26")
RECEIVED = D("2026-03-02")  # a Monday


register = register_with(submitted_on=RECEIVED, content="申请公开金东区2025年道路改造项目的立项批复", today=TODAY)


def due(start, n=20, skip=()):
    return dl.add_workdays(start, n, load_work_calendar(), skip=skip)


def fresh(req):
    return DisclosureRequest.objects.get(pk=req.pk)


def last_event(req):
    return RequestEvent.objects.filter(request=req).order_by("id").last()


@pytest.fixture
def req(people, tree):
    return register(people["clerk"], tree["dept"])


@pytest.fixture
def handling(req, people):
    return services.accept(req, actor=people["reviewer"])  # not the clerk who registered it (岗位分离)


@pytest.fixture
def awaiting(req, people):
    return services.request_correction(
        req, actor=people["clerk"], requested_on=D("2026-03-04"), items="请写明所需文件的名称或文号",
        period_until=D("2026-03-18"), today=TODAY,
    )


def expect_error(field, call, *args, **kwargs):
    with pytest.raises(WorkflowError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    assert str(info.value.message)
    return info.value


# --- Art. 31: the receipt date by channel -------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "post_kind", "dates", "expected"),
    [
        ("in_person", "", {"submitted_on": "2026-03-02"}, "2026-03-02"),
        ("letter", "signed", {"submitted_on": "2026-03-02", "signed_for_on": "2026-03-05"}, "2026-03-05"),
        ("letter", "ordinary", {"submitted_on": "2026-03-02", "confirmed_on": "2026-03-06"}, "2026-03-06"),
        ("online", "", {"submitted_on": "2026-03-01", "confirmed_on": "2026-03-03"}, "2026-03-03"),
        ("fax", "", {"submitted_on": "2026-03-02", "confirmed_on": "2026-03-02"}, "2026-03-02"),
        ("email", "", {"submitted_on": "2026-03-02", "confirmed_on": "2026-03-04"}, "2026-03-04"),
    ],
)
def test_receipt_date_follows_the_channel(people, tree, channel, post_kind, dates, expected):
    request = register(people["clerk"], tree["dept"], channel=channel, post_kind=post_kind,
                       **{k: D(v) for k, v in dates.items()})
    assert fresh(request).received_on == D(expected)
    assert fresh(request).due_on == due(D(expected))


@pytest.mark.parametrize(
    ("channel", "post_kind", "field"),
    [("letter", "signed", "signed_for_on"), ("letter", "ordinary", "confirmed_on"), ("online", "", "confirmed_on"),
     ("fax", "", "confirmed_on"), ("email", "", "confirmed_on")],
)
def test_receipt_date_needs_the_channels_own_date(people, tree, channel, post_kind, field):
    expect_error(field, register, people["clerk"], tree["dept"], channel=channel, post_kind=post_kind)
    assert not DisclosureRequest.objects.exists()


def test_registration_needs_a_channel_and_a_submission_date(people, tree):
    expect_error("channel", register, people["clerk"], tree["dept"], channel="pigeon")
    expect_error("post_kind", register, people["clerk"], tree["dept"], channel="letter", signed_for_on=RECEIVED)
    expect_error("submitted_on", register, people["clerk"], tree["dept"], submitted_on=None)
    assert not DisclosureRequest.objects.exists()


def test_receipt_override_needs_a_reason(people, tree):
    expect_error("receipt_override_reason", register, people["clerk"], tree["dept"], received_on=D("2026-03-03"))
    assert not DisclosureRequest.objects.exists()


def test_receipt_override_with_a_reason_is_kept_and_logged(people, tree):
    request = register(people["clerk"], tree["dept"], received_on=D("2026-03-03"),
                       receipt_override_reason="周一下班后递交，次日登记")
    assert fresh(request).received_on == D("2026-03-03")
    event = last_event(request)
    assert event.data["received_on"] == "2026-03-03"
    assert event.data["derived_received_on"] == "2026-03-02"


def test_override_equal_to_the_derived_date_needs_no_reason(people, tree):
    assert register(people["clerk"], tree["dept"], received_on=RECEIVED).received_on == RECEIVED


@pytest.mark.parametrize("field", ["submitted_on", "received_on"])
def test_dates_in_the_future_are_refused(people, tree, field):
    later = D("2026-11-27")
    extra = {"received_on": later, "receipt_override_reason": "测试"} if field == "received_on" else {field: later}
    expect_error(field, register, people["clerk"], tree["dept"], **extra)


def test_receipt_cannot_precede_submission(people, tree):
    expect_error("signed_for_on", register, people["clerk"], tree["dept"], channel="letter", post_kind="signed",
                 signed_for_on=D("2026-02-27"))


# --- reference numbers --------------------------------------------------------------------------


def test_reference_numbers_run_per_unit_per_year(people, tree):
    root_clerk = staff("root_clerk", tree["root"], "clerk")
    first = register(root_clerk, tree["root"])
    second = register(root_clerk, tree["root"])
    last_year = register(root_clerk, tree["root"], submitted_on=D("2025-12-30"))
    other_unit = register(people["clerk"], tree["dept"])
    assert first.ref == "金东公开〔2026〕第0001号"
    assert second.ref == "金东公开〔2026〕第0002号"
    assert last_year.ref == "金东公开〔2025〕第0001号"
    assert other_unit.ref == "jd-fgj-2026-0001"  # no prefix configured: unit code, year, number
    assert [first.ref_seq, second.ref_seq, last_year.ref_seq] == [1, 2, 1]


def test_given_reference_is_kept(people, tree):
    assert register(people["clerk"], tree["dept"], ref=" 纸质台账-17 ").ref == "纸质台账-17"


def test_duplicate_given_reference_is_refused_with_a_field_error(people, tree):
    register(people["clerk"], tree["dept"], ref="纸质台账-17")
    expect_error("ref", register, people["clerk"], tree["dept"], ref="纸质台账-17")
    assert DisclosureRequest.objects.count() == 1
    assert RequestEvent.objects.count() == 1


def test_given_reference_in_the_units_format_is_not_handed_out_again(people, tree):
    root_clerk = staff("root_clerk", tree["root"], "clerk")
    register(root_clerk, tree["root"], ref="金东公开〔2026〕第0001号")
    register(root_clerk, tree["root"], ref="金东公开〔2026〕第0002号")
    assert register(root_clerk, tree["root"]).ref == "金东公开〔2026〕第0003号"


def test_registration_writes_one_event_and_computes_deadlines(req, people):
    events = list(RequestEvent.objects.filter(request=req))
    assert len(events) == 1
    assert (events[0].action, events[0].from_status, events[0].to_status) == ("register", "", "registered")
    assert events[0].actor == people["clerk"]
    assert req.status == Status.REGISTERED
    assert req.correction_due_on == due(RECEIVED, 7)
    assert req.due_on == req.base_due_on == due(RECEIVED)
    assert req.version == 0


# --- every transition writes exactly one event ---------------------------------------------------


def test_a_whole_lifecycle_writes_one_event_per_step(req, people):
    c, head, legal = people["clerk"], people["head"], people["legal"]
    steps = [
        ("start_review", c, lambda r: services.start_review(r, actor=c)),
        ("request_correction", c, lambda r: services.request_correction(
            r, actor=c, requested_on=D("2026-03-04"), items="写明文件名称", period_until=D("2026-03-18"), today=TODAY)),
        ("record_correction", c, lambda r: services.record_correction(r, actor=c, received_on=D("2026-03-10"),
                                                                        today=TODAY)),
        ("accept", people["reviewer"], lambda r: services.accept(r, actor=people["reviewer"])),
        ("assign", head, lambda r: services.assign_handler(r, actor=head, handler=c)),
        ("start_consultation", c, lambda r: services.start_consultation(
            r, actor=c, kind="third_party", party="某公司", sent_on=D("2026-03-12"), today=TODAY)),
        ("record_consultation_reply", c, lambda r: services.record_consultation_reply(
            r.consultations.get(), actor=c, replied_on=D("2026-03-16"), opinion="不同意", consents=False,
            today=TODAY)),
        ("approve_extension", head, lambda r: services.approve_extension(
            r, actor=head, days=10, approved_on=D("2026-03-20"), notified_on=D("2026-03-20"), reason="需调取档案",
            today=TODAY)),
        ("submit_for_legal_review", c, lambda r: services.submit_for_legal_review(
            r, actor=c, outcome="partial", reply_data={"reason": "涉及商业秘密", "withheld_parts": "报价单"})),
        ("return_for_revision", legal, lambda r: services.return_for_revision(r, actor=legal, note="理由不充分")),
        ("submit_for_legal_review", c, lambda r: services.submit_for_legal_review(
            r, actor=c, outcome="partial", reply_data={"reason": "涉及商业秘密（第三方不同意）", "withheld_parts": "报价单"})),
        ("approve_legal_review", legal, lambda r: services.approve_legal_review(r, actor=legal, note="同意")),
        ("reply", head, lambda r: services.reply(r, actor=head, replied_on=D("2026-04-10"), today=TODAY)),
        # archiving needs the issued 答复书 (documents; its issue is an event but no step of the workflow)
        ("archive", c, lambda r: (issued_reply(r, c), services.archive(
            r, actor=c, delivery_method="EMS", delivered_on=D("2026-04-13"), archive_number="2026-档-17",
            today=TODAY))),
    ]
    steps_only = RequestEvent.objects.filter(request=req).exclude(action="issue_document")
    for action, actor, step in steps:
        before = fresh(req)
        from_status, version = before.status, before.version
        count = steps_only.count()
        step(before)
        after = fresh(req)
        events = list(steps_only.order_by("id"))
        assert len(events) == count + 1, action
        event = events[-1]
        assert (event.action, event.actor, event.from_status, event.to_status) == (
            action, actor, from_status, after.status), action
        assert isinstance(event.data, dict)
        assert after.version == version + 1, action
    final = fresh(req)
    assert final.status == Status.ARCHIVED
    assert final.outcome == "partial"
    assert final.reply_data == {"reason": "涉及商业秘密（第三方不同意）", "withheld_parts": "报价单",
                                "letter_number": "金东发改复〔2026〕1号"}  # the issued 答复书's
    assert final.concluded_on == D("2026-04-10")
    assert [e.to_status for e in final.events.exclude(action="issue_document").order_by("id")] == [
        "registered", "reviewing", "awaiting_correction", "reviewing", "handling", "handling", "consulting",
        "handling", "handling", "legal_review", "handling", "legal_review", "sign_off", "replied", "archived",
    ]


def test_event_data_records_what_was_decided(awaiting):
    data = last_event(awaiting).data
    assert data == {"requested_on": "2026-03-04", "items": "请写明所需文件的名称或文号",
                    "period_until": "2026-03-18", "late": False}


# --- an invalid transition changes nothing and says why -----------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda r, p: services.archive(r, actor=p["clerk"], delivery_method="当面", delivered_on=D("2026-03-03"),
                                      today=TODAY),
        lambda r, p: services.record_correction(r, actor=p["clerk"], received_on=D("2026-03-05"), today=TODAY),
        lambda r, p: services.approve_legal_review(r, actor=p["legal"]),
        lambda r, p: services.reply(r, actor=p["head"], outcome="granted", replied_on=D("2026-03-05"), today=TODAY),
        lambda r, p: services.submit_for_sign_off(r, actor=p["clerk"], outcome="granted", reply_data={}),
        lambda r, p: services.start_consultation(r, actor=p["clerk"], kind="agency", party="市局",
                                                 sent_on=D("2026-03-03"), today=TODAY),
        lambda r, p: services.issue_fee_notice(r, actor=p["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                               notice_on=D("2026-03-03"), today=TODAY),
    ],
)
def test_invalid_transition_changes_nothing_and_says_why(req, people, call):
    row = model_to_dict(fresh(req))
    events = list(RequestEvent.objects.values_list("id", flat=True))
    with pytest.raises(InvalidTransition) as info:
        call(fresh(req), people)
    assert "已登记" in str(info.value)  # names the state that refused it
    assert model_to_dict(fresh(req)) == row
    assert list(RequestEvent.objects.values_list("id", flat=True)) == events
    assert not Consultation.objects.exists()
    assert not req.fee_notices.exists()


def test_concluded_request_cannot_be_replied_again(handling, people):
    replied = office_reply(handling, people, outcome="granted", replied_on=D("2026-03-10"), today=TODAY)
    with pytest.raises(InvalidTransition):
        services.reply(replied, actor=people["head"], outcome="granted", replied_on=D("2026-03-11"), today=TODAY)


# --- 补正 (Art. 30) ------------------------------------------------------------------------------


def test_correction_notice_needs_the_items(req, people):
    expect_error("items", services.request_correction, req, actor=people["clerk"], requested_on=D("2026-03-04"),
                 items="  ", period_until=D("2026-03-18"), today=TODAY)


def test_correction_notice_needs_a_period(req, people):
    expect_error("period_until", services.request_correction, req, actor=people["clerk"],
                 requested_on=D("2026-03-04"), items="写明文件名称", period_until=None, today=TODAY)


def test_correction_period_ends_after_the_notice(req, people):
    expect_error("period_until", services.request_correction, req, actor=people["clerk"],
                 requested_on=D("2026-03-04"), items="写明文件名称", period_until=D("2026-03-04"), today=TODAY)


def test_correction_notice_not_before_receipt(req, people):
    expect_error("requested_on", services.request_correction, req, actor=people["clerk"],
                 requested_on=D("2026-02-27"), items="写明文件名称", period_until=D("2026-03-18"), today=TODAY)


def test_waiting_for_a_correction_stops_the_clock(awaiting):
    row = fresh(awaiting)
    assert row.status == Status.AWAITING_CORRECTION
    assert (row.due_on, row.base_due_on, row.clock_start_on) == (None, None, None)
    assert row.correction_due_on == due(RECEIVED, 7)
    assert row.correction_rounds == 1


def test_late_correction_notice_is_recorded_as_late(req, people):
    late_day = due(RECEIVED, 8)
    services.request_correction(req, actor=people["clerk"], requested_on=late_day, items="写明文件名称",
                                period_until=due(late_day, 10), today=TODAY)
    assert last_event(req).data["late"] is True
    assert fresh(req).status == Status.AWAITING_CORRECTION  # recorded; the case goes on


def test_recorded_correction_restarts_the_clock(awaiting, people):
    services.record_correction(awaiting, actor=people["clerk"], received_on=D("2026-03-16"), today=TODAY)
    row = fresh(awaiting)
    assert row.status == Status.REVIEWING
    assert row.clock_start_on == D("2026-03-16")
    assert row.due_on == due(D("2026-03-16"))
    assert row.due_on > due(RECEIVED)


def test_correction_cannot_be_received_before_it_was_asked_for(awaiting, people):
    expect_error("received_on", services.record_correction, awaiting, actor=people["clerk"],
                 received_on=D("2026-03-03"), today=TODAY)


def test_second_correction_round_only_after_the_first_was_answered(awaiting, people):
    with pytest.raises(InvalidTransition):
        services.request_correction(awaiting, actor=people["clerk"], requested_on=D("2026-03-05"), items="再补",
                                    period_until=D("2026-03-19"), today=TODAY)
    assert fresh(awaiting).correction_rounds == 1
    services.record_correction(awaiting, actor=people["clerk"], received_on=D("2026-03-10"), today=TODAY)
    services.request_correction(awaiting, actor=people["clerk"], requested_on=D("2026-03-12"), items="仍不明确",
                                period_until=D("2026-03-26"), today=TODAY)
    row = fresh(awaiting)
    assert row.correction_rounds == 2
    assert row.correction_received_on is None
    assert row.due_on is None
    assert last_event(row).data["late"] is False  # within 7 working days of the corrected application


def test_second_correction_round_counts_from_the_corrected_application(awaiting, people):
    services.record_correction(awaiting, actor=people["clerk"], received_on=D("2026-03-10"), today=TODAY)
    expect_error("requested_on", services.request_correction, fresh(awaiting), actor=people["clerk"],
                 requested_on=D("2026-03-09"), items="仍不明确", period_until=D("2026-03-26"), today=TODAY)
    late_day = due(D("2026-03-10"), 8)
    services.request_correction(fresh(awaiting), actor=people["clerk"], requested_on=late_day, items="仍不明确",
                                period_until=due(late_day, 10), today=TODAY)
    assert last_event(awaiting).data["late"] is True


# --- consultations (Arts. 32–34) ------------------------------------------------------------------


def test_consultation_pauses_the_clock_once_answered(handling, people):
    consultation = services.start_consultation(handling, actor=people["clerk"], kind="third_party", party="某公司",
                                               sent_on=D("2026-03-04"), today=TODAY)
    assert consultation.due_on == due(D("2026-03-04"), 15)
    assert fresh(handling).status == Status.CONSULTING
    services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=D("2026-03-06"),
                                       consents=True, today=TODAY)
    row = fresh(handling)
    assert row.status == Status.HANDLING
    assert row.due_on == due(RECEIVED, 22)  # 5 and 6 March not counted


def test_consultation_required_fields(handling, people):
    expect_error("kind", services.start_consultation, handling, actor=people["clerk"], kind="", party="某公司",
                 sent_on=D("2026-03-04"), today=TODAY)
    expect_error("party", services.start_consultation, handling, actor=people["clerk"], kind="agency", party=" ",
                 sent_on=D("2026-03-04"), today=TODAY)
    expect_error("sent_on", services.start_consultation, handling, actor=people["clerk"], kind="agency",
                 party="市局", sent_on=D("2026-02-20"), today=TODAY)
    assert not Consultation.objects.exists()


def test_request_stays_in_consultation_until_every_answer_is_in(handling, people):
    first = services.start_consultation(handling, actor=people["clerk"], kind="third_party", party="甲公司",
                                        sent_on=D("2026-03-04"), today=TODAY)
    second = services.start_consultation(fresh(handling), actor=people["clerk"], kind="agency", party="市自然资源局",
                                         sent_on=D("2026-03-05"), today=TODAY)
    # loaded afresh, as a page would: the objects above hold an older version of the request
    services.record_consultation_reply(Consultation.objects.get(pk=first.pk), actor=people["clerk"],
                                       replied_on=D("2026-03-09"), today=TODAY)
    row = fresh(handling)
    assert row.status == Status.CONSULTING
    assert last_event(row).action == "record_consultation_reply"
    services.record_consultation_reply(Consultation.objects.get(pk=second.pk), actor=people["clerk"],
                                       replied_on=D("2026-03-10"), today=TODAY)
    row = fresh(handling)
    assert row.status == Status.HANDLING
    # union of 5–9 and 6–10 March = 5, 6, 9, 10 March (4 working days), not counted twice
    assert row.due_on == due(RECEIVED, 24)
    assert RequestEvent.objects.filter(request=row, action="record_consultation_reply").count() == 2


def test_silence_of_another_agency_counts_as_consent(handling, people):
    consultation = services.start_consultation(handling, actor=people["clerk"], kind="agency", party="市局",
                                               sent_on=D("2026-03-04"), today=TODAY)
    services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=consultation.due_on,
                                       today=TODAY)
    assert Consultation.objects.get().consents is True


def test_silence_of_a_third_party_is_not_consent(handling, people):
    consultation = services.start_consultation(handling, actor=people["clerk"], kind="third_party", party="某公司",
                                               sent_on=D("2026-03-04"), today=TODAY)
    services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=consultation.due_on,
                                       today=TODAY)
    assert Consultation.objects.get().consents is None


def test_consultation_answer_is_recorded_once(handling, people):
    consultation = services.start_consultation(handling, actor=people["clerk"], kind="agency", party="市局",
                                               sent_on=D("2026-03-04"), today=TODAY)
    services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=D("2026-03-05"), today=TODAY)
    with pytest.raises(InvalidTransition):
        services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=D("2026-03-06"),
                                           today=TODAY)
    stale = Consultation.objects.get()
    stale.replied_on = None  # someone loaded it before the answer was recorded
    with pytest.raises(ConcurrentChange):
        services.record_consultation_reply(stale, actor=people["clerk"], replied_on=D("2026-03-06"), today=TODAY)
    assert Consultation.objects.get().replied_on == D("2026-03-05")


# --- fees ---------------------------------------------------------------------------------------


def test_fee_notice_guards(handling, people):
    kw = dict(actor=people["clerk"], basis="国办函〔2020〕109号 按件计收", notice_on=D("2026-03-05"), today=TODAY)
    expect_error("amount", services.issue_fee_notice, handling, **{**kw, "amount": Decimal("0")})
    # a typed amount other than the quote's (0 元: the applicant's first request of the month) needs a reason
    expect_error("amount_reason", services.issue_fee_notice, handling, **{**kw, "amount": Decimal("100")})
    # nothing to charge by the standard: no notice without an amount
    expect_error("amount", services.issue_fee_notice, handling, **kw)
    expect_error("notice_on", services.issue_fee_notice, handling,
                 **{**kw, "amount": Decimal("100"), "notice_on": D("2026-02-27")})
    assert not handling.fee_notices.exists()


def test_fee_does_not_pause_the_clock_by_default(handling, people):
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    assert fee.due_on == due(D("2026-03-05"))
    assert fresh(handling).due_on == due(RECEIVED)
    services.record_fee_payment(fee, actor=people["clerk"], paid_on=D("2026-03-10"), receipt_number="No.1",
                                today=TODAY)
    assert fresh(handling).due_on == due(RECEIVED)


def test_fee_pauses_the_clock_when_configured(handling, people, settings):
    settings.GONGKAI_FEE_PAUSES_CLOCK = True
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    # unpaid: paused up to the end of the 20-day payment period
    assert fresh(handling).due_on == due(RECEIVED, 40)
    services.record_fee_payment(fee, actor=people["clerk"], paid_on=D("2026-03-10"), today=TODAY)
    assert fresh(handling).due_on == due(RECEIVED, 23)  # 6, 9, 10 March not counted


def test_fee_payment_is_recorded_once(handling, people):
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    expect_error("paid_on", services.record_fee_payment, fee, actor=people["clerk"], paid_on=D("2026-03-04"),
                 today=TODAY)
    services.record_fee_payment(fee, actor=people["clerk"], paid_on=D("2026-03-06"), today=TODAY)
    with pytest.raises(InvalidTransition):
        services.record_fee_payment(fee, actor=people["clerk"], paid_on=D("2026-03-07"), today=TODAY)


# --- extension (Art. 33) ------------------------------------------------------------------------


def extend(req, actor, **over):
    kw = dict(days=20, approved_on=D("2026-03-20"), notified_on=D("2026-03-20"), reason="需调取历史档案", today=TODAY)
    kw.update(over)
    return services.approve_extension(req, actor=actor, **kw)


def test_extension_adds_up_to_twenty_working_days(handling, people):
    extend(handling, people["head"], days=15)
    row = fresh(handling)
    assert row.base_due_on == due(RECEIVED)
    assert row.due_on == due(due(RECEIVED), 15)
    assert (row.extension_days, row.extension_approved_by) == (15, people["head"])


@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "supervisor", "other_clerk", "admin"])
def test_only_the_head_approves_an_extension(handling, people, who):
    with pytest.raises(NotPermitted):
        extend(handling, people[who])
    assert fresh(handling).extension_days == 0


@pytest.mark.parametrize("days", [0, 21, -1, "10"])
def test_extension_is_one_to_twenty_days(handling, people, days):
    expect_error("days", extend, handling, people["head"], days=days)


def test_only_one_extension(handling, people):
    extend(handling, people["head"], days=5)
    expect_error("days", extend, fresh(handling), people["head"], days=5)
    assert fresh(handling).extension_days == 5


@pytest.mark.parametrize("field", ["approved_on", "notified_on"])
def test_extension_must_come_before_the_running_deadline(handling, people, field):
    after = due(RECEIVED, 21)
    expect_error(field, extend, handling, people["head"], **{field: after})
    on_the_day = due(RECEIVED)
    # the deadline day itself is still in time
    extend(handling, people["head"], approved_on=on_the_day, notified_on=on_the_day)


def test_applicant_is_told_after_approval_not_before(handling, people):
    expect_error("notified_on", extend, handling, people["head"], approved_on=D("2026-03-20"),
                 notified_on=D("2026-03-19"))


def test_extension_needs_a_reason(handling, people):
    expect_error("reason", extend, handling, people["head"], reason=" ")


def test_no_extension_while_the_clock_is_stopped(awaiting, people):
    expect_error("days", extend, awaiting, people["head"])


# --- legal review and reply (Arts. 36–37) -------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "data", "field"),
    [
        ("", {}, "outcome"),
        ("nonsense", {}, "outcome"),
        ("refused.state_secret", {}, "reason"),
        ("partial", {"reason": "涉及个人隐私"}, "withheld_parts"),
        ("not_this_agency", {}, "competent_body"),
        ("not_processed.duplicate", {}, "earlier_request"),
        ("already_public", {}, "access_route"),
        ("withdrawn", {}, "outcome"),  # closing outcomes go through conclude()
    ],
)
def test_reply_needs_an_outcome_and_what_it_requires(handling, people, outcome, data, field):
    expect_error(field, services.submit_for_sign_off, handling, actor=people["clerk"], outcome=outcome,
                 reply_data=data)
    expect_error(field, services.submit_for_legal_review, handling, actor=people["clerk"], outcome=outcome,
                 reply_data=data)
    assert fresh(handling).status == Status.HANDLING


def test_reply_records_outcome_and_conclusion(handling, people):
    office_reply(handling, people, outcome="not_this_agency", replied_on=D("2026-03-10"),
                 reply_data={"competent_body": "金华市自然资源和规划局"}, today=TODAY)
    row = fresh(handling)
    assert (row.status, row.outcome, row.concluded_on) == (Status.REPLIED, "not_this_agency", D("2026-03-10"))
    assert last_event(row).data["late"] is False


def test_late_reply_is_recorded_as_late(handling, people):
    late = due(RECEIVED, 21)
    office_reply(handling, people, outcome="granted", replied_on=late, today=TODAY)
    assert last_event(handling).data["late"] is True


def test_reply_date_not_in_future_nor_before_receipt(handling, people):
    signing = to_sign_off(handling, drafter=people["clerk"], outcome="granted")
    expect_error("replied_on", services.reply, signing, actor=people["head"], replied_on=D("2026-11-27"), today=TODAY)
    expect_error("replied_on", services.reply, signing, actor=people["head"], replied_on=D("2026-02-27"), today=TODAY)


def test_unclear_after_correction_needs_a_correction(handling, people):
    signing = to_sign_off(handling, drafter=people["clerk"], legal=people["legal"],
                          outcome="unavailable.unclear_after_correction")
    expect_error("outcome", services.reply, signing, actor=people["head"], replied_on=D("2026-03-10"), today=TODAY)


def test_ledger_alias_outcome_is_normalised(handling, people):
    office_reply(handling, people, outcome="other.other", replied_on=D("2026-03-10"), today=TODAY)
    assert fresh(handling).outcome == "other"


def test_legal_review_is_for_the_legal_reviewer(handling, people):
    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="granted", reply_data={})
    with pytest.raises(NotPermitted):
        services.approve_legal_review(fresh(handling), actor=people["head"])
    services.approve_legal_review(fresh(handling), actor=people["legal"])
    assert fresh(handling).status == Status.SIGN_OFF


def test_return_for_revision_needs_a_note(handling, people):
    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="granted", reply_data={})
    expect_error("note", services.return_for_revision, fresh(handling), actor=people["legal"], note="")


def test_sign_off_cannot_change_the_reviewed_outcome(handling, people):
    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="granted", reply_data={})
    services.approve_legal_review(fresh(handling), actor=people["legal"])
    expect_error("outcome", services.reply, fresh(handling), actor=people["head"], outcome="refused.state_secret",
                 reply_data={"reason": "属于国家秘密"}, replied_on=D("2026-03-12"), today=TODAY)
    assert fresh(handling).status == Status.SIGN_OFF
    services.reply(fresh(handling), actor=people["head"], outcome="granted", replied_on=D("2026-03-12"), today=TODAY)
    assert fresh(handling).outcome == "granted"


def test_sign_off_reply_uses_the_reviewed_outcome(handling, people):
    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="already_public",
                                     reply_data={"access_route": "区政府网站/政府信息公开/规划"})
    services.approve_legal_review(fresh(handling), actor=people["legal"])
    services.reply(fresh(handling), actor=people["head"], replied_on=D("2026-03-12"), today=TODAY)
    row = fresh(handling)
    assert row.outcome == "already_public"
    assert row.reply_data == {"access_route": "区政府网站/政府信息公开/规划"}


# --- conclusion without a reply -----------------------------------------------------------------


def test_abandoned_no_correction_only_after_the_period_lapsed(awaiting, people):
    expect_error("concluded_on", services.conclude, awaiting, actor=people["clerk"],
                 outcome="abandoned_no_correction", concluded_on=D("2026-03-18"), today=TODAY)
    services.conclude(awaiting, actor=people["clerk"], outcome="abandoned_no_correction",
                      concluded_on=D("2026-03-19"), reason="逾期未补正", today=TODAY)
    row = fresh(awaiting)
    assert (row.status, row.outcome, row.concluded_on) == (Status.CLOSED, "abandoned_no_correction", D("2026-03-19"))


def test_abandoned_no_correction_needs_a_pending_correction(handling, people):
    expect_error("outcome", services.conclude, handling, actor=people["clerk"], outcome="abandoned_no_correction",
                 concluded_on=D("2026-05-01"), today=TODAY)


def test_abandoned_fee_unpaid_only_with_a_lapsed_unpaid_notice(handling, people):
    expect_error("outcome", services.conclude, handling, actor=people["clerk"], outcome="abandoned_fee_unpaid",
                 concluded_on=D("2026-05-06"), today=TODAY)
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    expect_error("outcome", services.conclude, fresh(handling), actor=people["clerk"],
                 outcome="abandoned_fee_unpaid", concluded_on=fee.due_on, today=TODAY)
    services.conclude(fresh(handling), actor=people["clerk"], outcome="abandoned_fee_unpaid",
                      concluded_on=due(fee.due_on, 1), today=TODAY)
    assert fresh(handling).status == Status.CLOSED


def test_paid_fee_cannot_be_abandoned(handling, people):
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount=Decimal("100"), amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    services.record_fee_payment(fee, actor=people["clerk"], paid_on=D("2026-03-06"), today=TODAY)
    expect_error("outcome", services.conclude, fresh(handling), actor=people["clerk"],
                 outcome="abandoned_fee_unpaid", concluded_on=D("2026-06-01"), today=TODAY)


def test_withdrawal_concludes_an_open_request(req, people):
    services.conclude(req, actor=people["clerk"], outcome="withdrawn", concluded_on=D("2026-03-03"),
                      reason="申请人书面撤回", today=TODAY)
    assert fresh(req).status == Status.CLOSED


def test_conclude_refuses_substantive_outcomes(req, people):
    expect_error("outcome", services.conclude, req, actor=people["clerk"], outcome="granted",
                 concluded_on=D("2026-03-03"), today=TODAY)


# --- archive ------------------------------------------------------------------------------------


@pytest.fixture
def replied(handling, people):
    return office_reply(handling, people, outcome="granted", replied_on=D("2026-03-10"), today=TODAY)


def test_archive_needs_the_delivery_record(replied, people):
    expect_error("delivery_method", services.archive, replied, actor=people["clerk"], delivery_method=" ",
                 delivered_on=D("2026-03-11"), today=TODAY)
    expect_error("delivered_on", services.archive, replied, actor=people["clerk"], delivery_method="EMS",
                 delivered_on=None, today=TODAY)
    expect_error("delivered_on", services.archive, replied, actor=people["clerk"], delivery_method="EMS",
                 delivered_on=D("2026-03-09"), today=TODAY)
    expect_error("archived_on", services.archive, replied, actor=people["clerk"], delivery_method="EMS",
                 delivered_on=D("2026-03-11"), archived_on=D("2026-03-10"), today=TODAY)
    expect_error("archived_on", services.archive, replied, actor=people["clerk"], delivery_method="EMS",
                 delivered_on=D("2026-03-11"), archived_on=D("2026-11-27"), today=TODAY)
    assert fresh(replied).status == Status.REPLIED


def test_archive_records_delivery(replied, people):
    issued_reply(replied, people["clerk"])
    services.archive(replied, actor=people["clerk"], delivery_method="EMS", delivered_on=D("2026-03-11"),
                     today=TODAY)
    row = fresh(replied)
    assert (row.status, row.delivery_method, row.delivered_on, row.archived_on) == (
        Status.ARCHIVED, "EMS", D("2026-03-11"), TODAY)


# --- events are append-only ---------------------------------------------------------------------


def test_events_cannot_be_changed_or_deleted(req):
    event = last_event(req)
    event.data = {"forged": True}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        RequestEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(TypeError):
        RequestEvent.objects.filter(pk=event.pk).delete()
    assert last_event(req).data["ref"] == req.ref


# --- permissions --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_clerk", "town_clerk", "supervisor"])
def test_staff_of_another_unit_cannot_act(req, people, who):
    actor = people[who]
    with pytest.raises(NotPermitted):
        services.start_review(req, actor=actor)
    with pytest.raises(NotPermitted):
        services.accept(req, actor=actor)
    with pytest.raises(NotPermitted):
        services.conclude(req, actor=actor, outcome="withdrawn", concluded_on=D("2026-03-03"), today=TODAY)
    with pytest.raises(NotPermitted):
        services.update_registration(req, actor=actor, applicant_name="李四")
    assert RequestEvent.objects.filter(request=req).count() == 1
    assert fresh(req).status == Status.REGISTERED


@pytest.mark.parametrize("who", ["other_clerk", "supervisor", "legal"])
def test_registration_needs_a_registering_role_in_that_unit(people, tree, who):
    with pytest.raises(NotPermitted):
        register(people[who], tree["dept"])
    assert not DisclosureRequest.objects.exists()


def test_anonymous_actor_is_refused(req):
    with pytest.raises(NotPermitted):
        services.start_review(req, actor=None)


def test_admin_may_act_anywhere(req, people):
    services.start_review(req, actor=people["admin"])
    assert fresh(req).status == Status.REVIEWING


# --- edits and explanation -----------------------------------------------------------------------


def test_update_registration_edits_only_editable_fields(req, people):
    expect_error(None, services.update_registration, req, actor=people["clerk"], received_on=D("2026-03-05"))
    services.update_registration(req, actor=people["clerk"], applicant_name="李四", content="改为申请2024年批复")
    row = fresh(req)
    assert (row.applicant_name, row.status) == ("李四", Status.REGISTERED)
    assert last_event(row).data == {"fields": ["applicant_name", "content"]}


def test_explain_deadline_shows_how_it_was_computed(handling, people):
    consultation = services.start_consultation(handling, actor=people["clerk"], kind="agency", party="市局",
                                               sent_on=D("2026-03-04"), today=TODAY)
    services.record_consultation_reply(consultation, actor=people["clerk"], replied_on=D("2026-03-05"), today=TODAY)
    row = fresh(handling)
    info = services.explain_deadline(row, D("2026-03-09"))
    assert info["clock_start_on"] == RECEIVED
    assert info["paused_days"] == [D("2026-03-05")]
    assert info["due_on"] == row.due_on == due(RECEIVED, 21)
    assert info["workdays_used"] == 4  # 3, 4, 6, 9 March
    assert info["workdays_left"] == 16  # 20 counted days less the 4 used
    assert info["is_provisional"] is False


# --- careless input is a field error, never a crash ---------------------------------------------


@pytest.mark.parametrize("bad", [None, "2026-03-05", 20260305])
def test_dates_that_are_not_dates_are_field_errors(handling, people, bad):
    c = people["clerk"]
    expect_error("requested_on", services.request_correction, handling, actor=c, requested_on=bad, items="写明",
                 period_until=D("2026-03-20"), today=TODAY)
    expect_error("sent_on", services.start_consultation, handling, actor=c, kind="agency", party="市局", sent_on=bad,
                 today=TODAY)
    expect_error("notice_on", services.issue_fee_notice, handling, actor=c, amount=Decimal("10"), basis="109号",
                 notice_on=bad, today=TODAY)
    expect_error("replied_on", services.reply, handling, actor=c, outcome="granted", replied_on=bad, today=TODAY)
    expect_error("concluded_on", services.conclude, handling, actor=c, outcome="withdrawn", concluded_on=bad,
                 today=TODAY)
    if bad is not None:
        expect_error("period_until", services.request_correction, handling, actor=c, requested_on=D("2026-03-05"),
                     items="写明", period_until=bad, today=TODAY)
        expect_error("confirmed_on", register, c, handling.unit, channel="online", confirmed_on=bad)
    assert fresh(handling).status == Status.HANDLING


def test_a_datetime_is_not_a_date(handling, people):
    from datetime import UTC, datetime

    expect_error("replied_on", services.reply, handling, actor=people["clerk"], outcome="granted",
                 replied_on=datetime(2026, 3, 10, 9, 30, tzinfo=UTC), today=TODAY)


@pytest.mark.parametrize("amount", ["abc", "", None, "-5", "NaN", "Infinity", "0.001", "100000000"])
def test_fee_amount_must_be_a_positive_sum_in_yuan(handling, people, amount):
    expect_error("amount", services.issue_fee_notice, handling, actor=people["clerk"], amount=amount, basis="109号",
                 notice_on=D("2026-03-05"), today=TODAY)
    assert not handling.fee_notices.exists()


def test_fee_amount_given_as_text_is_accepted(handling, people):
    fee = services.issue_fee_notice(handling, actor=people["clerk"], amount="450.50", amount_reason="按实际情况确定", basis="109号",
                                    notice_on=D("2026-03-05"), today=TODAY)
    assert fee.amount == Decimal("450.50")


@pytest.mark.parametrize("who", ["other_clerk", "supervisor"])
def test_handler_must_work_in_the_unit(handling, people, who):
    expect_error("handler", services.assign_handler, handling, actor=people["head"], handler=people[who])
    services.assign_handler(handling, actor=people["head"], handler=people["reviewer"])
    assert fresh(handling).handler == people["reviewer"]
    services.assign_handler(fresh(handling), actor=people["head"], handler=None)
    assert fresh(handling).handler is None


def test_consultation_answer_after_withdrawal_is_refused(handling, people):
    first = services.start_consultation(handling, actor=people["clerk"], kind="agency", party="甲局",
                                        sent_on=D("2026-03-04"), today=TODAY)
    services.start_consultation(fresh(handling), actor=people["clerk"], kind="agency", party="乙局",
                                sent_on=D("2026-03-04"), today=TODAY)
    services.conclude(fresh(handling), actor=people["clerk"], outcome="withdrawn", concluded_on=D("2026-03-05"),
                      today=TODAY)
    row = model_to_dict(fresh(handling))
    with pytest.raises(InvalidTransition):
        services.record_consultation_reply(Consultation.objects.get(pk=first.pk), actor=people["clerk"],
                                           replied_on=D("2026-03-06"), today=TODAY)
    assert model_to_dict(fresh(handling)) == row
    assert Consultation.objects.get(pk=first.pk).replied_on is None
    assert last_event(handling).action == "conclude"


# --- attachments: a file in the case record leaves an event, like every other change -----------

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def attach(req, actor, name="答复书.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return services.add_attachment(
        req, actor=actor, file=SimpleUploadedFile("x.pdf", PDF_BYTES), name=name, description=" 送达回证 ",
        content_type="application/pdf", extension=".pdf",
    )


def test_adding_an_attachment_writes_an_attach_event_without_moving_the_request(req, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    version = req.version
    attachment = attach(req, people["clerk"])
    event = last_event(req)
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        "attach", people["clerk"], Status.REGISTERED, Status.REGISTERED,
    )
    assert event.data == {"attachment": attachment.pk, "name": "答复书.pdf", "size": len(PDF_BYTES),
                          "uploaded_by": people["clerk"].pk}
    assert attachment.description == "送达回证" and attachment.file.read() == PDF_BYTES
    assert not attachment.file.name.endswith("答复书.pdf")  # stored under a random name
    assert fresh(req).version == version


@pytest.mark.parametrize("who", ["supervisor", "town_clerk", "other_clerk"])
def test_only_staff_acting_in_the_unit_may_add_an_attachment(req, people, who, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(NotPermitted):
        attach(req, people[who])
    assert not req.attachments.exists()
    assert last_event(req).action == "register"


def test_removing_an_attachment_is_for_admins_and_leaves_a_detach_event(
    req, people, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    attachment = attach(req, people["clerk"])
    with pytest.raises(NotPermitted):
        services.remove_attachment(attachment, actor=people["head"])
    assert req.attachments.count() == 1
    stored = tmp_path / attachment.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(attachment, actor=people["admin"])
    assert not req.attachments.exists() and not stored.exists()
    event = last_event(req)
    assert (event.action, event.actor, event.data["name"]) == ("detach", people["admin"], "答复书.pdf")
