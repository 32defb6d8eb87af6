"""The workflow as data: every arrow, who may take it, what a reply needs. Pure: no database."""

import pytest

from disclosure.workflow import (
    ACTION_ROLES,
    ADVERSE_OUTCOMES,
    CLOSING_OUTCOMES,
    OPEN_STATUSES,
    REFUSALS,
    ROLE_ONLY_ACTIONS,
    STAYING_ACTIONS,
    TRANSITIONS,
    Action,
    Authors,
    InvalidTransition,
    Outcome,
    Status,
    UnitRules,
    available_actions,
    duty_conflict,
    legal_review_required,
    missing_reply_fields,
    status_for_history,
    target_status,
)

S = Status
A = Action

# The arrows of issue 2, written out by hand (action, from, to): the table must say exactly this.
ARROWS = {
    # issue 10 (portal.md): an online submission is confirmed (received) or rejected as no application
    (A.CONFIRM_RECEIPT, S.SUBMITTED, S.REGISTERED),
    (A.REJECT_SUBMISSION, S.SUBMITTED, S.REJECTED),
    (A.START_REVIEW, S.REGISTERED, S.REVIEWING),
    (A.REQUEST_CORRECTION, S.REGISTERED, S.AWAITING_CORRECTION),
    (A.REQUEST_CORRECTION, S.REVIEWING, S.AWAITING_CORRECTION),
    (A.REQUEST_CORRECTION, S.HANDLING, S.AWAITING_CORRECTION),
    (A.RECORD_CORRECTION, S.AWAITING_CORRECTION, S.REVIEWING),
    (A.ACCEPT, S.REGISTERED, S.HANDLING),
    (A.ACCEPT, S.REVIEWING, S.HANDLING),
    (A.START_CONSULTATION, S.HANDLING, S.CONSULTING),
    (A.START_CONSULTATION, S.CONSULTING, S.CONSULTING),
    (A.RECORD_CONSULTATION_REPLY, S.CONSULTING, S.HANDLING),
    (A.SUBMIT_FOR_LEGAL_REVIEW, S.HANDLING, S.LEGAL_REVIEW),
    (A.SUBMIT_FOR_SIGN_OFF, S.HANDLING, S.SIGN_OFF),  # issue 9: a reply that needs no legal review
    (A.APPROVE_LEGAL_REVIEW, S.LEGAL_REVIEW, S.SIGN_OFF),
    (A.RETURN_FOR_REVISION, S.LEGAL_REVIEW, S.HANDLING),
    (A.RETURN_FOR_REVISION, S.SIGN_OFF, S.HANDLING),
    (A.REPLY, S.SIGN_OFF, S.REPLIED),  # issue 9: no reply from 办理中 — 签发 follows sign-off
    *((A.CONCLUDE, s, S.CLOSED) for s in OPEN_STATUSES),
    (A.ARCHIVE, S.REPLIED, S.ARCHIVED),
    (A.ARCHIVE, S.CLOSED, S.ARCHIVED),
}
# Actions that keep the state, and the states they are allowed in.
STAYING = {
    A.ISSUE_FEE_NOTICE: {S.HANDLING, S.CONSULTING},
    A.RECORD_FEE_PAYMENT: set(OPEN_STATUSES),
    A.APPROVE_EXTENSION: {S.REVIEWING, S.HANDLING, S.CONSULTING, S.LEGAL_REVIEW, S.SIGN_OFF},
    A.ASSIGN: set(OPEN_STATUSES),
    A.EDIT: set(OPEN_STATUSES) | {S.SUBMITTED},
    A.SUBMIT_CORRECTION: {S.AWAITING_CORRECTION},
    A.REQUEST_REASONS: {S.REVIEWING, S.HANDLING, S.CONSULTING},
    A.SET_DELAYED_REPLY: {S.REVIEWING, S.HANDLING, S.CONSULTING, S.LEGAL_REVIEW, S.SIGN_OFF},
    A.RECORD_RECONSIDERATION: {S.REPLIED, S.CLOSED, S.ARCHIVED},
    A.RECORD_LITIGATION: {S.REPLIED, S.CLOSED, S.ARCHIVED},
}
MOVING_ACTIONS = sorted({a for a, _, _ in ARROWS})


def test_transition_table_is_exactly_the_documented_arrows():
    table = {(a, s, t) for a, targets in TRANSITIONS.items() for s, t in targets.items()}
    assert table == ARROWS
    assert {a: set(states) for a, states in STAYING_ACTIONS.items()} == STAYING


@pytest.mark.parametrize("action", MOVING_ACTIONS)
@pytest.mark.parametrize("current", list(Status))
def test_every_arrow_is_valid_or_refused(action, current):
    expected = {s: t for a, s, t in ARROWS if a == action}
    if current in expected:
        assert target_status(action, current) == expected[current]
    else:
        with pytest.raises(InvalidTransition) as info:
            target_status(action, current)
        assert str(current.label) in str(info.value)  # says which state refused it


@pytest.mark.parametrize("action", sorted(STAYING))
@pytest.mark.parametrize("current", list(Status))
def test_staying_actions_keep_the_state_where_allowed(action, current):
    if current in STAYING[action]:
        assert target_status(action, current) == current
    else:
        with pytest.raises(InvalidTransition):
            target_status(action, current)


@pytest.mark.parametrize("current", [S.REPLIED, S.CLOSED, S.ARCHIVED])
def test_nothing_but_archiving_leaves_a_concluded_request(current):
    assert {a for a in A if a in TRANSITIONS and current in TRANSITIONS[a]} <= {A.ARCHIVE}


def test_archived_is_final_but_for_the_later_proceedings():
    # the file is closed; what can still happen to it is a 复议 or a lawsuit (第五十一条)
    assert available_actions(S.ARCHIVED, {"clerk", "reviewer", "legal_reviewer", "head"}, is_admin=True) == [
        "record_reconsideration", "record_litigation",
    ]


def test_every_status_is_reachable_from_registered():
    seen, frontier = {S.REGISTERED, S.SUBMITTED}, [S.REGISTERED, S.SUBMITTED]
    while frontier:
        current = frontier.pop()
        for _, s, t in ARROWS:
            if s == current and t not in seen:
                seen.add(t)
                frontier.append(t)
    assert seen == set(Status)


@pytest.mark.parametrize(
    ("status", "roles", "expected"),
    [
        (S.REGISTERED, {"clerk"}, ["start_review", "request_correction", "accept", "conclude", "record_fee_payment",
                                   "edit"]),
        (S.REGISTERED, {"legal_reviewer"}, []),
        (S.REGISTERED, {"supervisor"}, []),
        (S.REGISTERED, {"reviewer"}, ["start_review", "request_correction", "accept", "conclude", "assign", "edit"]),
        (S.HANDLING, {"head"}, ["request_correction", "start_consultation", "issue_fee_notice",
                                "record_fee_payment", "approve_extension", "request_reasons", "set_delayed_reply",
                                "assign", "submit_for_legal_review", "submit_for_sign_off", "conclude", "edit"]),
        (S.HANDLING, {"clerk"}, ["request_correction", "start_consultation", "issue_fee_notice",
                                 "record_fee_payment", "request_reasons", "submit_for_legal_review",
                                 "submit_for_sign_off", "conclude", "edit"]),
        (S.HANDLING, {"reviewer"}, ["request_correction", "start_consultation", "request_reasons", "assign",
                                    "submit_for_legal_review", "submit_for_sign_off", "conclude", "edit"]),
        (S.HANDLING, {"legal_reviewer"}, []),
        (S.LEGAL_REVIEW, {"legal_reviewer"}, ["approve_legal_review", "return_for_revision"]),
        (S.LEGAL_REVIEW, {"clerk"}, ["record_fee_payment", "conclude", "edit"]),
        (S.SIGN_OFF, {"head"}, ["record_fee_payment", "approve_extension", "set_delayed_reply", "assign",
                                "return_for_revision", "reply", "conclude", "edit"]),
        (S.SIGN_OFF, {"clerk"}, ["record_fee_payment", "conclude", "edit"]),
        (S.SIGN_OFF, {"legal_reviewer"}, ["return_for_revision"]),
        (S.AWAITING_CORRECTION, {"clerk"}, ["record_correction", "record_fee_payment", "conclude", "edit"]),
        (S.CONSULTING, {"clerk"}, ["start_consultation", "record_consultation_reply", "issue_fee_notice",
                                   "record_fee_payment", "request_reasons", "conclude", "edit"]),
        (S.REPLIED, {"clerk"}, ["archive", "record_reconsideration", "record_litigation"]),
        (S.REPLIED, {"reviewer"}, ["record_reconsideration", "record_litigation"]),
        (S.REPLIED, {"legal_reviewer"}, ["record_reconsideration", "record_litigation"]),
        (S.REPLIED, {"supervisor"}, []),
        (S.CLOSED, {"head"}, ["archive", "record_reconsideration", "record_litigation"]),
        (S.ARCHIVED, {"clerk"}, ["record_reconsideration", "record_litigation"]),
    ],
)
def test_available_actions_per_role(status, roles, expected):
    assert sorted(available_actions(status, roles)) == sorted(expected)


def test_only_the_head_may_approve_an_extension():
    assert ACTION_ROLES[A.APPROVE_EXTENSION] == {"head"}
    for role in ("clerk", "reviewer", "legal_reviewer", "supervisor"):
        assert A.APPROVE_EXTENSION not in available_actions(S.HANDLING, {role})


def test_only_a_legal_reviewer_approves_legal_review():
    for role in ("clerk", "reviewer", "head"):
        assert A.APPROVE_LEGAL_REVIEW not in available_actions(S.LEGAL_REVIEW, {role})


def test_admin_gets_every_action_valid_in_the_state_except_the_heads_decisions():
    assert available_actions(S.LEGAL_REVIEW, set(), is_admin=True) == [
        "record_fee_payment", "assign", "approve_legal_review", "return_for_revision", "conclude", "edit",
    ]
    assert "approve_extension" in available_actions(S.LEGAL_REVIEW, {"head"}, is_admin=True)
    assert "set_delayed_reply" in available_actions(S.LEGAL_REVIEW, {"head"}, is_admin=True)
    # 签发 is the head's, as the extension: a system admin cannot sign a reply
    assert "reply" not in available_actions(S.SIGN_OFF, set(), is_admin=True)
    assert "reply" in available_actions(S.SIGN_OFF, {"head"}, is_admin=True)


# --- who decides what (issue 9) ------------------------------------------------------------------


def test_only_the_head_signs_a_reply_and_never_from_handling():
    assert ACTION_ROLES[A.REPLY] == {"head"}
    assert A.REPLY in ROLE_ONLY_ACTIONS
    assert set(TRANSITIONS[A.REPLY]) == {S.SIGN_OFF}
    for role in ("clerk", "reviewer", "legal_reviewer", "supervisor", "head"):
        assert A.REPLY not in available_actions(S.HANDLING, {role}, is_admin=True)
    for role in ("clerk", "reviewer", "legal_reviewer", "supervisor"):
        assert A.REPLY not in available_actions(S.SIGN_OFF, {role})


ADVERSE_BY_HAND = {
    "partial", "not_this_agency",
    "refused.state_secret", "refused.law_prohibited", "refused.security_stability", "refused.third_party",
    "refused.internal_affairs", "refused.process_info", "refused.enforcement_file", "refused.query_matter",
    "unavailable.not_held", "unavailable.needs_creation", "unavailable.unclear_after_correction",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication", "not_processed.excessive",
    "not_processed.confirm_existing",
}


def test_adverse_outcomes_are_the_documented_ones():
    assert {o.value for o in ADVERSE_OUTCOMES} == ADVERSE_BY_HAND
    assert not ADVERSE_OUTCOMES & CLOSING_OUTCOMES


@pytest.mark.parametrize("outcome", [o for o in Outcome if o not in CLOSING_OUTCOMES])
def test_legal_review_required_for_adverse_outcomes_and_per_unit_for_the_others(outcome):
    adverse = outcome.value in ADVERSE_BY_HAND
    assert legal_review_required(outcome, UnitRules()) is adverse
    assert legal_review_required(outcome, UnitRules(legal_review_all=True)) is True


def test_submitting_for_sign_off_is_not_offered_where_every_reply_needs_legal_review():
    everyone = {"clerk", "reviewer", "head"}
    assert A.SUBMIT_FOR_SIGN_OFF in available_actions(S.HANDLING, everyone, rules=UnitRules())
    assert A.SUBMIT_FOR_SIGN_OFF not in available_actions(S.HANDLING, everyone, rules=UnitRules(legal_review_all=True))
    assert A.SUBMIT_FOR_LEGAL_REVIEW in available_actions(S.HANDLING, everyone, rules=UnitRules(legal_review_all=True))


@pytest.mark.parametrize(
    ("action", "authors", "actor", "refused"),
    [
        (A.ACCEPT, Authors(registered_by=7), 7, True),
        (A.ACCEPT, Authors(registered_by=7), 8, False),
        (A.ACCEPT, Authors(), 7, False),  # imported: nobody registered it here
        (A.APPROVE_LEGAL_REVIEW, Authors(drafted_by=7), 7, True),
        (A.APPROVE_LEGAL_REVIEW, Authors(registered_by=7, drafted_by=8), 7, False),
        (A.START_REVIEW, Authors(registered_by=7), 7, False),  # starting a review is not deciding it
        (A.RETURN_FOR_REVISION, Authors(drafted_by=7), 7, False),
        (A.REPLY, Authors(drafted_by=7), 7, False),
    ],
)
def test_separation_of_duties(action, authors, actor, refused):
    conflict = duty_conflict(action, actor, authors, UnitRules())
    assert bool(conflict) is refused
    if refused:
        assert "岗位分离" in conflict  # names the rule
    assert duty_conflict(action, actor, authors, UnitRules(separate_duties=False)) is None  # a one-person office


def test_available_actions_hide_what_separation_of_duties_refuses():
    roles = {"clerk", "reviewer", "legal_reviewer", "head"}
    mine = Authors(registered_by=7, drafted_by=7)
    assert A.ACCEPT not in available_actions(S.REVIEWING, roles, actor_id=7, authors=mine)
    assert A.ACCEPT not in available_actions(S.REGISTERED, roles, actor_id=7, authors=mine, is_admin=True)
    assert A.ACCEPT in available_actions(S.REVIEWING, roles, actor_id=8, authors=mine)
    assert A.APPROVE_LEGAL_REVIEW not in available_actions(S.LEGAL_REVIEW, roles, actor_id=7, authors=mine)
    assert A.RETURN_FOR_REVISION in available_actions(S.LEGAL_REVIEW, roles, actor_id=7, authors=mine)
    alone = UnitRules(separate_duties=False)
    assert A.ACCEPT in available_actions(S.REVIEWING, roles, actor_id=7, authors=mine, rules=alone)
    assert A.APPROVE_LEGAL_REVIEW in available_actions(S.LEGAL_REVIEW, roles, actor_id=7, authors=mine, rules=alone)


def test_only_the_head_sets_a_delayed_reply_but_clerks_ask_for_reasons():
    assert ACTION_ROLES[A.SET_DELAYED_REPLY] == {"head"}
    for role in ("clerk", "reviewer", "legal_reviewer", "supervisor"):
        assert A.SET_DELAYED_REPLY not in available_actions(S.HANDLING, {role})
    assert A.REQUEST_REASONS in available_actions(S.HANDLING, {"clerk"})
    assert A.REQUEST_REASONS not in available_actions(S.LEGAL_REVIEW, {"clerk", "head"})  # too late: decided


def test_available_actions_never_offers_an_invalid_arrow():
    everyone = {"clerk", "reviewer", "legal_reviewer", "head"}
    for status in Status:
        for action in available_actions(status, everyone):
            target_status(action, status)  # raises if the offer were wrong


@pytest.mark.parametrize(
    ("outcome", "data", "missing"),
    [
        (Outcome.GRANTED, {}, set()),
        (Outcome.UNAVAILABLE_NOT_HELD, {}, set()),
        (Outcome.ALREADY_PUBLIC, {}, {"access_route"}),
        (Outcome.ALREADY_PUBLIC, {"access_route": "  "}, {"access_route"}),
        (Outcome.ALREADY_PUBLIC, {"access_route": "https://www.jindong.gov.cn/col/col1229"}, set()),
        (Outcome.PARTIAL, {}, {"reason", "withheld_parts"}),
        (Outcome.PARTIAL, {"reason": "涉及个人隐私"}, {"withheld_parts"}),
        (Outcome.PARTIAL, {"reason": "涉及个人隐私", "withheld_parts": "身份证号码"}, set()),
        (Outcome.NOT_THIS_AGENCY, {}, {"competent_body"}),
        (Outcome.NOT_THIS_AGENCY, {"competent_body": "金华市自然资源和规划局"}, set()),
        (Outcome.NOT_PROCESSED_DUPLICATE, {}, {"earlier_request"}),
        (Outcome.NOT_PROCESSED_DUPLICATE, {"earlier_request": "金东公开〔2026〕第0001号"}, set()),
        (Outcome.NOT_PROCESSED_PETITION, {}, set()),
    ],
)
def test_missing_reply_fields(outcome, data, missing):
    assert set(missing_reply_fields(outcome, data)) == missing


@pytest.mark.parametrize("outcome", sorted(REFUSALS))
def test_every_refusal_needs_a_reason(outcome):
    assert set(missing_reply_fields(outcome, {})) == {"reason"}
    assert missing_reply_fields(outcome, {"reason": "属于国家秘密"}) == {}


def test_missing_reply_fields_name_what_is_missing():
    labels = missing_reply_fields(Outcome.NOT_THIS_AGENCY, {})
    assert "行政机关" in str(labels["competent_body"])


def test_refusals_are_the_eight_refused_codes():
    assert len(REFUSALS) == 8
    assert all(o.value.startswith("refused.") for o in REFUSALS)


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(concluded=True, outcome="granted", waiting_correction=False, consulting=False), S.REPLIED),
        (dict(concluded=True, outcome="refused.state_secret", waiting_correction=False, consulting=False), S.REPLIED),
        (dict(concluded=True, outcome="abandoned_no_correction", waiting_correction=True, consulting=False), S.CLOSED),
        (dict(concluded=True, outcome="abandoned_fee_unpaid", waiting_correction=False, consulting=False), S.CLOSED),
        (dict(concluded=True, outcome="withdrawn", waiting_correction=False, consulting=True), S.CLOSED),
        (dict(concluded=False, outcome=None, waiting_correction=True, consulting=True), S.AWAITING_CORRECTION),
        (dict(concluded=False, outcome=None, waiting_correction=False, consulting=True), S.CONSULTING),
        (dict(concluded=False, outcome=None, waiting_correction=False, consulting=False), S.HANDLING),
    ],
)
def test_status_for_history(kwargs, expected):
    assert status_for_history(**kwargs) == expected


def test_closing_outcomes_end_without_a_reply():
    assert CLOSING_OUTCOMES == {Outcome.ABANDONED_NO_CORRECTION, Outcome.ABANDONED_FEE_UNPAID, Outcome.WITHDRAWN}


# --- issue 10: online submissions (portal.md) --------------------------------------------------


def test_a_submission_is_neither_open_nor_concluded():
    from disclosure.workflow import CONCLUDED_STATUSES, UNRECEIVED_STATUSES

    assert UNRECEIVED_STATUSES == {S.SUBMITTED, S.REJECTED}
    assert not UNRECEIVED_STATUSES & (OPEN_STATUSES | CONCLUDED_STATUSES)


def test_rejected_is_final():
    assert {a for a in A if a in TRANSITIONS and S.REJECTED in TRANSITIONS[a]} == set()
    assert available_actions(S.REJECTED, {"clerk", "reviewer", "legal_reviewer", "head"}, is_admin=True) == []


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ({"clerk"}, ["confirm_receipt", "reject_submission", "edit"]),
        ({"reviewer"}, ["confirm_receipt", "reject_submission", "edit"]),
        ({"head"}, ["confirm_receipt", "reject_submission", "edit"]),
        ({"legal_reviewer"}, []),
        ({"supervisor"}, []),
    ],
)
def test_who_confirms_a_submission(roles, expected):
    assert available_actions(S.SUBMITTED, roles) == expected


def test_the_applicants_actions_are_offered_to_no_staff():
    everyone = {"clerk", "reviewer", "legal_reviewer", "head"}
    for status in Status:
        offered = set(available_actions(status, everyone, is_admin=True))
        assert not offered & {A.SUBMIT, A.SUBMIT_CORRECTION}
