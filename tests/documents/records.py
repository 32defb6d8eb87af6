"""Requests in a known state for the documents tests, built through the services (never by
setting status), and a quick way to issue a reply."""

from __future__ import annotations

from datetime import date

from ..factories import register_with
from ..steps import accept_as_colleague, reply_in_unit

RECEIVED = date(2026, 3, 2)  # a Monday
TODAY = date(2026, 3, 20)


def with_prefix(unit, letter_prefix="金东发改", ref_prefix=None):
    unit.letter_prefix = letter_prefix
    if ref_prefix is not None:
        unit.ref_prefix = ref_prefix
    unit.save()
    return unit


registered = register_with(applicant_id_number="33010119800315123X", applicant_contact="13812345678",
                           submitted_on=RECEIVED, today=TODAY)


def handling(clerk, unit, **overrides):
    req = registered(clerk, unit, **overrides)
    accept_as_colleague(req, clerk)
    return req


def replied(clerk, unit, *, outcome="granted", reply_data=None, replied_on=date(2026, 3, 16), **overrides):
    """Drafted by the clerk, reviewed where required, signed by the unit's head (issue 9)."""
    req = handling(clerk, unit, **overrides)
    reply_in_unit(req, clerk, outcome=outcome, replied_on=replied_on, reply_data=reply_data, today=TODAY)
    req.refresh_from_db()
    return req


def issued_reply(req, actor):
    """The reply's 答复书, issued as the 签发 would (no PDF queued): archiving needs it."""
    from documents import services as letters

    return letters.issue_document(req, "reply", actor=actor, queue_pdf=False)
