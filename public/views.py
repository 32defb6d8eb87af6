"""The applicants' side. For now: checking that a letter is genuine (核验).

GET /public/verify/?code=… is anonymous: it shows the issuing unit, the document's name, its 文号,
its date and the SHA-256 of the DOCX and PDF that were issued, and whether a later document replaces
it — nothing about the applicant. Every input answers a page (never a 500); a client asking too
often from one address is told to wait (429).
"""

from __future__ import annotations

import re

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from documents.kinds import DOCUMENT_NAME
from documents.models import Document
from security.clientip import client_ip

CODE = re.compile(r"^[A-Z2-7]{10}$")
# Guessing codes (2^50 of them) is hopeless, but a page per guess is still load: 30 a minute per address.
RATE_PER_MINUTE = 30


def normalise_code(raw: str) -> str:
    """What a reader types from paper: any case, spaces or dashes between groups."""
    return re.sub(r"[\s\-–—_]", "", str(raw or "")).upper()[:64]


def _throttled(request) -> bool:
    key = f"public-verify:{client_ip(request) or 'unknown'}"
    if cache.add(key, 1, timeout=60):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=60)
        return False
    return count > RATE_PER_MINUTE


@never_cache
@require_GET
def verify(request):
    raw = request.GET.get("code", "")
    code = normalise_code(raw)
    context = {"code": code, "asked": bool(raw.strip()), "document": None, "invalid": False}
    if _throttled(request):
        return render(request, "public/verify.html", {**context, "throttled": True}, status=429)
    if code:
        if not CODE.fullmatch(code):
            context["invalid"] = True
        else:
            document = (
                Document.objects.select_related("unit")
                .only("kind", "number", "dated_on", "docx_sha256", "pdf_sha256", "issued_at", "unit__name",
                      "verification_code")
                .filter(verification_code=code)
                .first()
            )
            if document is not None:
                later = Document.objects.filter(replaces=document).only("number", "dated_on").first()
                context.update(document=document, document_name=DOCUMENT_NAME[document.kind], replaced_by=later)
    status = 200 if context["document"] is not None or not code else 404
    return render(request, "public/verify.html", context, status=status)
