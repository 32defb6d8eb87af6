"""The office's path to a reply since issue 9 ("who decides what"), for tests that need a replied
request: the clerk drafts and submits it — for 法制审核 where the outcome (or the unit) requires it,
else straight for sign-off — the legal reviewer approves, the head signs (签发)."""

from __future__ import annotations

from disclosure import services
from disclosure.models import DisclosureRequest, User
from disclosure.workflow import legal_review_required

from .factories import staff


def to_sign_off(req, *, drafter, legal=None, outcome: str, reply_data: dict | None = None):
    """Submit the draft reply and, where required, pass legal review: the request waits for 签发."""
    req = DisclosureRequest.objects.get(pk=req.pk)
    if legal_review_required(outcome, req.unit.rules):
        services.submit_for_legal_review(req, actor=drafter, outcome=outcome, reply_data=reply_data or {})
        services.approve_legal_review(req, actor=legal)
    else:
        services.submit_for_sign_off(req, actor=drafter, outcome=outcome, reply_data=reply_data or {})
    return req


def sign_reply(req, *, drafter, head, legal=None, outcome: str, replied_on, reply_data: dict | None = None,
               today=None, sign=None):
    """Draft, review where required and sign; `sign` is documents.services.sign_reply to issue the letter too."""
    req = to_sign_off(req, drafter=drafter, legal=legal, outcome=outcome, reply_data=reply_data)
    signer = sign or services.reply
    result = signer(req, actor=head, replied_on=replied_on, today=today)
    return req if sign else result


def office_reply(req, people, **kwargs):
    """sign_reply with the `people` fixture's clerk, legal reviewer and head."""
    return sign_reply(req, drafter=people["clerk"], legal=people["legal"], head=people["head"], **kwargs)


def colleague(unit, *roles: str, besides=None):
    """Someone else in the unit holding one of `roles` (first by username): who accepts what a clerk
    registered, reviews and signs what they drafted."""
    users = User.objects.filter(roles__unit=unit, roles__role__in=roles, is_active=True).distinct().order_by("username")
    if besides is not None:
        users = users.exclude(pk=besides.pk)
    found = users.first()
    if found is None:
        # a unit a test staffed with a clerk only: its office's deciding roles go to one more person,
        # so the clerk keeps exactly the powers the test gave them
        found = staff(f"{unit.code}-leader", unit, "reviewer", "legal_reviewer", "head")
    return found


def accept_as_colleague(req, registrar):
    """审核通过 by the unit's reviewer (or head), not the registrar (岗位分离)."""
    return services.accept(req, actor=colleague(req.unit, "reviewer", "head", besides=registrar))


def reply_in_unit(req, drafter, *, outcome: str, replied_on, reply_data=None, today=None, sign=None):
    """sign_reply with the unit's legal reviewer and head."""
    return sign_reply(
        req, drafter=drafter, legal=colleague(req.unit, "legal_reviewer", besides=drafter),
        head=colleague(req.unit, "head"), outcome=outcome, replied_on=replied_on, reply_data=reply_data,
        today=today, sign=sign,
    )
