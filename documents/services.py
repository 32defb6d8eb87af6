"""Drafts and issued documents: the only writer of documents (letters.md).

- A draft is rendered from the record whenever asked and takes no number.
- `issue_document` takes the next 文号 of the unit, family and year inside one transaction,
  renders the DOCX from the same context as the draft (with the unit's own template, if any),
  stores its bytes and SHA-256, appends an event and hands the PDF conversion to a worker once the
  transaction has committed. A refusal anywhere rolls the whole transaction back: no number is
  consumed by an issue that did not happen, and a number once stored is never given again.
- A correction is a new document (a new number) that names the one it replaces, with a reason.

文号 prefix: the unit's `letter_prefix`; a unit without one uses its reference prefix without the
trailing 开 (金东公开 → 金东公), and a unit with neither is refused with a message saying what to fill in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.broker import send_now
from disclosure.access import access_for
from disclosure.models import Consultation, DisclosureRequest, FeeNotice, RequestEvent, Unit
from disclosure.services.decision import record_letter_number, reply
from disclosure.services.write import NotPermitted
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Action, InvalidTransition, WorkflowError
from security import audit
from security.models import AuditEntry

from . import context as letter_context
from . import pdf as letter_pdf
from . import render
from .kinds import DOCUMENT_NAME, FAMILY, Kind
from .models import Document, LetterCounter, LetterTemplate, new_verification_code
from .tasks import convert_document_pdf

logger = logging.getLogger(__name__)

# Who may issue: the acting roles of the request's unit (the reply and its 送达回证: those who reply).
ISSUE_ROLES = frozenset({"clerk", "reviewer", "head"})
REPLY_ROLES = frozenset({"clerk", "head"})
TARGETED = {Kind.CONSULTATION_LETTER: Consultation, Kind.FEE_NOTICE: FeeNotice}
FORMATS = ("txt", "docx", "pdf")
CONTENT_TYPES = {
    "txt": "text/plain; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


# A draft's PDF is converted within the web request: LibreOffice gets this long (seconds).
DRAFT_PDF_TIMEOUT = settings.GONGKAI_PDF_TIMEOUT


class PdfNotAvailable(WorkflowError):
    """No PDF can be made here (LibreOffice is missing) or now (the conversion failed): the message
    says what to do; DOCX and txt still work."""


# --- the 文号 ---------------------------------------------------------------------------------------


def letter_prefix(unit: Unit) -> str:
    prefix = (unit.letter_prefix or "").strip()
    if not prefix:
        prefix = (unit.ref_prefix or "").strip().removesuffix("开")
    if not prefix:
        raise WorkflowError(
            _("单位“%(unit)s”没有文号前缀：请系统管理员在单位设置中填写“文号前缀”（例如“金东公”）。")
            % {"unit": unit.name},
            field="letter_prefix",
        )
    return prefix


def format_number(prefix: str, family: str, year: int, seq: int) -> str:
    """金东公复〔2026〕12号 (GB/T 9704-2012: the year in 六角括号, the sequence without leading zeros)."""
    return f"{prefix}{family}〔{year}〕{seq}号"


def take_number(unit: Unit, family: str, year: int) -> int:
    """The next sequence of (unit, family, year). Call inside the issuing transaction: the UPDATE
    locks the counter row (PostgreSQL: until commit; SQLite: the write transaction is serialised),
    so two issuers never read the same value, and a rollback returns the number untaken."""
    for _attempt in range(5):
        counter = LetterCounter.objects.filter(unit=unit, family=family, year=year)
        if counter.update(last=F("last") + 1):
            return counter.values_list("last", flat=True).get()
        seen = Document.objects.filter(unit=unit, family=family, year=year).aggregate(m=Max("seq"))["m"] or 0
        try:
            with transaction.atomic():
                LetterCounter.objects.create(unit=unit, family=family, year=year, last=seen + 1)
            return seen + 1
        except IntegrityError:
            continue  # another issuer created the counter first: take the next one from it
    raise WorkflowError(_("文号取号冲突，请重试。"))


# --- what may be issued -----------------------------------------------------------------------------


def _kind(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise WorkflowError(_("没有“%(kind)s”这种文书。") % {"kind": kind}, field="kind") from None


def check_may_issue(actor, req: DisclosureRequest, kind: str) -> None:
    access = access_for(actor)
    roles = REPLY_ROLES if kind in (Kind.REPLY, Kind.DELIVERY_RECEIPT) else ISSUE_ROLES
    if not (access.is_admin or access.roles_in(req.unit_id) & roles):
        raise NotPermitted(_("您没有在本单位出具文书的权限。"))


def not_issuable_yet(req: DisclosureRequest, kind: str) -> str:
    """Why a letter whose record is complete still may not be issued now ("" when it may): the 答复书
    belongs to the 签发 — in legal review or awaiting sign-off its draft is the head's preview, and
    issuing it would take the reply's 文号 before anyone signed."""
    if kind == Kind.REPLY and req.concluded_on is None:
        return _("答复书在签发（答复）时出具：该申请尚未答复，目前只能预览草稿。")
    return ""


def resolve_target(req: DisclosureRequest, kind: str, target=None):
    """The consultation or fee notice a 征求意见函 / 收费通知书 is about: the one given (an id or an
    object of this request), else the latest."""
    model = TARGETED.get(kind)
    if model is None:
        return None
    rows = model.objects.filter(request=req)
    if target is None or target == "":
        return rows.order_by("-pk").first()
    pk = getattr(target, "pk", target)
    try:
        return rows.get(pk=int(pk))
    except (model.DoesNotExist, ValueError, TypeError):
        raise WorkflowError(_("该申请没有这条记录。"), field="target") from None


def live_documents(req: DisclosureRequest, kind: str | None = None):
    """Issued and not replaced by a later one."""
    qs = Document.objects.filter(request=req, replaced_by__isnull=True)
    return qs.filter(kind=kind) if kind else qs


def live_document(req, kind: str, target=None) -> Document | None:
    qs = live_documents(req, kind)
    if kind == Kind.CONSULTATION_LETTER:
        qs = qs.filter(consultation=target)
    elif kind == Kind.FEE_NOTICE:
        qs = qs.filter(fee_notice=target)
    return qs.order_by("-issued_at", "-pk").first()


def check_letter_date(req: DisclosureRequest, kind: str, on: date | None, today: date) -> None:
    """A date given for a letter: not before the request was received, not after today, and for a
    答复书 its reply date (letters.md's 落款) — another date would choose the remedy clause of another
    law (before or after 2024-01-01) than the reply's."""
    if on is None:
        return
    if kind == Kind.REPLY and req.concluded_on is not None and on != req.concluded_on:
        raise WorkflowError(
            _("答复书的成文日期即答复日期（%(day)s），不能另填。") % {"day": req.concluded_on.isoformat()}, field="on"
        )
    if req.received_on is not None and on < req.received_on:
        raise WorkflowError(_("成文日期不能早于收到申请日期（%(day)s）。") % {"day": req.received_on.isoformat()},
                            field="on")
    if on > today:
        raise WorkflowError(_("成文日期不能晚于今天。"), field="on")


def letter_date(req: DisclosureRequest, kind: str, on: date | None, today: date, target=None) -> date:
    """The day given, else the day of the step the letter belongs to (a reply: its reply date; a
    correction notice: the day it was asked for…), else today."""
    return on or letter_context.step_date(req, kind, target) or today


def build_context(req, kind: str, *, on=None, target=None, number="", verification_code="", calendar=None):
    """context_for, with 'does not apply' as a WorkflowError naming what is missing."""
    try:
        return letter_context.context_for(
            req, kind, on=on, target=target, number=number, verification_code=verification_code,
            calendar=calendar or load_work_calendar(),
        )
    except letter_context.LetterNotApplicable as exc:
        raise WorkflowError(str(exc), field="kind") from None


def _refuse_incomplete(ctx, kind: str) -> None:
    if ctx.missing:
        raise WorkflowError(
            _("“%(kind)s”还缺少：%(missing)s。补全后才能出具（草稿中以【待填写】标出）。")
            % {"kind": Kind(kind).label, "missing": "、".join(ctx.missing) or _("记录中的内容")},
            field="kind",
        )


def unit_template(unit: Unit, kind: str) -> bytes | None:
    row = LetterTemplate.objects.filter(unit=unit, kind=kind).only("data").first()
    return bytes(row.data) if row is not None else None


def _render_docx(ctx, req, kind: str) -> bytes:
    try:
        return render.render_docx(ctx, unit_template(req.unit, kind))
    except WorkflowError:
        raise
    except Exception as exc:  # a unit template that passed its upload check and still fails
        logger.exception("rendering %s for request %s failed", kind, req.pk)
        raise WorkflowError(_("文书生成失败：%(error)s") % {"error": exc}, field="kind") from None


# --- issuing ----------------------------------------------------------------------------------------


def issue_document(req: DisclosureRequest, kind: str, *, actor, on: date | None = None, target=None,
                   reason: str = "", replaces: Document | None = None, now: datetime | None = None,
                   today: date | None = None, queue_pdf: bool = True) -> Document:
    """Take the 文号, render and store the DOCX, append the event; the PDF follows from a worker
    (queue_pdf=False: only when asked, e.g. for the demo data's hundreds of letters)."""
    kind = _kind(kind)
    check_may_issue(actor, req, kind)
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    reason = (reason or "").strip()
    if replaces is not None:
        if replaces.request_id != req.pk or replaces.kind != kind:
            raise WorkflowError(_("只能替代本申请同类的文书。"), field="replaces")
        if not reason:
            raise WorkflowError(_("重新出具须写明理由。"), field="reason")
        limit = Document._meta.get_field("reissue_reason").max_length
        if len(reason) > limit:
            raise WorkflowError(_("重新出具的理由不能超过%(limit)s字。") % {"limit": limit}, field="reason")
    with transaction.atomic():
        # one issuer per request at a time: two clicks on 出具 cannot both pass the check below
        locked = DisclosureRequest.objects.select_for_update().filter(pk=req.pk).first()
        if locked is None:
            raise WorkflowError(_("没有找到该申请。"))
        target = resolve_target(
            req, kind, target if replaces is None else (replaces.consultation or replaces.fee_notice)
        )
        current = live_document(req, kind, target)
        if replaces is None and current is not None:
            raise WorkflowError(
                _("已出具“%(kind)s”（%(number)s）；如需更正，请重新出具并写明理由。")
                % {"kind": Kind(kind).label, "number": current.number},
                field="kind",
            )
        if replaces is not None and (current is None or current.pk != replaces.pk):
            raise WorkflowError(_("该文书已被替代，请在最新的文书上重新出具。"), field="replaces")
        check_letter_date(locked, kind, on, today)
        calendar = load_work_calendar()
        dated_on = letter_date(req, kind, on, today, target)
        _refuse_incomplete(build_context(req, kind, on=dated_on, target=target, calendar=calendar), kind)
        not_yet = not_issuable_yet(locked, kind)
        if not_yet:
            raise InvalidTransition(not_yet, field="kind")
        family, year, seq = FAMILY.get(kind, ""), None, None
        if family:
            prefix, year = letter_prefix(req.unit), dated_on.year
            seq = take_number(req.unit, family, year)
            number = format_number(prefix, family, year, seq)
        else:  # 送达回证: the number of the reply it delivers
            reply = live_document(req, Kind.REPLY)
            if reply is None:
                raise WorkflowError(_("请先出具答复书，再出具送达回证。"), field="kind")
            number = reply.number
        code = new_verification_code()
        ctx = build_context(req, kind, on=dated_on, target=target, number=number, verification_code=code,
                            calendar=calendar)
        _refuse_incomplete(ctx, kind)
        docx = _render_docx(ctx, req, kind)
        document = Document.objects.create(
            kind=kind, request=req, unit=req.unit, number=number, family=family, year=year, seq=seq,
            addressee=str(getattr(ctx, "fields", {}).get("addressee", "") or req.applicant_name)[:200],
            dated_on=dated_on, docx=docx, docx_sha256=render.sha256(docx), issued_by=actor, issued_at=now,
            replaces=replaces, reissue_reason=reason if replaces is not None else "", verification_code=code,
            consultation=target if kind == Kind.CONSULTATION_LETTER else None,
            fee_notice=target if kind == Kind.FEE_NOTICE else None,
        )
        data = {"document": DOCUMENT_NAME[kind], "document_id": document.pk, "number": number}
        if replaces is not None:
            data.update(replaces=replaces.number, reason=reason)
        RequestEvent.objects.create(request=req, actor=actor, action=Action.ISSUE_DOCUMENT,
                                    from_status=req.status, to_status=req.status, data=data, at=now)
        if kind == Kind.REPLY:
            record_letter_number(req, number=number, now=now)
        if queue_pdf:
            transaction.on_commit(lambda: send_now(convert_document_pdf, document.pk))
    return document


def reissue_document(document: Document, *, actor, reason: str, now=None, today=None) -> Document:
    """更正: a new document, a new number, naming the one it replaces and why."""
    return issue_document(document.request, document.kind, actor=actor, replaces=document, reason=reason,
                          now=now, today=today)


def retry_pdf(document: Document, *, actor) -> bool:
    """重试: hand a failed (or never converted) PDF to the worker again."""
    check_may_issue(actor, document.request, document.kind)
    if document.pdf_sha256:
        return True
    return send_now(convert_document_pdf, document.pk)


def sign_reply(req: DisclosureRequest, *, actor, replied_on: date, outcome: str | None = None,
               reply_data: dict | None = None, issue_letter: bool = True, today=None, now=None,
               expected_version=None, queue_pdf: bool = True) -> Document | None:
    """签发: the reply (disclosure.services.reply) and its 答复书 in one transaction — a reply whose
    letter cannot be issued is not signed, and the 答复书文号 is the number taken."""
    reply_data = dict(reply_data or {})
    if issue_letter:
        reply_data.pop("letter_number", None)  # the number is the one the 答复书 takes, never typed
    with transaction.atomic():
        reply(req, actor=actor, outcome=outcome, replied_on=replied_on, reply_data=reply_data,
              today=today, now=now, expected_version=expected_version)
        if not issue_letter:
            return None
        return issue_document(req, Kind.REPLY, actor=actor, now=now, today=today, queue_pdf=queue_pdf)


# --- drafts and files -------------------------------------------------------------------------------


@dataclass
class LetterFile:
    data: bytes
    content_type: str
    filename: str


def _filename(req, kind: str, fmt: str, number: str = "") -> str:
    stem = f"{req.ref or req.pk}-{DOCUMENT_NAME[kind]}"
    if number:
        stem = f"{number}-{DOCUMENT_NAME[kind]}"
    return f"{stem}.{fmt}".replace("/", "_")


def check_format(fmt: str | None, allowed=FORMATS) -> str:
    fmt = (fmt or "txt").strip().lower()
    if fmt not in allowed:
        raise WorkflowError(_("格式只能是 %(formats)s。") % {"formats": "、".join(allowed)}, field="format")
    return fmt


def to_pdf(docx: bytes) -> bytes:
    try:
        return letter_pdf.docx_to_pdf(docx, timeout=DRAFT_PDF_TIMEOUT)
    except letter_pdf.PdfUnavailable as exc:
        raise PdfNotAvailable(str(exc)) from None
    except letter_pdf.PdfFailed as exc:
        raise PdfNotAvailable(_("PDF 转换失败：%(error)s") % {"error": exc}) from None


def draft_file(req: DisclosureRequest, kind: str, fmt: str = "txt", *, on=None, target=None, today=None) -> LetterFile:
    """The draft from the record now, as txt, DOCX or PDF (the PDF converted here, with a time limit)."""
    kind = _kind(kind)
    fmt = check_format(fmt)
    today = today or timezone.localdate()
    target = resolve_target(req, kind, target)
    ctx = build_context(req, kind, on=letter_date(req, kind, on, today, target), target=target)
    if fmt == "txt":
        return LetterFile(render.render_txt(ctx).encode("utf-8"), CONTENT_TYPES["txt"], _filename(req, kind, "txt"))
    docx = _render_docx(ctx, req, kind)
    if fmt == "docx":
        return LetterFile(docx, CONTENT_TYPES["docx"], _filename(req, kind, "docx"))
    return LetterFile(to_pdf(docx), CONTENT_TYPES["pdf"], _filename(req, kind, "pdf"))


def issued_file(document: Document, fmt: str) -> LetterFile:
    """The stored bytes: DOCX always; PDF once the worker has made it (else PdfNotAvailable saying why)."""
    fmt = check_format(fmt, ("docx", "pdf", "txt"))
    req = document.request
    if fmt == "docx":
        return LetterFile(
            bytes(document.docx), CONTENT_TYPES["docx"], _filename(req, document.kind, "docx", document.number)
        )
    if fmt == "txt":
        # the text of what was issued, read from the stored DOCX: a record edited since cannot change it
        return LetterFile(render.docx_text(bytes(document.docx)).encode("utf-8"), CONTENT_TYPES["txt"],
                          _filename(req, document.kind, "txt", document.number))
    if document.pdf_sha256:
        return LetterFile(
            bytes(document.pdf), CONTENT_TYPES["pdf"], _filename(req, document.kind, "pdf", document.number)
        )
    if document.pdf_error:
        raise PdfNotAvailable(
            _("PDF 生成失败：%(error)s。DOCX 已出具，可下载；请重试生成 PDF。") % {"error": document.pdf_error}
        )
    raise PdfNotAvailable(_("PDF 正在生成，请稍后再试；DOCX 已出具，可下载。"))


def record_download(document: Document, fmt: str, *, request=None, actor=None) -> None:
    """Every download of an issued document: an audit row and an event on the request."""
    user = actor or getattr(request, "user", None)
    audit.record(AuditEntry.Action.DOWNLOAD, request=request, user=user, target=document,
                 detail={"what": "document", "request_id": document.request_id, "number": document.number,
                         "format": fmt})
    RequestEvent.objects.create(
        request=document.request, actor=user if getattr(user, "pk", None) else None,
        action=Action.DOWNLOAD_DOCUMENT, from_status=document.request.status, to_status=document.request.status,
        data={"document": DOCUMENT_NAME[document.kind], "document_id": document.pk, "number": document.number,
              "format": fmt},
    )


# --- what a request offers now ------------------------------------------------------------------------


@dataclass
class DraftInfo:
    kind: str
    label: str
    target: object | None
    missing: list
    issued: Document | None
    not_yet: str = ""

    @property
    def can_issue(self) -> bool:
        return not self.missing and self.issued is None and not self.not_yet


def drafts_available(req: DisclosureRequest, *, today=None) -> list[DraftInfo]:
    """For each kind (and each consultation / fee notice) that applies to the request now: its draft's
    state (what is missing) and the issued document, if any."""
    today = today or timezone.localdate()
    calendar = load_work_calendar()
    result = []
    for kind in Kind:
        model = TARGETED.get(kind)
        targets = list(model.objects.filter(request=req).order_by("pk")) if model else [None]
        for target in targets:
            try:
                ctx = letter_context.context_for(
                    req, kind, on=letter_date(req, kind, None, today, target), target=target, calendar=calendar
                )
            except letter_context.LetterNotApplicable:
                continue
            missing = list(ctx.missing)
            result.append(DraftInfo(kind=kind.value, label=str(kind.label), target=target, missing=missing,
                                    issued=live_document(req, kind, target), not_yet=not_issuable_yet(req, kind)))
    return result
