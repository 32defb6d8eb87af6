"""The office's path to a reply since issue 9 ("who decides what"), for tests that need a replied
request: the clerk drafts and submits it — for 法制审核 where the outcome (or the unit) requires it,
else straight for sign-off — the legal reviewer approves, the head signs (签发)."""

from __future__ import annotations

from disclosure import services
from disclosure.models import DisclosureRequest
from disclosure.workflow import legal_review_required


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
