"""Who decides what (issue 9): 签发 is the head's; 法制审核 before every adverse reply (and per unit
before all); 岗位分离 between registering and accepting, drafting and approving; the people a
request waits for are told, and find it in their awaiting_* lists."""

from datetime import date

import pytest

from disclosure import services
from disclosure.models import CONTENT_MAX_LENGTH, DisclosureRequest
from disclosure.services import NotPermitted
from disclosure.workflow import InvalidTransition, Status, WorkflowError
from notifications.models import Alert, AlertKind

from ..factories import register_with, staff
from ..steps import office_reply, to_sign_off

pytestmark = pytest.mark.django_db

D = date.fromisoformat
TODAY = D("2026-11-26")


register = register_with(submitted_on=D("2026-03-02"), content="申请公开金东区2025年道路改造项目的立项批复", today=TODAY)


def fresh(req):
    return DisclosureRequest.objects.get(pk=req.pk)


@pytest.fixture
def handling(people, tree):
    return services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])


# --- 签发 ---------------------------------------------------------------------------------------


def test_a_clerk_cannot_reply_from_handling_any_more(handling, people):
    with pytest.raises((InvalidTransition, NotPermitted)):
        services.reply(handling, actor=people["clerk"], outcome="granted", replied_on=D("2026-03-10"), today=TODAY)
    with pytest.raises(InvalidTransition):  # not even the head: a reply is signed after it was submitted
        services.reply(handling, actor=people["head"], outcome="granted", replied_on=D("2026-03-10"), today=TODAY)
    assert fresh(handling).status == Status.HANDLING


@pytest.mark.parametrize("who", ["clerk", "reviewer", "legal", "admin", "supervisor"])
def test_only_the_head_signs(handling, people, who):
    signing = to_sign_off(handling, drafter=people["clerk"], outcome="granted")
    with pytest.raises(NotPermitted) as info:
        services.reply(signing, actor=people[who], replied_on=D("2026-03-10"), today=TODAY)
    if who == "admin":
        assert "负责人签发" in str(info.value)  # role-only: the statute names who decides
    services.reply(fresh(signing), actor=people["head"], replied_on=D("2026-03-10"), today=TODAY)
    assert fresh(signing).status == Status.REPLIED


# --- 法制审核 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("outcome", "data"), [
    ("refused.state_secret", {"reason": "属于国家秘密"}),
    ("partial", {"reason": "涉及个人隐私", "withheld_parts": "身份证号码"}),
    ("unavailable.not_held", {}),
    ("not_processed.petition", {}),
    ("not_this_agency", {"competent_body": "金华市自然资源和规划局"}),
])
def test_an_adverse_reply_cannot_skip_legal_review(handling, people, outcome, data):
    with pytest.raises(WorkflowError) as info:
        services.submit_for_sign_off(handling, actor=people["clerk"], outcome=outcome, reply_data=data)
    assert info.value.field == "outcome" and "法制审核" in str(info.value)
    assert fresh(handling).status == Status.HANDLING
    services.submit_for_legal_review(fresh(handling), actor=people["clerk"], outcome=outcome, reply_data=data)
    assert fresh(handling).status == Status.LEGAL_REVIEW


def test_a_granted_reply_goes_to_the_head_directly(handling, people):
    services.submit_for_sign_off(handling, actor=people["clerk"], outcome="granted", reply_data={})
    row = fresh(handling)
    assert (row.status, row.outcome, row.drafted_by) == (Status.SIGN_OFF, "granted", people["clerk"])
    assert row.events.order_by("id").last().action == "submit_for_sign_off"


def test_a_unit_may_require_legal_review_for_every_reply(handling, people, tree):
    tree["dept"].legal_review = "all"
    tree["dept"].save()
    with pytest.raises(WorkflowError) as info:
        services.submit_for_sign_off(fresh(handling), actor=people["clerk"], outcome="granted", reply_data={})
    assert "所有答复" in str(info.value)


def test_the_setting_requires_it_everywhere_and_a_unit_may_relax_it(handling, people, tree, settings):
    settings.GONGKAI_LEGAL_REVIEW = "all"
    with pytest.raises(WorkflowError):
        services.submit_for_sign_off(fresh(handling), actor=people["clerk"], outcome="granted", reply_data={})
    tree["dept"].legal_review = "adverse"
    tree["dept"].save()
    services.submit_for_sign_off(fresh(handling), actor=people["clerk"], outcome="granted", reply_data={})
    assert fresh(handling).status == Status.SIGN_OFF


# --- 岗位分离 -----------------------------------------------------------------------------------


def test_the_registrar_cannot_accept(people, tree):
    req = register(people["clerk"], tree["dept"])
    assert fresh(req).registered_by == people["clerk"]
    with pytest.raises(NotPermitted) as info:
        services.accept(req, actor=people["clerk"])
    assert "岗位分离" in str(info.value)
    services.start_review(fresh(req), actor=people["clerk"])  # starting the review is not deciding it
    with pytest.raises(NotPermitted):
        services.accept(fresh(req), actor=people["clerk"])
    services.accept(fresh(req), actor=people["reviewer"])
    assert fresh(req).status == Status.HANDLING


def test_not_even_an_admin_accepts_what_they_registered(people, tree):
    req = register(people["admin"], tree["dept"])
    with pytest.raises(NotPermitted):
        services.accept(req, actor=people["admin"])


def test_the_drafter_cannot_approve_their_own_reply_in_legal_review(handling, people, tree):
    both = staff("both", tree["dept"], "clerk", "legal_reviewer")
    services.submit_for_legal_review(handling, actor=both, outcome="unavailable.not_held", reply_data={})
    assert fresh(handling).drafted_by == both
    with pytest.raises(NotPermitted) as info:
        services.approve_legal_review(fresh(handling), actor=both)
    assert "岗位分离" in str(info.value)
    services.approve_legal_review(fresh(handling), actor=people["legal"])
    assert fresh(handling).status == Status.SIGN_OFF


def test_a_one_person_office_turns_separation_off(tree, settings):
    alone = staff("alone", tree["town"], "clerk", "reviewer", "legal_reviewer", "head")
    tree["town"].separate_duties = False
    tree["town"].save()
    req = services.accept(register(alone, tree["town"]), actor=alone)
    office_reply(req, {"clerk": alone, "legal": alone, "head": alone}, outcome="unavailable.not_held",
                 replied_on=D("2026-03-10"), today=TODAY)
    assert fresh(req).status == Status.REPLIED
    # and the setting turns it off for every unit that does not choose
    settings.GONGKAI_SEPARATE_DUTIES = False
    tree["town"].separate_duties = None
    tree["town"].save()
    services.accept(register(alone, tree["town"]), actor=alone)


def test_a_unit_can_keep_separation_when_the_setting_is_off(people, tree, settings):
    settings.GONGKAI_SEPARATE_DUTIES = False
    tree["dept"].separate_duties = True
    tree["dept"].save()
    with pytest.raises(NotPermitted):
        services.accept(register(people["clerk"], tree["dept"]), actor=people["clerk"])


def test_the_actions_offered_follow_the_same_rules(people, tree):
    from disclosure.access import access_for

    req = register(people["clerk"], tree["dept"])
    assert "accept" not in access_for(people["clerk"]).actions_on(fresh(req))
    assert "accept" in access_for(people["reviewer"]).actions_on(fresh(req))
    assert "reply" not in access_for(people["admin"]).actions_on(fresh(req))


# --- who is told, and where they find it --------------------------------------------------------


def test_legal_reviewers_then_the_head_are_notified(handling, people, tree):
    people["legal"].email = "legal@jindong.gov.cn"
    people["legal"].save()
    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="unavailable.not_held", reply_data={})
    alerts = Alert.objects.filter(kind=AlertKind.AWAITING_LEGAL_REVIEW)
    assert {(a.recipient, a.channel) for a in alerts} == {(people["legal"], "email"), (people["legal"], "in_app")}
    alert = alerts.first()
    assert handling.ref in alert.subject and alert.link.endswith(f"/disclosurerequest/{handling.pk}/change/")
    services.approve_legal_review(fresh(handling), actor=people["legal"])
    assert set(Alert.objects.filter(kind=AlertKind.AWAITING_SIGN_OFF).values_list("recipient", flat=True)) == {
        people["head"].pk}


def test_the_head_is_notified_of_a_reply_submitted_directly_but_not_of_their_own(handling, people):
    services.submit_for_sign_off(handling, actor=people["head"], outcome="granted", reply_data={})
    assert not Alert.objects.filter(kind=AlertKind.AWAITING_SIGN_OFF).exists()  # they moved it there
    services.return_for_revision(fresh(handling), actor=people["head"], note="补充提供方式")
    services.submit_for_sign_off(fresh(handling), actor=people["clerk"], outcome="granted", reply_data={})
    assert Alert.objects.filter(kind=AlertKind.AWAITING_SIGN_OFF, recipient=people["head"]).exists()


def test_awaiting_lists(people, tree, django_assert_max_num_queries):
    mine = register(people["reviewer"], tree["dept"])  # the reviewer registered it: not theirs to accept
    theirs = register(people["clerk"], tree["dept"])
    register(people["town_clerk"], tree["town"])  # another unit
    in_review = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    services.submit_for_legal_review(in_review, actor=people["clerk"], outcome="unavailable.not_held", reply_data={})
    signing = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    services.submit_for_sign_off(signing, actor=people["clerk"], outcome="granted", reply_data={})
    objects = DisclosureRequest.objects
    with django_assert_max_num_queries(2):  # the reviewer's roles, then the list
        assert list(objects.awaiting_review(people["reviewer"])) == [theirs]
    with django_assert_max_num_queries(1):
        assert list(objects.awaiting_review(people["reviewer"])) == [theirs]
    assert list(objects.awaiting_legal_review(people["legal"])) == [in_review]
    assert list(objects.awaiting_sign_off(people["head"])) == [signing]
    assert not objects.awaiting_sign_off(people["clerk"]).exists()
    assert not objects.awaiting_legal_review(people["other_clerk"]).exists()
    assert mine not in objects.awaiting_review(people["reviewer"])
    tree["dept"].separate_duties = False
    tree["dept"].save()
    assert set(objects.awaiting_review(people["reviewer"])) == {mine, theirs}
    tree["dept"].separate_duties = None
    tree["dept"].save()
    assert set(objects.awaiting_review(people["reviewer"])) == {theirs}  # the setting: separated
    imported = register(people["clerk"], tree["dept"])
    DisclosureRequest.objects.filter(pk=imported.pk).update(registered_by=None)  # as a ledger row
    assert imported in objects.awaiting_review(people["reviewer"])


# --- small truths ---------------------------------------------------------------------------------


def test_content_has_a_named_maximum(people, tree):
    with pytest.raises(WorkflowError) as info:
        register(people["clerk"], tree["dept"], content="字" * 120_000)
    assert info.value.field == "content"
    assert str(CONTENT_MAX_LENGTH) in str(info.value) and "120000" in str(info.value)
    req = register(people["clerk"], tree["dept"], content="字" * CONTENT_MAX_LENGTH)
    with pytest.raises(WorkflowError):
        services.update_registration(req, actor=people["clerk"], content="字" * (CONTENT_MAX_LENGTH + 1))


def test_the_forms_name_the_limits_and_the_statute(people, tree, client):
    from django.urls import reverse

    client.force_login(people["clerk"])
    response = client.post(reverse("admin:disclosure_disclosurerequest_add"), {
        "unit": tree["dept"].pk, "channel": "in_person", "submitted_on": "2026-03-02",
        "applicant_type": "natural_person", "applicant_name": "张三", "content": "字" * 120_000,
    })
    errors = response.context["adminform"].form.errors["content"]
    assert errors == ["申请内容不能超过5000字（现有120000字）；所需文件请作为附件上传。"]
    assert not DisclosureRequest.objects.exists()
    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    client.force_login(people["head"])
    url = reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, "approve_extension"])
    response = client.post(url, {"seen_version": req.version, "days": "25", "approved_on": "2026-03-10",
                                 "notified_on": "2026-03-10", "reason": "需调档"})
    assert response.context["form"].errors["days"] == ["条例第三十三条第二款规定，延长的期限最长不得超过20个工作日。"]


def test_the_api_names_the_extension_limit(people, tree, as_user):
    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    response = as_user(people["head"]).post(f"/api/v1/requests/{req.pk}/approve-extension/", {
        "days": 25, "approved_on": "2026-03-10", "notified_on": "2026-03-10", "reason": "需调档"}, format="json")
    assert response.status_code == 400
    assert "第三十三条" in str(response.json()["error"]["fields"]["days"])


def test_silence_counts_as_consent_only_for_another_body(people, tree):
    from disclosure.forms import RecordConsultationReplyForm

    req = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    services.start_consultation(req, actor=people["clerk"], kind="third_party", party="某公司",
                                sent_on=D("2026-03-05"), today=TODAY)
    form = RecordConsultationReplyForm(req=fresh(req), actor=people["clerk"])
    no_answer = str(dict(form.fields["consents"].choices)[""])
    assert "第三十二条" in no_answer and "视为同意" not in no_answer
    other = services.accept(register(people["clerk"], tree["dept"]), actor=people["reviewer"])
    services.start_consultation(other, actor=people["clerk"], kind="agency", party="市局",
                                sent_on=D("2026-03-05"), today=TODAY)
    form = RecordConsultationReplyForm(req=fresh(other), actor=people["clerk"])
    assert "视为同意" in str(dict(form.fields["consents"].choices)[""])


def test_the_migration_fills_in_who_registered_and_drafted_from_the_log(handling, people):
    import importlib

    from django.apps import apps

    services.submit_for_legal_review(handling, actor=people["clerk"], outcome="unavailable.not_held", reply_data={})
    DisclosureRequest.objects.update(registered_by=None, drafted_by=None)  # as before the migration
    migration = importlib.import_module("disclosure.migrations.0015_review_duties")
    migration.authors_from_events(apps, None)
    row = fresh(handling)
    assert (row.registered_by, row.drafted_by) == (people["clerk"], people["clerk"])


# The matrix of the decisions, by hand: who gets what answer from the API (200 done, 403 not theirs,
# 404 not visible). Supervisors see but never act; other units do not see.
DECISIONS = {
    #                    clerk reviewer legal head admin supervisor town_clerk other_clerk
    "submit-sign-off":     (200, 200, 403, 200, 200, 403, 404, 404),
    "submit-legal-review": (200, 200, 403, 200, 200, 403, 404, 404),
    "approve-legal-review": (403, 403, 200, 403, 200, 403, 404, 404),
    "reply":               (403, 403, 403, 200, 403, 403, 404, 404),
}
WHO = ("clerk", "reviewer", "legal", "head", "admin", "supervisor", "town_clerk", "other_clerk")


@pytest.mark.parametrize("action", sorted(DECISIONS))
@pytest.mark.parametrize("who", WHO)
def test_who_may_take_each_decision_through_the_api(handling, people, as_user, action, who):
    expected = DECISIONS[action][WHO.index(who)]
    body = {"outcome": "granted"}
    if action == "approve-legal-review":
        services.submit_for_legal_review(handling, actor=people["reviewer"], outcome="granted", reply_data={})
        body = {}
    if action == "reply":
        services.submit_for_sign_off(handling, actor=people["reviewer"], outcome="granted", reply_data={})
        body = {"replied_on": "2026-03-10"}
    response = as_user(people[who]).post(f"/api/v1/requests/{handling.pk}/{action}/", body, format="json")
    assert response.status_code == expected, response.content


def test_the_ledger_refuses_content_over_the_limit_naming_it():
    from disclosure.ledger.columns import parsers

    parse = parsers()["content"]
    assert parse("字" * CONTENT_MAX_LENGTH) == "字" * CONTENT_MAX_LENGTH
    with pytest.raises(ValueError) as info:
        parse("字" * 120_000)
    assert "5000" in str(info.value) and "120000" in str(info.value)
