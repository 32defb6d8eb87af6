"""第三十五条 (reasons asked, a later reply date) and the later proceedings of 第五十一条 (复议, 诉讼),
through the services, the admin's action pages and the API."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from disclosure import deadlines as dl
from disclosure import services
from disclosure.models import CalendarDay, DisclosureRequest, RequestEvent
from disclosure.services import NotPermitted
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import InvalidTransition, Status, WorkflowError
from reporting import services as reporting

from ..documents.records import issued_reply
from ..steps import office_reply

pytestmark = pytest.mark.django_db

D = date.fromisoformat
TODAY = D("2026-11-26")
RECEIVED = D("2026-03-02")  # a Monday


def due(start, n=20):
    return dl.add_workdays(start, n, load_work_calendar())


def fresh(req):
    return DisclosureRequest.objects.get(pk=req.pk)


def last_event(req):
    return RequestEvent.objects.filter(request=req).order_by("id").last()


def expect_error(field, call, *args, **kwargs):
    with pytest.raises(WorkflowError) as info:
        call(*args, **kwargs)
    assert info.value.field == field, info.value.message
    return info.value


@pytest.fixture
def handling(people, tree):
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=TODAY, applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=RECEIVED, content="申请公开近十年全部会议纪要",
    )
    return services.accept(req, actor=people["reviewer"])


def ask(req, actor, **over):
    kw = dict(requested_on=D("2026-03-05"), note="本月已提交申请87件", today=TODAY)
    kw.update(over)
    return services.request_reasons(req, actor=actor, **kw)


def delay(req, actor, **over):
    kw = dict(finding="理由合理，但所涉档案需逐卷调取", delayed_until=D("2026-06-30"), notified_on=D("2026-03-20"),
              today=TODAY)
    kw.update(over)
    return services.set_delayed_reply(req, actor=actor, **kw)


@pytest.fixture
def asked(handling, people):
    return ask(handling, people["clerk"])


# --- 第三十五条: asking for reasons ---------------------------------------------------------------


def test_asking_for_reasons_is_recorded_and_keeps_the_state_and_the_deadline(handling, people):
    before = fresh(handling)
    ask(handling, people["clerk"])
    row = fresh(handling)
    assert (row.status, row.reasons_requested_on, row.reasons_request_note) == (
        Status.HANDLING, D("2026-03-05"), "本月已提交申请87件",
    )
    assert row.due_on == before.due_on == due(RECEIVED)  # the 条例 does not stop the clock for it
    assert row.version == before.version + 1
    event = last_event(handling)
    assert (event.action, event.from_status, event.to_status) == ("request_reasons", "handling", "handling")
    assert event.data == {"requested_on": "2026-03-05", "note": "本月已提交申请87件"}


def test_asking_for_reasons_guards(handling, people):
    expect_error("note", ask, handling, people["clerk"], note="  ")
    expect_error("requested_on", ask, handling, people["clerk"], requested_on=D("2026-12-01"))
    expect_error("requested_on", ask, handling, people["clerk"], requested_on=D("2026-03-01"))
    expect_error("requested_on", ask, handling, people["clerk"], requested_on="2026-03-05")
    ask(handling, people["clerk"])
    expect_error("requested_on", ask, fresh(handling), people["clerk"])
    assert RequestEvent.objects.filter(request=handling, action="request_reasons").count() == 1


@pytest.mark.parametrize("who", ["legal", "supervisor", "other_clerk", "town_clerk"])
def test_only_the_units_handlers_ask_for_reasons(handling, people, who):
    with pytest.raises(NotPermitted):
        ask(handling, people[who])
    assert fresh(handling).reasons_requested_on is None


# --- 第三十五条: the later reply date --------------------------------------------------------------


def test_delayed_reply_date_becomes_the_deadline(asked, people):
    delay(asked, people["head"])
    row = fresh(asked)
    assert (row.delayed_until, row.delay_notified_on, row.due_on, row.base_due_on) == (
        D("2026-06-30"), D("2026-03-20"), D("2026-06-30"), due(RECEIVED),
    )
    assert row.status == Status.HANDLING
    assert last_event(asked).data["delayed_until"] == "2026-06-30"
    explained = services.explain_deadline(row, TODAY)
    assert explained["delayed_until"] == explained["due_on"] == D("2026-06-30")


def test_reply_before_the_delayed_date_is_not_late(asked, people):
    delay(asked, people["head"])
    replied_on = due(RECEIVED, 30)
    office_reply(asked, people, outcome="granted", replied_on=replied_on, today=TODAY)
    assert last_event(asked).data["late"] is False


def test_a_delayed_reply_needs_the_reasons_asked_first(handling, people):
    expect_error("finding", delay, handling, people["head"])
    assert fresh(handling).delayed_until is None


@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "supervisor", "admin", "other_clerk"])
def test_only_the_head_sets_a_delayed_reply(asked, people, who):
    with pytest.raises(NotPermitted):
        delay(asked, people[who])
    assert fresh(asked).delayed_until is None


def test_delayed_reply_guards(asked, people):
    head, running = people["head"], due(RECEIVED)
    expect_error("finding", delay, asked, head, finding=" ")
    expect_error("delayed_until", delay, asked, head, delayed_until=running)  # not later: no delay needed
    expect_error("delayed_until", delay, asked, head, delayed_until=D("2036-06-30"))  # a typo of a decade
    expect_error("delayed_until", delay, asked, head, delayed_until=None)
    expect_error("notified_on", delay, asked, head, notified_on=D("2026-03-04"))  # before the reasons were asked
    expect_error("notified_on", delay, asked, head, notified_on=D("2026-12-01"))  # in the future
    late = dl.add_workdays(running, 1, load_work_calendar())
    expect_error("notified_on", delay, asked, head, notified_on=late)
    assert fresh(asked).delayed_until is None
    delay(asked, head, notified_on=running)  # the deadline day itself is still in time
    expect_error("delayed_until", delay, fresh(asked), head, delayed_until=D("2026-07-31"))  # only once
    assert fresh(asked).delayed_until == D("2026-06-30")


def test_a_delayed_reply_cannot_be_set_while_the_clock_is_stopped(asked, people):
    services.request_correction(fresh(asked), actor=people["clerk"], requested_on=D("2026-03-06"),
                                items="请写明会议名称", period_until=D("2026-03-20"), today=TODAY)
    expect_error("delayed_until", delay, fresh(asked), people["head"])


def test_calendar_edits_keep_the_delayed_date(asked, people):
    delay(asked, people["head"])
    CalendarDay.objects.update_or_create(date=D("2026-03-10"), defaults={"is_workday": False, "note": "测试"})
    services.recompute_open_deadlines()
    row = fresh(asked)
    assert row.due_on == D("2026-06-30")
    assert row.base_due_on == due(RECEIVED)


# --- 第五十一条: 行政复议 and 行政诉讼 --------------------------------------------------------------


@pytest.fixture
def replied(handling, people):
    return office_reply(handling, people, outcome="refused.process_info",
                        reply_data={"reason": "属于内部讨论记录"}, replied_on=D("2026-03-10"), today=TODAY)


def reconsider(req, actor, **over):
    kw = dict(filed_on=D("2026-04-01"), today=TODAY)
    kw.update(over)
    return services.record_reconsideration(req, actor=actor, **kw)


def sue(req, actor, **over):
    kw = dict(filed_on=D("2026-05-10"), after_reconsideration=False, today=TODAY)
    kw.update(over)
    return services.record_litigation(req, actor=actor, **kw)


def test_proceedings_only_after_the_conclusion(handling, people):
    with pytest.raises(InvalidTransition):
        reconsider(handling, people["clerk"], filed_on=D("2026-03-05"))
    with pytest.raises(InvalidTransition):
        sue(handling, people["clerk"], filed_on=D("2026-03-05"))
    assert fresh(handling).reconsideration_filed_on is None


def test_reconsideration_filed_then_decided(replied, people):
    reconsider(replied, people["legal"])
    row = fresh(replied)
    assert (row.status, row.reconsideration_filed_on, row.reconsideration_outcome) == (
        Status.REPLIED, D("2026-04-01"), "",
    )
    reconsider(row, people["legal"], outcome="corrected", decided_on=D("2026-06-01"))
    row = fresh(replied)
    assert (row.reconsideration_outcome, row.reconsideration_decided_on) == ("corrected", D("2026-06-01"))
    events = list(RequestEvent.objects.filter(request=replied, action="record_reconsideration").order_by("id"))
    assert [e.data.get("proceeding_outcome") for e in events] == ["", "corrected"]
    assert all(e.from_status == e.to_status == "replied" for e in events)


def test_proceeding_guards(replied, people):
    clerk = people["clerk"]
    expect_error("filed_on", reconsider, replied, clerk, filed_on=D("2026-03-09"))  # before the reply
    expect_error("filed_on", reconsider, replied, clerk, filed_on=D("2026-12-01"))  # in the future
    expect_error("decided_on", reconsider, replied, clerk, outcome="upheld")  # an outcome needs its date
    expect_error("outcome", reconsider, replied, clerk, decided_on=D("2026-05-01"))  # and the reverse
    expect_error("decided_on", reconsider, replied, clerk, outcome="upheld", decided_on=D("2026-03-31"))
    expect_error("outcome", reconsider, replied, clerk, outcome="won", decided_on=D("2026-05-01"))
    expect_error("after_reconsideration", sue, replied, clerk, after_reconsideration=True)  # no 复议 on record
    assert fresh(replied).version == replied.version
    assert not RequestEvent.objects.filter(request=replied, action__startswith="record_").exists()


def test_litigation_after_reconsideration_follows_its_filing(replied, people):
    reconsider(replied, people["clerk"], outcome="upheld", decided_on=D("2026-05-20"))
    expect_error("filed_on", sue, fresh(replied), people["clerk"], after_reconsideration=True,
                 filed_on=D("2026-03-20"))
    sue(fresh(replied), people["clerk"], after_reconsideration=True, filed_on=D("2026-06-01"))
    row = fresh(replied)
    assert (row.litigation_filed_on, row.litigation_after_reconsideration, row.litigation_outcome) == (
        D("2026-06-01"), True, "",
    )
    # the 复议 cannot then be moved after the lawsuit it led to
    expect_error("filed_on", reconsider, row, people["clerk"], filed_on=D("2026-06-02"))


@pytest.mark.parametrize("who", ["supervisor", "other_clerk", "town_clerk"])
def test_only_the_unit_records_its_proceedings(replied, people, who):
    with pytest.raises(NotPermitted):
        reconsider(replied, people[who])


def test_an_archived_file_still_takes_its_proceedings(replied, people):
    issued_reply(replied, people["clerk"])
    services.archive(replied, actor=people["clerk"], delivery_method="EMS", delivered_on=D("2026-03-11"), today=TODAY)
    sue(fresh(replied), people["head"], outcome="upheld", decided_on=D("2026-09-01"))
    row = fresh(replied)
    assert (row.status, row.litigation_outcome) == (Status.ARCHIVED, "upheld")


def test_recorded_proceedings_reach_table_four(replied, people, tree):
    reconsider(replied, people["clerk"], outcome="upheld", decided_on=D("2026-05-01"))
    sue(fresh(replied), people["clerk"], after_reconsideration=True, filed_on=D("2026-05-10"))
    table4 = reporting.compile_report(tree["root"], 2026)["table4"]
    assert table4["reconsideration"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert table4["litigation_after_reconsideration"]["pending"] == 1
    assert table4["litigation_direct"]["total"] == 0


# --- the admin -----------------------------------------------------------------------------------


def action_url(req, action):
    return reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, action])


def change_url(req):
    return reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])


@pytest.fixture
def replied_recently(people, tree):
    """Dates near today: the admin's forms check them against the real today."""
    today = timezone.localdate()
    received = today.replace(day=1)
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="李四",
        channel="in_person", submitted_on=received, content="申请公开某项目批复", today=today,
    )
    services.accept(req, actor=people["reviewer"])
    return office_reply(req, people, outcome="granted", replied_on=received, today=today)


def test_admin_offers_and_records_a_reconsideration(client, people, replied_recently):
    req = replied_recently
    client.force_login(people["legal"])
    page = client.get(change_url(req)).content.decode()
    assert 'id="gk-action-record_reconsideration"' in page and 'id="gk-action-record_litigation"' in page
    form = client.get(action_url(req, "record_reconsideration"))
    assert form.status_code == 200 and "申请复议日期" in form.content.decode()
    response = client.post(action_url(req, "record_reconsideration"), {
        "seen_version": req.version, "filed_on": req.concluded_on.isoformat(), "outcome": "", "decided_on": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    row = fresh(req)
    assert row.reconsideration_filed_on == req.concluded_on and row.reconsideration_outcome == ""
    page = client.get(change_url(req)).content.decode()
    assert "行政复议与行政诉讼" in page
    # the next visit shows what is on record, ready for the decision
    form = client.get(action_url(req, "record_reconsideration")).content.decode()
    assert f'value="{req.concluded_on.isoformat()}"' in form


def test_admin_refusal_shows_the_error_on_its_field_and_saves_nothing(client, people, replied_recently):
    req = replied_recently
    client.force_login(people["clerk"])
    response = client.post(action_url(req, "record_litigation"), {
        "seen_version": req.version, "filed_on": req.concluded_on.isoformat(), "after_reconsideration": "on",
        "outcome": "", "decided_on": "",
    })
    assert response.status_code == 200
    assert "after_reconsideration" in response.context["form"].errors
    assert fresh(req).litigation_filed_on is None


def test_admin_head_sets_a_delayed_reply(client, people, tree):
    today = timezone.localdate()
    received = today
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="王五",
        channel="in_person", submitted_on=received, content="申请公开近十年全部会议纪要", today=today,
    )
    services.accept(req, actor=people["reviewer"])
    client.force_login(people["clerk"])
    response = client.post(action_url(req, "request_reasons"), {
        "seen_version": fresh(req).version, "requested_on": today.isoformat(), "note": "本月已提交申请87件",
    })
    assert response.status_code == 302
    assert 'id="gk-action-set_delayed_reply"' not in client.get(change_url(req)).content.decode()
    client.force_login(people["head"])
    row = fresh(req)
    later = dl.add_workdays(row.due_on, 30, load_work_calendar())
    response = client.post(action_url(req, "set_delayed_reply"), {
        "seen_version": row.version, "finding": "理由合理，需逐卷调取档案", "delayed_until": later.isoformat(),
        "notified_on": today.isoformat(),
    })
    assert response.status_code == 302
    assert fresh(req).due_on == later
    page = client.get(change_url(req)).content.decode()
    assert 'id="gk-delayed-until"' in page and "第三十五条" in page


# --- the API -------------------------------------------------------------------------------------


def test_api_records_a_lawsuit_and_refuses_bad_input(people, replied_recently, as_user):
    req = replied_recently
    url = f"/api/v1/requests/{req.pk}/record-litigation/"
    api = as_user(people["clerk"])
    bad = api.post(url, {"filed_on": req.concluded_on.isoformat(), "outcome": "upheld"}, format="json")
    assert bad.status_code == 400 and "decided_on" in bad.content.decode()
    ok = api.post(url, {"filed_on": req.concluded_on.isoformat(), "version": fresh(req).version}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["litigation_filed_on"] == req.concluded_on.isoformat()
    assert ok.json()["litigation_after_reconsideration"] is False
    assert "record_litigation" in ok.json()["available_actions"]
    stale = api.post(url, {"filed_on": req.concluded_on.isoformat(), "version": 1}, format="json")
    assert stale.status_code == 409
    other = as_user(people["other_clerk"]).post(url, {"filed_on": req.concluded_on.isoformat()}, format="json")
    assert other.status_code == 404


def test_api_asks_for_reasons_on_an_open_request_only(people, replied_recently, as_user):
    api = as_user(people["clerk"])
    response = api.post(f"/api/v1/requests/{replied_recently.pk}/request-reasons/",
                        {"requested_on": replied_recently.concluded_on.isoformat(), "note": "频次过高"}, format="json")
    assert response.status_code == 409


def test_the_reply_form_issues_the_letter_its_number_is_the_reply_s_and_the_timeline_names_it(client, people, tree):
    today = timezone.localdate()
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="赵六",
        channel="in_person", submitted_on=today, content="申请公开某项目批复", today=today,
    )
    services.accept(req, actor=people["reviewer"])
    services.submit_for_sign_off(fresh(req), actor=people["clerk"], outcome="granted", reply_data={})
    client.force_login(people["head"])
    response = client.post(action_url(req, "reply"), {
        "seen_version": fresh(req).version, "outcome": "granted", "replied_on": today.isoformat(),
        "letter_number": "金东发改依复〔2026〕12号",  # not a field any more: the number is taken on issue
        "issue_letter": "on",
    })
    assert response.status_code == 302
    number = f"金东发改复〔{today.year}〕1号"
    assert fresh(req).reply_data == {"letter_number": number}
    page = client.get(change_url(req)).content.decode()
    assert f"文号：{number}" in page
