"""{% applicant_history req %}: the applicant's earlier requests to the unit and their month (applicants.py)."""

from django import template
from django.urls import reverse

from disclosure import applicants, fees
from disclosure.workflow import Outcome

register = template.Library()


@register.inclusion_tag("admin/disclosure/applicant_history.html")
def applicant_history(req):
    if req is None or not req.pk:
        return {"shown": False}
    has_number = bool(req.applicant_id_number)
    ordinal = applicants.applicant_ordinal(req) if has_number else 1
    earlier = applicants.earlier_requests(req) if has_number else []
    rows = [
        {
            "ref": e.request.ref or f"#{e.request.pk}",
            "url": reverse("admin:disclosure_disclosurerequest_change", args=[e.request.pk]),
            "received_on": e.request.received_on,
            "content": e.request.content,
            "status": e.request.get_status_display(),
            "outcome": Outcome(e.request.outcome).label if e.request.outcome in Outcome.values else "",
            "concluded_on": e.request.concluded_on,
            "similar": e.similar,
            "similarity": e.similarity,
        }
        for e in earlier
    ]
    similar = sorted((r for r in rows if r["similar"]), key=lambda r: -r["similarity"])
    return {
        "shown": True,
        "has_number": has_number,
        "month": req.received_on,
        "month_count": applicants.month_count(req) if has_number else 1,
        "ordinal": ordinal,
        "fee_applies": req.received_on >= fees.IN_FORCE,
        "per_item_fee": fees.per_item_fee(ordinal),
        "earlier": rows,
        "similar": similar,
        "others": [r for r in rows if not r["similar"]],
        "similar_count": len(similar),
        "limit": applicants.EARLIER_LIMIT,
    }
