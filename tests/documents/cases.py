"""Requests at each step that has a letter, built through the services, for the context and render
tests (part R). Dates are fixed; `today` is always passed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from disclosure import services
from disclosure.models import DisclosureRequest, RequestEvent
from disclosure.workflow import Action

from ..factories import register_with
from ..steps import accept_as_colleague, reply_in_unit

D = date.fromisoformat
RECEIVED = D("2026-03-02")  # a Monday
TODAY = D("2026-11-26")
CONTENT = "金东区2025年道路改造项目的立项批复"
REPLIED = D("2026-03-20")


def fresh(req) -> DisclosureRequest:
    return DisclosureRequest.objects.get(pk=req.pk)


register = register_with(submitted_on=RECEIVED, content=CONTENT, provision_form="paper", today=TODAY)


def handling(actor, unit, **over) -> DisclosureRequest:
    req = register(actor, unit, **over)
    accept_as_colleague(req, actor)
    return fresh(req)


def replied(actor, unit, outcome="granted", reply_data=None, replied_on=REPLIED, **over):
    """Drafted by `actor`, reviewed where required, signed by the unit's head (issue 9)."""
    req = handling(actor, unit, **over)
    reply_in_unit(req, actor, outcome=outcome, replied_on=replied_on, reply_data=reply_data,
                  today=over.get("today", TODAY))
    return fresh(req)


def corrected(actor, unit, **over):
    req = register(actor, unit, **over)
    services.request_correction(
        req, actor=actor, requested_on=D("2026-03-05"), items="请写明所需文件的名称或文号\n请提供身份证明复印件",
        period_until=D("2026-03-20"), today=TODAY,
    )
    return fresh(req)


def extended(clerk, head, unit, **over):
    req = handling(clerk, unit, **over)
    services.approve_extension(req, actor=head, days=15, approved_on=D("2026-03-25"), notified_on=D("2026-03-26"),
                               reason="需要调取档案并逐页审查", today=TODAY)
    return fresh(req)


def delayed(clerk, head, unit, **over):
    req = handling(clerk, unit, **over)
    services.request_reasons(req, actor=clerk, requested_on=D("2026-03-04"), note="一个月内提出申请32件", today=TODAY)
    req = fresh(req)
    services.set_delayed_reply(req, actor=head, finding="申请理由合理，但所涉档案数量较大", delayed_until=D("2026-05-29"),
                               notified_on=D("2026-03-10"), today=TODAY)
    return fresh(req)


def fee(clerk, unit, **over):
    req = handling(clerk, unit, **over)
    notice = services.issue_fee_notice(req, actor=clerk, amount=Decimal("120.00"), amount_reason="按实际情况确定", basis="按件计收，每件100元；超过30页部分每页10元",
                                       notice_on=D("2026-03-06"), today=TODAY)
    return fresh(req), notice


def consulted(clerk, unit, kind="third_party", party="金华市某某建设有限公司", **over):
    req = handling(clerk, unit, **over)
    consultation = services.start_consultation(req, actor=clerk, kind=kind, party=party, sent_on=D("2026-03-04"),
                                               today=TODAY)
    return fresh(req), consultation


def imported(req) -> DisclosureRequest:
    """Mark a request as ledger-imported, as the ledger does (an Action.IMPORT event)."""
    RequestEvent.objects.create(request=req, action=Action.IMPORT, data={"row": 2})
    return req
