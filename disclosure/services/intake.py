"""The applicants' side (portal.md): an online application enters as `submitted`, is looked up with
its tracking code and phone, and a corrected application is submitted online while one is asked for.

The applicant is not a user: these functions take no actor. What the staff then do with a submission
(confirm_receipt, reject_submission) are ordinary arrows of the workflow (services/receipt.py).

Tracking codes carry 80 random bits (16 characters of Crockford's base32); only an HMAC-SHA256 of
the code, keyed from settings (GONGKAI_TRACKING_KEY, else derived from SECRET_KEY), is stored, so a
copy of the database does not let anyone look a request up.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, QuerySet
from django.dispatch import Signal
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.kinds import Kind
from documents.models import Document

from ..blindindex import applicant_id_hash
from ..idnumbers import InvalidIdNumber, check_id_number, is_person
from ..keys import keyed_hash
from ..models import (
    CONTENT_MAX_LENGTH,
    ApplicantType,
    Attachment,
    Channel,
    DeliveryMethod,
    DisclosureRequest,
    ProvisionForm,
    RequestEvent,
    Unit,
)
from ..uploads import check_attachment
from ..workflow import Action, Status, target_status

# Crockford's base32: no I, L, O, U; typed look-alikes are read as the digit they resemble.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 16 × 5 = 80 bits
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

MAX_NAME = 200
MAX_CONTENT = CONTENT_MAX_LENGTH  # the same limit as a registration's (models.CONTENT_MAX_LENGTH)
MAX_ADDRESS = 200
MAX_ATTACHMENTS = 10
MARKUP_RE = re.compile(r"[<>]")
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")

# Letters the applicant receives (a 征求意见函 goes to the third party; a 送达回证 stays in the file).
APPLICANT_LETTER_KINDS = frozenset(
    {"receipt", "correction_notice", "extension_notice", "reasons_notice", "delay_notice", "fee_notice", "reply"}
)
DOWNLOADABLE_DELIVERY = frozenset({DeliveryMethod.ONLINE, DeliveryMethod.EMAIL})


# Sent inside the submitting transaction with request= and tracking_code= (the one moment the code
# exists in plain text): notifications listens, so disclosure does not depend on it.
application_submitted = Signal()


# --- tracking codes -------------------------------------------------------------------------------


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: object) -> str:
    return re.sub(r"[\s\-–—_]+", "", str(code or "")).upper().translate(_LOOKALIKES)


def tracking_hash(code: str) -> str:
    return keyed_hash("gongkai-tracking-code", "GONGKAI_TRACKING_KEY", normalise_code(code))


def normalise_phone(phone: object) -> str:
    """Digits only (and a leading +): '138 0013-8000' and '13800138000' are the same phone."""
    text = str(phone or "").strip()
    digits = re.sub(r"\D", "", text)
    return ("+" + digits) if text.startswith("+") else digits


# --- validation -----------------------------------------------------------------------------------


def _text(data: dict, name: str) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else "\x00"
    return value.strip()


def clean_application(data: dict) -> dict:
    """The application's fields as model values, or ValidationError({field: [messages]}). The checks
    are the staff form's: choices, lengths, ID check digits (idnumbers), plus no markup in names."""
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("申请内容格式不正确。")]})
    errors: dict[str, list[str]] = {}

    def err(field: str, message: Any) -> None:
        errors.setdefault(field, []).append(str(message))

    fields: dict = {}
    applicant_type = _text(data, "applicant_type")
    if applicant_type not in ApplicantType.values:
        err("applicant_type", _("请选择申请人类型。"))
    fields["applicant_type"] = applicant_type
    for name, label, required in (
        ("applicant_name", _("申请人姓名或名称"), True),
        ("agent_name", _("代理人姓名"), False),
    ):
        value = _text(data, name)
        if "\x00" in value:
            err(name, _("请填写文字。"))
        elif required and not value:
            err(name, _("请填写%(label)s。") % {"label": label})
        elif len(value) > MAX_NAME:
            err(name, _("%(label)s不能超过%(n)d个字符。") % {"label": label, "n": MAX_NAME})
        elif MARKUP_RE.search(value):
            err(name, _("%(label)s不能包含“<”或“>”。") % {"label": label})
        fields[name] = value
    applicant_is_person = is_person(applicant_type) if applicant_type in ApplicantType.values else None
    for name, person in (("applicant_id_number", applicant_is_person), ("agent_id_number", True)):
        value = _text(data, name)
        required = name == "applicant_id_number" or bool(fields.get("agent_name"))
        if "\x00" in value or len(value) > 64:
            err(name, _("证件号码格式不正确。"))
            continue
        if not value:
            if required:
                err(name, _("请填写证件号码（条例第二十九条：申请人的身份证明）。"))
            fields[name] = ""
            continue
        try:
            fields[name] = check_id_number(value, person=person)
        except InvalidIdNumber as exc:
            err(name, str(exc))
    phone = _text(data, "phone")
    if not phone:
        err("phone", _("请填写联系电话（查询办理进度时需要）。"))
    elif not PHONE_RE.match(phone) or len(normalise_phone(phone)) < 5:
        err("phone", _("联系电话格式不正确，请只填写数字。"))
    fields["applicant_phone"] = normalise_phone(phone)
    email = _text(data, "email")
    if email:
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            err("email", _("电子邮箱地址格式不正确。"))
    fields["applicant_email"] = email
    address = _text(data, "address")
    if "\x00" in address or len(address) > MAX_ADDRESS:
        err("address", _("通信地址不能超过%(n)d个字符。") % {"n": MAX_ADDRESS})
    agent_contact = _text(data, "agent_contact")
    if "\x00" in agent_contact or len(agent_contact) > 300:
        err("agent_contact", _("代理人联系方式不能超过300个字符。"))
    fields["agent_contact"] = agent_contact
    content = _text(data, "content")
    if "\x00" in content or not content:
        err("content", _("请写明申请公开的政府信息的名称、文号或者便于查询的其他特征性描述。"))
    elif len(content) > MAX_CONTENT:
        err("content", _("申请内容不能超过%(n)d个字符（现有%(len)d个）；内容较多时请上传附件。")
            % {"n": MAX_CONTENT, "len": len(content)})
    fields["content"] = content
    provision = _text(data, "provision_form")
    if provision not in ProvisionForm.values:
        err("provision_form", _("请选择政府信息的提供形式。"))
    fields["provision_form"] = provision
    delivery = _text(data, "delivery_method")
    if delivery not in DeliveryMethod.values:
        err("delivery_method", _("请选择获取信息的方式。"))
    elif delivery == DeliveryMethod.EMAIL and not email and "email" not in errors:
        err("email", _("选择电子邮件获取时请填写电子邮箱。"))
    elif delivery == DeliveryMethod.POST and not address and "address" not in errors:
        err("address", _("选择邮寄时请填写通信地址。"))
    fields["requested_delivery"] = delivery
    if errors:
        raise ValidationError(errors)
    parts = [_("电话：%(v)s") % {"v": fields["applicant_phone"]}]
    if email:
        parts.append(_("邮箱：%(v)s") % {"v": email})
    if address:
        parts.append(_("地址：%(v)s") % {"v": address})
    fields["applicant_contact"] = "；".join(parts)[:300]
    return fields


def clean_attachments(attachments: Iterable[Any]) -> list:
    """Each upload checked as a staff attachment is (type by content, size, no active markup)."""
    attachments = list(attachments or ())
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [_("最多上传%(n)d个附件。") % {"n": MAX_ATTACHMENTS}]})
    checked: list[Any] = []
    messages: list[str] = []
    for upload in attachments:
        try:
            safe_name, extension, content_type = check_attachment(upload)
        except ValidationError as exc:
            messages.extend(exc.messages)
        else:
            checked.append((upload, safe_name, content_type, extension))
    if messages:
        raise ValidationError({"attachments": messages})
    return checked


def _store_attachments(req: DisclosureRequest, checked: list[Any], *, description: str, now: datetime) -> None:
    for upload, name, content_type, extension in checked:
        attachment = Attachment(request=req, name=name, description=description, content_type=content_type,
                                size=upload.size)
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        attachment.save()
        RequestEvent.objects.create(
            request=req, actor=None, action=Action.ATTACH, from_status=req.status, to_status=req.status,
            data={"attachment": attachment.pk, "name": attachment.name, "size": attachment.size, "by": "applicant"},
            at=now,
        )


# --- the services ---------------------------------------------------------------------------------


def submit_application(
    *, unit: Unit, data: dict, attachments: Iterable[Any] = (), channel: str = Channel.ONLINE,
    now: datetime | None = None,
) -> tuple[DisclosureRequest, str]:
    """An online application, in state `submitted` until a clerk of `unit` confirms it (条例第三十一条).
    Returns (request, tracking code); the code is shown once and never stored."""
    now = now or timezone.now()
    fields = clean_application(data)
    checked = clean_attachments(attachments)
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("申请方式不正确。")]})
    day = timezone.localdate(now)
    with transaction.atomic():
        for _attempt in range(5):
            code = new_tracking_code()
            digest = tracking_hash(code)
            if not DisclosureRequest.objects.filter(tracking_hash=digest).exists():
                break
        req = DisclosureRequest(
            unit=unit, status=Status.SUBMITTED, channel=channel, submitted_on=day, received_on=day,
            submitted_at=now, tracking_hash=digest, created_at=now, updated_at=now, **fields,
        )
        # 109号's count of the same applicant (disclosure/blindindex.py), as every writer of the number
        req.applicant_id_hash = applicant_id_hash(req.applicant_id_number)
        req.save()
        RequestEvent.objects.create(
            request=req, actor=None, action=Action.SUBMIT, from_status="", to_status=Status.SUBMITTED,
            data={"channel": channel, "attachments": len(checked)}, at=now,
        )
        _store_attachments(req, checked, description=_("申请人网上提交"), now=now)
        application_submitted.send(sender=DisclosureRequest, request=req, tracking_code=code)
    return req, code


def lookup_application(*, tracking_code: str, phone: str) -> DisclosureRequest | None:
    """The request with this code and phone, or None (unknown code, wrong phone, rejected submission:
    the caller answers all three with the same 404)."""
    code = normalise_code(tracking_code)
    given = normalise_phone(phone).encode()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        hmac.compare_digest(given, b"0" * len(given))  # about the same work as a miss below
        return None
    req = DisclosureRequest.objects.select_related("unit").filter(tracking_hash=tracking_hash(code)).first()
    stored = normalise_phone(req.applicant_phone).encode() if req is not None else b""
    same = hmac.compare_digest(given, stored) if req is not None else hmac.compare_digest(given, given + b"x")
    if req is None or not same or not given or req.status == Status.REJECTED:
        return None
    return req


EXTENDED_STATES = frozenset({Status.HANDLING, Status.CONSULTING, Status.LEGAL_REVIEW, Status.SIGN_OFF,
                             Status.REVIEWING})


def public_state(req: DisclosureRequest) -> tuple[str, str]:
    """(code, plain words) of portal.md for the request's state; internal steps are not shown."""
    status = req.status
    if status == Status.SUBMITTED:
        return "submitted", _("已提交待确认")
    if status == Status.REJECTED:
        return "rejected", _("未予受理")
    if status == Status.AWAITING_CORRECTION:
        return "awaiting_correction", _("需要补正")
    if status in EXTENDED_STATES and (req.extension_days or req.delayed_until) and req.due_on:
        return "extended", _("已延期至%(day)s") % {"day": req.due_on.isoformat()}
    if status in (Status.REGISTERED, Status.REVIEWING):
        return "registered", _("已受理")
    if status in EXTENDED_STATES:
        return "handling", _("办理中")
    if status == Status.REPLIED:
        return "replied", _("已答复")
    return "concluded", _("已办结")


def _applicant_letters(req: DisclosureRequest) -> QuerySet[Document]:
    return (
        Document.objects.filter(request=req, kind__in=APPLICANT_LETTER_KINDS, replaced_by__isnull=True)
        .order_by("issued_at", "pk")
    )


def letter_download_url(req: DisclosureRequest, document: Document) -> str | None:
    """The public download address of a letter, when the applicant chose to receive letters online
    or by e-mail (portal.md) and the public side has the route ('public:letter', pweb)."""
    if req.requested_delivery not in DOWNLOADABLE_DELIVERY:
        return None
    try:
        return reverse("public:letter", args=[document.pk])
    except NoReverseMatch:
        return None


def public_status(req: DisclosureRequest) -> dict:
    """What the status page and the JSON lookup show: nothing of staff, no ID number."""
    code, label = public_state(req)
    registered = req.status not in (Status.SUBMITTED, Status.REJECTED)
    letters = []
    if registered:
        for doc in _applicant_letters(req):
            letters.append({
                "kind": doc.kind, "kind_label": str(Kind(doc.kind).label), "number": doc.number,
                "issued_on": timezone.localdate(doc.issued_at), "download_url": letter_download_url(req, doc),
            })
    return {
        "status": code,
        "status_label": str(label),
        "unit": req.unit.name,
        "ref": (req.ref or None) if registered else None,
        "submitted_on": req.submitted_on,
        "received_on": req.received_on if registered else None,
        "due_on": req.due_on if req.is_open else None,
        "letters": letters,
        "can_correct": req.status == Status.AWAITING_CORRECTION and req.online_correction_at is None,
        "correction_items": req.correction_items if req.status == Status.AWAITING_CORRECTION else "",
        "correction_period_until": req.correction_period_until if req.status == Status.AWAITING_CORRECTION else None,
        "correction_pending": req.status == Status.AWAITING_CORRECTION and req.online_correction_at is not None,
    }


def submit_correction(
    *, req: DisclosureRequest, tracking_code: str, data: dict, attachments: Iterable[Any] = (),
    now: datetime | None = None,
) -> None:
    """The corrected application, online, while a correction is asked for. It waits for a clerk to
    record its receipt (RECORD_CORRECTION on the confirmation day: the clock restarts then)."""
    now = now or timezone.now()
    if not hmac.compare_digest(tracking_hash(tracking_code), req.tracking_hash or ""):
        raise ValidationError({"tracking_code": [_("查询码不正确。")]})
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("补正内容格式不正确。")]})
    content = _text(data, "content")
    if "\x00" in content or not content:
        raise ValidationError({"content": [_("请填写补正的内容。")]})
    if len(content) > MAX_CONTENT:
        raise ValidationError({"content": [_("补正内容不能超过%(n)d个字符。") % {"n": MAX_CONTENT}]})
    checked = clean_attachments(attachments)
    with transaction.atomic():
        current = DisclosureRequest.objects.select_for_update().get(pk=req.pk)
        if current.status != Status.AWAITING_CORRECTION or current.online_correction_at is not None:
            raise ValidationError({"__all__": [_("该申请目前不需要补正，或补正已提交待确认。")]})
        target_status(Action.SUBMIT_CORRECTION, current.status)
        rows = DisclosureRequest.objects.filter(pk=req.pk, version=current.version, status=current.status).update(
            online_correction_at=now, version=F("version") + 1, updated_at=now,
        )
        if rows != 1:
            raise ValidationError({"__all__": [_("申请状态已变化，请刷新页面后重试。")]})
        RequestEvent.objects.create(
            request=current, actor=None, action=Action.SUBMIT_CORRECTION, from_status=current.status,
            to_status=current.status,
            data={"content": content, "attachments": len(checked), "round": current.correction_rounds}, at=now,
        )
        _store_attachments(current, checked, description=_("申请人网上提交的补正材料"), now=now)
    req.online_correction_at = now
    req.version = current.version + 1


def letter_for_applicant(req: DisclosureRequest, document_id: Any) -> Document | None:
    """A letter issued to this applicant, or None (another request's, a third party's, not issued)."""
    if req.status in (Status.SUBMITTED, Status.REJECTED):
        return None
    try:
        document_id = int(document_id)
    except (TypeError, ValueError):
        return None
    return _applicant_letters(req).filter(pk=document_id).first()
