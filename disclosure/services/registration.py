"""登记 (Art. 31's receipt date, the reference number) and later edits of what was registered."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..access import access_for
from ..blindindex import applicant_id_hash
from ..idnumbers import InvalidIdNumber, check_id_number, is_person
from ..models import CONTENT_MAX_LENGTH, Channel, DisclosureRequest, PostKind, RequestEvent, Unit
from ..workcalendar import load_work_calendar
from ..workflow import Action, WorkflowError, derive_receipt_date, receipt_field
from .write import Actor, NotPermitted, apply_change, case_dates, check_date, deadline_fields


def format_reference(unit: Unit, year: int, seq: int) -> str:
    if unit.ref_prefix:
        return f"{unit.ref_prefix}〔{year}〕第{seq:04d}号"
    return f"{unit.code}-{year}-{seq:04d}"


def parse_reference(unit: Unit, ref: str) -> tuple[int, int] | None:
    """(year, seq) when `ref` is in the unit's own numbering, so given numbers are not handed out again."""
    if unit.ref_prefix:
        pattern = re.escape(unit.ref_prefix) + r"〔(\d{4})〕第(\d+)号"
    else:
        pattern = re.escape(unit.code) + r"-(\d{4})-(\d+)"
    match = re.fullmatch(pattern, ref)
    return (int(match[1]), int(match[2])) if match else None


def _check_id_numbers(fields: dict, applicant_type: str | None, stored: DisclosureRequest | None = None) -> None:
    """Resident ID numbers (GB 11643) and credit codes (GB 32100) must carry a correct check digit
    (a number stored before this check and left unchanged is not held against an edit)."""
    for name, person in (("applicant_id_number", is_person(applicant_type)), ("agent_id_number", True)):
        if fields.get(name) and (stored is None or fields[name] != getattr(stored, name)):
            try:
                fields[name] = check_id_number(fields[name], person=person)
            except InvalidIdNumber as exc:
                raise WorkflowError(str(exc), field=name) from None


def _check_content(fields: dict) -> None:
    content = fields.get("content")
    if content is not None and len(content) > CONTENT_MAX_LENGTH:
        raise WorkflowError(
            _("申请内容不能超过%(n)d字（现有%(len)d字）；所需文件请作为附件上传。")
            % {"n": CONTENT_MAX_LENGTH, "len": len(content)},
            field="content",
        )


def register_request(
    *, actor: Actor, unit: Unit, today: date | None = None, now: datetime | None = None, **fields: Any
) -> DisclosureRequest:
    """登记: derive the Art. 31 receipt date, number the request, compute its deadlines."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    access = access_for(actor)
    if not access.can(Action.REGISTER, unit.pk):
        raise NotPermitted(_("您没有在“%(unit)s”登记申请的权限。") % {"unit": unit.name})
    _check_id_numbers(fields, fields.get("applicant_type"))
    fields.pop("applicant_id_hash", None)  # derived, never given
    fields["applicant_id_hash"] = applicant_id_hash(fields.get("applicant_id_number"))
    _check_content(fields)
    if fields.get("channel") not in Channel.values:
        raise WorkflowError(_("请选择申请方式。"), field="channel")
    if fields["channel"] == Channel.LETTER and fields.get("post_kind") not in PostKind.values:
        # 第三十一条第二项: signed post and ordinary letters have different receipt dates
        raise WorkflowError(_("信函申请请选择邮寄方式（需签收或平常信函）。"), field="post_kind")
    if fields.get("submitted_on") is None:
        raise WorkflowError(_("请填写提交日期（当面递交、寄出或网上提交之日）。"), field="submitted_on")
    for name in ("submitted_on", "signed_for_on", "confirmed_on", "received_on"):
        if fields.get(name) is not None:
            check_date(fields[name], name)
    override = fields.pop("received_on", None)
    reason = (fields.get("receipt_override_reason") or "").strip()
    derived = derive_receipt_date(
        fields.get("channel", ""),
        fields.get("post_kind", ""),
        fields.get("submitted_on"),
        fields.get("signed_for_on"),
        fields.get("confirmed_on"),
    )
    received_on = derived
    if override is not None and override != derived:
        if not reason:
            raise WorkflowError(
                _("收到申请日期与按申请方式推算的日期（%(derived)s）不同，调整需要填写理由。") % {"derived": derived},
                field="receipt_override_reason",
            )
        received_on = override
    for name in ("submitted_on", "signed_for_on", "confirmed_on"):
        value = fields.get(name)
        if value is not None and value > today:
            raise WorkflowError(_("日期不能晚于今天。"), field=name)
    if received_on > today:
        raise WorkflowError(_("收到申请日期不能晚于今天。"), field="received_on")
    submitted_on = fields.get("submitted_on")
    if submitted_on and received_on < submitted_on:
        # name the date the clerk typed: the override, or the channel's own date
        field = (
            "received_on" if received_on != derived
            else receipt_field(fields["channel"], fields.get("post_kind", ""))
        )
        raise WorkflowError(_("收到申请日期不能早于提交日期。"), field=field)
    ref = (fields.pop("ref", "") or "").strip()
    fields.pop("status", None)
    calendar = load_work_calendar()
    seq = 0
    for _attempt in range(10):
        req = DisclosureRequest(
            unit=unit, received_on=received_on, registered_by=actor if getattr(actor, "pk", None) else None,
            created_at=now, updated_at=now, **fields
        )
        req.ref_year = received_on.year
        if not ref:
            # never retry the same number: a given reference may already hold it
            seq = max(unit.next_reference_seq(received_on.year), seq + 1)
            req.ref_seq = seq
            req.ref = format_reference(unit, received_on.year, req.ref_seq)
        else:
            req.ref = ref
            parsed = parse_reference(unit, ref)
            if parsed:
                req.ref_year, req.ref_seq = parsed
        for name, value in deadline_fields(dl.compute_deadline(case_dates(req), calendar)).items():
            setattr(req, name, value)
        try:
            with transaction.atomic():
                req.save()
                RequestEvent.objects.create(
                    request=req,
                    actor=actor,
                    action=Action.REGISTER,
                    from_status="",
                    to_status=req.status,
                    data={"ref": req.ref, "received_on": received_on.isoformat(),
                          "derived_received_on": derived.isoformat()},
                    at=now,
                )
            return req
        except IntegrityError:
            if ref:
                raise WorkflowError(_("本单位已有编号为“%(ref)s”的申请。") % {"ref": ref}, field="ref") from None
            # another clerk took the number at the same moment: take the next one
    raise WorkflowError(_("未能生成申请编号，请重试。"))


def update_registration(
    req: DisclosureRequest, *, actor: Actor, expected_version: int | None = None, now: datetime | None = None,
    **fields: Any,
) -> DisclosureRequest:
    """Edit the registration fields that may still change while the request is open."""
    editable = {
        "applicant_name", "applicant_id_number", "applicant_contact", "agent_name", "agent_id_number",
        "agent_contact", "content", "provision_form", "purpose", "applicant_type",
    }
    unknown = set(fields) - editable
    if unknown:
        raise WorkflowError(_("这些字段不能在登记后修改：%(fields)s") % {"fields": "、".join(sorted(unknown))})
    _check_id_numbers(fields, fields.get("applicant_type", req.applicant_type), stored=req)
    _check_content(fields)
    changed = {k: v for k, v in fields.items() if getattr(req, k) != v}
    data = {"fields": sorted(changed)}
    if "applicant_id_number" in changed:
        changed["applicant_id_hash"] = applicant_id_hash(changed["applicant_id_number"])
    with transaction.atomic():
        return apply_change(
            req, Action.EDIT, actor=actor, now=now, changes=changed, expected_version=expected_version, data=data,
        )
