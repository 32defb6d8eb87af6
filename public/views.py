"""The applicants' side (spec/portal.md): the guide, the application form, the receipt, the status
lookup with its letters and the online correction — and the check that a letter is genuine (核验).

No account, no JavaScript: plain forms. Every refusal is a page naming the field (400), never a 500;
every miss on a lookup is the same 404; lookups and submissions are counted per address
(public/throttles.py) and answer 429 past the limit. Nothing of a request is shown but what
disclosure.services.public_status returns, and the applicant's ID number only masked.

GET /public/verify/?code=… is anonymous: it shows the issuing unit, the document's name, its 文号,
its date and the SHA-256 of the DOCX and PDF that were issued, and whether a later document replaces
it — nothing about the applicant.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from disclosure import services
from disclosure.access import mask_id_number
from disclosure.models import Channel
from disclosure.services.intake import DOWNLOADABLE_DELIVERY
from disclosure.workflow import WorkflowError
from documents.kinds import DOCUMENT_NAME
from documents.models import Document
from security import audit
from security.clientip import client_ip

from . import throttles
from .forms import ApplicationForm, CorrectionForm, LookupForm, online_units

CODE = re.compile(r"^[A-Z2-7]{10}$")
# Guessing codes (2^50 of them) is hopeless, but a page per guess is still load: 30 a minute per address.
RATE_PER_MINUTE = 30


def normalise_code(raw: str) -> str:
    """What a reader types from paper: any case, spaces or dashes between groups."""
    return re.sub(r"[\s\-–—_]", "", str(raw or "")).upper()[:64]


# --- 申请指南 ----------------------------------------------------------------------------------


@require_GET
def guide(request):
    return render(request, "public/guide.html", {
        "units": online_units().only("code", "name"),
        "max_mb": settings.GONGKAI_ATTACHMENT_MAX_BYTES // (1024 * 1024),
    })


# --- applying --------------------------------------------------------------------------------


def _throttled_page(request, template, context, wait):
    response = render(request, template, {**context, "throttled": True, "wait_minutes": max(1, (wait + 59) // 60)},
                      status=429)
    response["Retry-After"] = str(wait)
    return response


def add_service_errors(form, exc) -> None:
    """A service's refusal on the fields it names (ValidationError dict, or WorkflowError.field)."""
    if isinstance(exc, WorkflowError):
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def submit(form: ApplicationForm):
    """(request, tracking code) or None with the refusal on the form; nothing saved when refused."""
    try:
        req, code = services.submit_application(
            unit=form.cleaned_data["unit"], data=form.service_data(), attachments=form.attachments(),
            channel=Channel.ONLINE,
        )
    except (ValidationError, WorkflowError) as exc:
        add_service_errors(form, exc)
        return None
    # the receipt by e-mail and SMS, with the code, goes through the outbox (notifications.applicants,
    # on disclosure's application_submitted signal)
    return req, code


@never_cache
@require_http_methods(["GET", "POST"])
def apply(request):
    if request.method == "GET":
        initial = {"unit": request.GET.get("unit")} if request.GET.get("unit") else None
        return render(request, "public/apply.html", {"form": ApplicationForm(initial=initial)})
    form = ApplicationForm(request.POST, request.FILES)
    wait = throttles.hit("submit", request)
    if wait:
        return _throttled_page(request, "public/apply.html", {"form": form}, wait)
    if form.is_valid():
        done = submit(form)
        if done is not None:
            req, code = done
            return render(request, "public/receipt.html", {"req": req, "code": code,
                                                           "email": form.cleaned_data.get("email")})
    return render(request, "public/apply.html", {"form": form, "files_dropped": form.files_were_dropped()},
                  status=400)


# --- following a request ------------------------------------------------------------------------


def _lookup(form: LookupForm):
    if not form.is_valid():
        return None
    return services.lookup_application(
        tracking_code=form.cleaned_data["tracking_code"], phone=form.cleaned_data["phone"]
    )


def _not_found(request, form):
    # One page for every miss: unknown code, wrong phone, closed submission, malformed input.
    return render(request, "public/status.html", {"form": form, "not_found": True}, status=404)


def _status_page(request, req, form, *, correction_form=None, corrected=False, status=200):
    info = services.public_status(req)
    context = {
        "form": form, "req": req, "info": info, "letters": info["letters"], "corrected": corrected,
        "masked_id": mask_id_number(req.applicant_id_number), "applicant_name": req.applicant_name,
        "code": form.cleaned_data["tracking_code"], "phone": form.cleaned_data["phone"],
        "correction_form": (
            correction_form if correction_form is not None
            else (CorrectionForm() if info.get("can_correct") else None)
        ),
    }
    return render(request, "public/status.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def status(request):
    if request.method == "GET":
        return render(request, "public/status.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    wait = throttles.hit("lookup", request)
    if wait:
        return _throttled_page(request, "public/status.html", {"form": LookupForm()}, wait)
    req = _lookup(form)
    if req is None:
        return _not_found(request, LookupForm())
    return _status_page(request, req, form)


@never_cache
@require_POST
def correct(request):
    """补正 online: the corrected application, while a correction is asked for."""
    form = LookupForm(request.POST)
    wait = throttles.hit("lookup", request) or throttles.hit("submit", request)
    if wait:
        return _throttled_page(request, "public/status.html", {"form": LookupForm()}, wait)
    req = _lookup(form)
    if req is None:
        return _not_found(request, LookupForm())
    correction = CorrectionForm(request.POST, request.FILES)
    if not services.public_status(req).get("can_correct"):
        return _status_page(request, req, form, status=409)
    if correction.is_valid():
        files = [correction.cleaned_data["file"]] if correction.cleaned_data.get("file") else []
        try:
            services.submit_correction(req=req, tracking_code=form.cleaned_data["tracking_code"],
                                       data={"content": correction.cleaned_data["content"]}, attachments=files)
        except (ValidationError, WorkflowError) as exc:
            add_service_errors(correction, exc)
        else:
            req.refresh_from_db()
            return _status_page(request, req, form, corrected=True)
    return _status_page(request, req, form, correction_form=correction, status=400)


@never_cache
@require_POST
def letter(request, document_id: int):
    """A letter issued to the applicant, when delivery is 网上领取 or 电子邮件 (the code and phone are
    POSTed again: never in a URL)."""
    form = LookupForm(request.POST)
    wait = throttles.hit("lookup", request)
    if wait:
        return _throttled_page(request, "public/status.html", {"form": LookupForm()}, wait)
    req = _lookup(form)
    document = None
    if req is not None and req.requested_delivery in DOWNLOADABLE_DELIVERY:
        document = services.letter_for_applicant(req, document_id)
    if document is None:
        return _not_found(request, LookupForm())
    data, extension, content_type = (
        (bytes(document.pdf), "pdf", "application/pdf") if document.pdf else
        (bytes(document.docx), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    audit.record(audit.AuditEntry.Action.DOWNLOAD, request=request, target=document,
                 detail={"request_id": req.pk, "name": document.number, "by": "applicant"}, via="public")
    response = HttpResponse(data, content_type=content_type)
    filename = f"{DOCUMENT_NAME.get(document.kind, 'letter')}-{document.number}.{extension}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"letter-{document.pk}.{extension}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


# --- 文书核验 ----------------------------------------------------------------------------------


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
