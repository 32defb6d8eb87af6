"""The same applicant across requests, through the blind index of the ID number (blindindex.py):
109号's 按件 ordinal, the applicant's count in a month, and their earlier requests to the unit with
the possible 重复申请 among them. Reads only; never decrypts more than the request at hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.postgres.search import TrigramSimilarity
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext

from . import fees
from .blindindex import applicant_id_hash
from .models import DisclosureRequest
from .workflow import UNRECEIVED_STATUSES

# pg_trgm similarity from which an earlier request's content counts as a possible 重复申请
SIMILARITY_THRESHOLD = 0.4
EARLIER_LIMIT = 20


def month_bounds(day: date) -> tuple[date, date]:
    start = day.replace(day=1)
    end = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, end


def _hash(req: DisclosureRequest) -> str:
    # from the number itself: the request at hand may have been written before its hash was
    return applicant_id_hash(req.applicant_id_number) if req.applicant_id_number else ""


def applicant_ordinal(req: DisclosureRequest) -> int:
    """This request's place among the applicant's requests received by the unit in its natural month,
    ordered by receipt date, then registration order (id). One query on request_unit_applicant; a
    request without an ID number counts by itself (1)."""
    key = _hash(req)
    if not key:
        return 1
    start, _end = month_bounds(req.received_on)
    earlier = (
        DisclosureRequest.objects.filter(unit_id=req.unit_id, applicant_id_hash=key, received_on__gte=start)
        .exclude(status__in=UNRECEIVED_STATUSES)
        .filter(Q(received_on__lt=req.received_on) | Q(received_on=req.received_on, id__lt=req.pk))
    )
    return earlier.count() + 1


def month_count(req: DisclosureRequest) -> int:
    """The applicant's requests received by the unit in the request's natural month (this one included)."""
    key = _hash(req)
    if not key:
        return 1
    start, end = month_bounds(req.received_on)
    return DisclosureRequest.objects.filter(
        unit_id=req.unit_id, applicant_id_hash=key, received_on__gte=start, received_on__lt=end
    ).exclude(status__in=UNRECEIVED_STATUSES).count()


def fee_quote(req: DisclosureRequest, *, pages=None, method: str | None = None) -> fees.Quote:
    """The fee.md quote: 按件 from the ordinal, or 按量 from `pages` (raises fees.FeeInputError)."""
    pages = fees.parse_pages(pages)
    method = fees.choose_method(method, pages)
    ordinal = applicant_ordinal(req) if method == fees.PER_ITEM else None
    return fees.quote(received_on=req.received_on, ordinal=ordinal, pages=pages, method=method,
                      has_id_number=bool(req.applicant_id_number))


@dataclass(frozen=True)
class EarlierRequest:
    request: DisclosureRequest
    similarity: float
    similar: bool  # a possible 重复申请


def _words(text: str) -> set[str]:
    """Character bigrams (Chinese has no spaces): the plain fallback's measure, as pg_trgm's trigrams."""
    compact = "".join(ch for ch in (text or "") if ch.isalnum())
    return {compact[i:i + 2] for i in range(max(len(compact) - 1, 0))} or ({compact} if compact else set())


def plain_similarity(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams, 0–1 (SQLite has no pg_trgm)."""
    x, y = _words(a), _words(b)
    if not x or not y:
        return 0.0
    return len(x & y) / len(x | y)


def earlier_requests(req: DisclosureRequest, *, limit: int = EARLIER_LIMIT) -> list[EarlierRequest]:
    """The applicant's earlier requests to the unit (newest first), those with similar content flagged.

    PostgreSQL scores with pg_trgm `similarity` in the query; elsewhere (and as a floor where the
    database's locale gives CJK text no trigrams) a bigram Jaccard in Python over the few rows the
    indexed filter returns."""
    key = _hash(req)
    if not key:
        return []
    qs = (
        DisclosureRequest.objects.filter(unit_id=req.unit_id, applicant_id_hash=key)
        .exclude(pk=req.pk)
        .filter(Q(received_on__lt=req.received_on) | Q(received_on=req.received_on, id__lt=req.pk))
        .only("id", "ref", "received_on", "content", "status", "outcome", "concluded_on", "unit_id", "reply_data")
        .order_by("-received_on", "-id")
    )
    if connection.vendor == "postgresql":
        rows = list(qs.annotate(sim=TrigramSimilarity("content", req.content or ""))[:limit])
        # pg_trgm finds no trigrams in CJK text under a non-UTF-8 LC_CTYPE (a "C" database): the
        # bigram measure of the same few rows keeps the flag working there
        scored = [(r, max(float(r.sim or 0), plain_similarity(r.content, req.content))) for r in rows]
    else:
        scored = [(r, plain_similarity(r.content, req.content)) for r in qs[:limit]]
    return [EarlierRequest(r, round(s, 2), s >= SIMILARITY_THRESHOLD) for r, s in scored]


def warn_of_earlier_requests(model_admin, http_request, req: DisclosureRequest) -> None:
    """On registration: tell the clerk at once when the applicant has asked the unit before."""
    earlier = earlier_requests(req)
    if not earlier:
        return
    similar = sum(1 for e in earlier if e.similar)
    text = gettext("该申请人此前向本单位提出过 %(n)d 件申请") % {"n": len(earlier)}
    if similar:
        text += gettext("，其中 %(m)d 件内容相近，可能为重复申请") % {"m": similar}
    text += gettext("，见“申请人的申请情况”。")
    model_admin.message_user(http_request, text, messages.WARNING if similar else messages.INFO)
