"""The one context every format of a letter renders (STYLE.md): context_for(request, kind).

The DOCX template, the PDF made from that DOCX and the txt all read LetterContext.fields, so no
format can say something the others do not. Every name, date and deadline comes from the record:
the deadlines from the stored deadline fields (kept by the deadline engine) or, where a stored
field holds a later date than the letter's own (an extension notice after a 第三十五条 delay), from
disclosure.deadlines itself — never counted here.

The letter is Chinese whatever the reader's language; only the refusal (LetterNotApplicable) is
a UI message and goes through gettext.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosure import deadlines as dl
from disclosure.models import ApplicantType, Consultation, FeeNotice, ProvisionForm
from disclosure.services.write import case_dates
from disclosure.workcalendar import load_work_calendar
from disclosure.workflow import Action, Outcome

from . import rules
from .kinds import DOCUMENT_NAME, FAMILY, Kind
from .rules import REGULATION, format_cn_date


class LetterNotApplicable(Exception):
    """The request's record cannot produce this letter; the message (Chinese, or the reader's
    language) names what is missing."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


def placeholder(what: str) -> str:
    """What the record does not hold, marked so that the letter cannot pass for finished."""
    return f"【待填写：{what}】"


# Field name → what it is: the list the admin shows beside a template upload, and the only names a
# unit's own template may use (render.check_template).
TEMPLATE_FIELDS: dict[str, str] = {
    "kind": gettext_lazy("文书种类代码"),
    "document_name": gettext_lazy("文书名称"),
    "unit_name": gettext_lazy("单位名称"),
    "title": gettext_lazy("标题（单位名称＋文书名称）"),
    "number": gettext_lazy("文号（草稿为空）"),
    "number_line": gettext_lazy("文号行（草稿显示“草稿，签发时编号”）"),
    "is_draft": gettext_lazy("是否草稿"),
    "addressee": gettext_lazy("称谓（收件人）"),
    "request_ref": gettext_lazy("申请编号"),
    "received_on": gettext_lazy("收到申请日期"),
    "channel": gettext_lazy("申请方式"),
    "content": gettext_lazy("申请内容"),
    "opening": gettext_lazy("收件陈述段落"),
    "body": gettext_lazy("正文段落（列表）"),
    "legal_basis": gettext_lazy("法律依据（条例条款）"),
    "reasons": gettext_lazy("理由"),
    "remedy": gettext_lazy("救济告知"),
    "reconsideration_body": gettext_lazy("行政复议机关"),
    "deadline": gettext_lazy("本文书所称期限"),
    "reply_due_on": gettext_lazy("答复期限"),
    "correction_period_until": gettext_lazy("补正期限"),
    "extended_due_on": gettext_lazy("延长后的答复期限"),
    "delayed_until": gettext_lazy("延迟答复期限"),
    "payment_due_on": gettext_lazy("缴费期限"),
    "consultation_due_on": gettext_lazy("征求意见答复期限"),
    "outcome": gettext_lazy("办理结果"),
    "delivered_document": gettext_lazy("送达的文书（名称和文号）"),
    "delivery_method": gettext_lazy("送达方式"),
    "delivered_on": gettext_lazy("送达日期"),
    "signature": gettext_lazy("落款单位"),
    "letter_date": gettext_lazy("落款日期"),
    "verification_code": gettext_lazy("验证码"),
    "verify_url": gettext_lazy("验证网址"),
    "qr_code": gettext_lazy("验证二维码图片"),
    "missing": gettext_lazy("待填写的内容（列表）"),
}


@dataclass
class LetterContext:
    kind: str
    fields: dict[str, object]
    missing: list[str] = field(default_factory=list)
    is_draft: bool = True

    @property
    def can_issue(self) -> bool:
        return not self.missing


# --- the pieces of a letter ------------------------------------------------------------------

CHANNEL_PHRASE = {
    "in_person": "当面提交",
    "letter": "以信函方式提交",
    "online": "通过互联网提交",
    "fax": "通过传真提交",
    "email": "通过电子邮件提交",
    "other": "提交",
}

PROVISION_PHRASE = {
    ProvisionForm.PAPER: "以纸质形式向您提供，详见附件",
    ProvisionForm.EMAIL: "通过电子邮件向您提供",
    ProvisionForm.DISC: "以光盘形式向您提供",
    ProvisionForm.INSPECTION: "请您于收到本答复书之日起15个工作日内，在工作时间到本机关当场查阅、抄录",
    ProvisionForm.OTHER: "向您提供，详见附件",
}

REFUSAL_GROUND = {
    Outcome.REFUSED_STATE_SECRET: "属于依法确定为国家秘密的政府信息",
    Outcome.REFUSED_LAW_PROHIBITED: "属于法律、行政法规禁止公开的政府信息",
    Outcome.REFUSED_SECURITY_STABILITY: "公开后可能危及国家安全、公共安全、经济安全、社会稳定",
    Outcome.REFUSED_THIRD_PARTY: "涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害",
    Outcome.REFUSED_INTERNAL_AFFAIRS: "属于行政机关的内部事务信息",
    Outcome.REFUSED_PROCESS_INFO: "属于行政机关在履行行政管理职能过程中形成的过程性信息",
    Outcome.REFUSED_ENFORCEMENT_FILE: "属于行政执法案卷信息",
    Outcome.REFUSED_QUERY_MATTER: "属于行政查询事项",
}


class _Builder:
    """Collects the fields of one letter, marking what a ledger-imported request does not hold."""

    def __init__(self, req, kind: str, imported: bool):
        self.req, self.kind, self.imported = req, kind, imported
        self.missing: list[str] = []

    def need(self, value, what: str, refusal: str) -> str:
        """The value, or — for an imported request — a 【待填写】 mark; else the letter cannot be made."""
        text = str(value or "").strip()
        if text:
            return text
        if self.imported:
            self.missing.append(what)
            return placeholder(what)
        raise LetterNotApplicable(refusal)

    def mark(self, what: str) -> str:
        self.missing.append(what)
        return placeholder(what)


def _unit_chain(unit) -> list[rules.UnitInfo]:
    chain, seen = [], set()
    while unit is not None and unit.pk not in seen:
        seen.add(unit.pk)
        chain.append(rules.UnitInfo(name=unit.name, kind=unit.kind))
        unit = unit.parent
    return chain


def _you(req) -> str:
    return "您" if req.applicant_type == ApplicantType.NATURAL_PERSON else "贵单位"


def _opening(req) -> str:
    ref = f"（申请编号：{req.ref}）" if req.ref else ""
    return (
        f"本机关于{format_cn_date(req.received_on)}收到{_you(req)}{CHANNEL_PHRASE.get(req.channel, '提交')}的"
        f"政府信息公开申请{ref}，申请公开“{req.content.strip()}”。"
    )


def _is_imported(req) -> bool:
    if not req.pk:
        return False
    return req.events.filter(action=Action.IMPORT).exists()


def _provision(req, data: dict) -> str:
    route = str(data.get("provision_route") or "").strip()
    if route:
        return route
    return PROVISION_PHRASE.get(req.provision_form, "向您提供，详见附件")


def _reply_body(b: _Builder, req) -> tuple[list[str], str]:
    """The decision paragraphs of a reply per outcome, and the reasons printed."""
    outcome, data = req.outcome, req.reply_data or {}
    basis = rules.legal_basis_sentence(outcome)
    reason_text = ""
    you = _you(req)

    def reason(what=None):
        nonlocal reason_text
        label = what or "不予公开的理由"
        reason_text = b.need(
            data.get("reason"),
            label,
            _("办理结果“%(outcome)s”的答复书需要写明理由，请先在答复要素中填写理由。")
            % {"outcome": Outcome(outcome).label},
        )
        return reason_text

    if outcome == Outcome.ALREADY_PUBLIC:
        route = b.need(data.get("access_route"), "获取途径",
                       _("“已主动公开”的答复书需要写明获取途径（网址或栏目）。"))
        paras = [f"{you}申请公开的政府信息已经主动公开。{basis}，现告知{you}获取该政府信息的方式和途径：{route}。"]
    elif outcome == Outcome.GRANTED:
        paras = [f"{you}申请公开的政府信息属于可以公开的政府信息。{basis}，本机关予以公开，现{_provision(req, data)}。"]
    elif outcome == Outcome.PARTIAL:
        withheld = b.need(data.get("withheld_parts"), "不予公开的内容",
                          _("“部分公开”的答复书需要写明不予公开的内容。"))
        why = reason("不予公开部分的理由")
        paras = [
            f"{you}申请公开的政府信息中含有不应当公开的内容，但能够作区分处理。{basis}，"
            f"本机关向{you}提供可以公开的内容，现{_provision(req, data)}。",
            f"其中，{withheld}不予公开，理由是：{why.rstrip('。')}。",
        ]
    elif outcome in REFUSAL_GROUND:
        why = reason()
        paras = [
            f"经审查，{you}申请公开的政府信息{REFUSAL_GROUND[outcome]}。{basis}，本机关决定不予公开。",
            f"理由：{why.rstrip('。')}。",
        ]
    elif outcome == Outcome.UNAVAILABLE_NOT_HELD:
        paras = [f"经检索，本机关没有{you}申请公开的政府信息。{basis}，现告知{you}该政府信息不存在。"]
    elif outcome == Outcome.NOT_THIS_AGENCY:
        body = b.need(data.get("competent_body"), "负责公开的行政机关",
                      _("“不属于本机关负责公开”的答复书需要写明负责公开的行政机关。"))
        contact = str(data.get("competent_contact") or "").strip()
        contact = f"，联系方式：{contact}" if contact else ""
        extra = str(data.get("reason") or "").strip()
        extra = f"理由：{extra.rstrip('。')}。" if extra else ""
        paras = [
            f"经审查，{you}申请公开的政府信息不属于本机关负责公开。{extra}{basis}，现告知{you}："
            f"负责公开该政府信息的行政机关为{body}{contact}，{you}可以向该机关提出申请。"
        ]
    elif outcome == Outcome.NOT_PROCESSED_DUPLICATE:
        earlier = b.need(data.get("earlier_request"), "此前的申请编号",
                         _("“重复申请”的答复书需要写明此前的申请编号。"))
        paras = [
            f"本机关已就{you}此前提出的政府信息公开申请（申请编号：{earlier}）作出答复，"
            f"{you}本次重复申请公开相同的政府信息。{basis}，本机关不予重复处理。"
        ]
    elif outcome == Outcome.NOT_PROCESSED_CONFIRM:
        paras = [f"{you}本次申请要求本机关确认或者重新出具{you}已经获取的政府信息。{basis}，本机关不予重复处理。"]
    elif outcome == Outcome.SPECIAL_ACCESS:
        paras = [
            f"{you}申请公开的信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定。"
            f"{basis}，请{you}依照有关法律、行政法规的规定办理。"
        ]
    elif outcome == Outcome.UNAVAILABLE_NEEDS_CREATION:
        paras = [
            f"经审查，{you}申请公开的信息需要本机关对现有政府信息进行加工、分析后方能形成，本机关没有现成的信息。"
            f"{basis}，本机关不予提供。"
        ]
    elif outcome == Outcome.UNAVAILABLE_UNCLEAR:
        asked = format_cn_date(req.correction_requested_on)
        asked = f"于{asked}" if asked else ""
        paras = [
            f"本机关已{asked}告知{you}对申请作出补正，补正后的申请内容仍不明确，本机关无法确定{you}申请公开的政府信息。"
            f"{basis}，本机关无法按照{you}的申请提供政府信息。"
        ]
    elif outcome == Outcome.NOT_PROCESSED_PETITION:
        paras = [
            f"{you}以政府信息公开申请的形式提出的是信访、投诉、举报等事项。{basis}，"
            f"本机关不作为政府信息公开申请处理，{you}可以通过信访、投诉、举报等相应渠道提出。"
        ]
    elif outcome == Outcome.NOT_PROCESSED_PUBLICATION:
        route = str(data.get("access_route") or "").strip() or "可以通过公开发行渠道购买或者到公共图书馆查阅"
        paras = [
            f"{you}申请获取的是政府公报、报刊、书籍等公开出版物。{basis}，现告知{you}获取的途径：{route.rstrip('。')}。"
        ]
    elif outcome == Outcome.NOT_PROCESSED_EXCESSIVE:
        asked = format_cn_date(req.reasons_requested_on)
        asked = f"已于{asked}要求{you}说明理由，" if asked else ""
        paras = [
            f"{you}申请公开政府信息的数量、频次明显超过合理范围，本机关{asked}认为申请理由不合理。{basis}，本机关不予处理。"
        ]
    elif outcome == Outcome.OTHER:
        what = reason("处理情况")
        paras = [f"{what.rstrip('。')}。"]
    else:  # pragma: no cover - every outcome is listed above or refused before
        raise LetterNotApplicable(_("该办理结果没有答复书。"))
    return paras, reason_text


def step_date(req, kind: str, target=None) -> date | None:
    """The date of the step a letter belongs to (its default date), or None when not yet taken."""
    return _letter_date(req, kind, target)


def _letter_date(req, kind: str, target) -> date | None:
    return {
        Kind.RECEIPT: req.received_on,
        Kind.CORRECTION_NOTICE: req.correction_requested_on,
        Kind.CONSULTATION_LETTER: getattr(target, "sent_on", None),
        Kind.EXTENSION_NOTICE: req.extension_notified_on or req.extension_approved_on,
        Kind.REASONS_NOTICE: req.reasons_requested_on,
        Kind.DELAY_NOTICE: req.delay_notified_on,
        Kind.FEE_NOTICE: getattr(target, "notice_on", None),
        Kind.REPLY: req.concluded_on,
        Kind.DELIVERY_RECEIPT: req.delivered_on or req.concluded_on,
    }[kind]


def _possible_dates(req, kind: str) -> tuple[date, date | None]:
    """The earliest and latest day an undated letter can bear: from the receipt to the deadline it
    had to come before (an extension or a later date: the running deadline; else the conclusion)."""
    if kind == Kind.EXTENSION_NOTICE:
        return req.received_on, req.base_due_on or req.due_on
    if kind == Kind.DELAY_NOTICE:
        return req.reasons_requested_on or req.received_on, req.due_on
    return req.received_on, req.concluded_on or req.due_on


def _era_of(first: date, last: date | None) -> date | None:
    """A date standing for [first, last] under the remedy rules, or None when the range spans 2024-01-01."""
    if last is None:
        return None
    before = last < rules.NEW_RECONSIDERATION_LAW
    return last if before == (first < rules.NEW_RECONSIDERATION_LAW) else None


def _extended_due_on(req, calendar) -> date | None:
    """The reply deadline after the 第三十三条 extension: the stored due_on, unless a 第三十五条 later
    date has replaced it since — then the engine's date without that later date."""
    if req.delayed_until is None or req.due_on is None or req.due_on != req.delayed_until:
        return req.due_on
    dates = dataclasses.replace(case_dates(req), delayed_until=None)
    return dl.compute_deadline(dates, calendar or load_work_calendar()).due_on


def _target(req, kind: str, target):
    if kind == Kind.CONSULTATION_LETTER:
        if target is None:
            target = req.consultations.order_by("-sent_on", "-id").first() if req.pk else None
        if target is None:
            raise LetterNotApplicable(_("该申请没有征求意见记录，不能生成征求意见函。"))
        if not isinstance(target, Consultation) or target.request_id != req.pk:
            raise LetterNotApplicable(_("所选的征求意见不属于该申请。"))
    elif kind == Kind.FEE_NOTICE:
        if target is None:
            target = req.fee_notices.order_by("-notice_on", "-id").first() if req.pk else None
        if target is None:
            raise LetterNotApplicable(_("该申请没有收费通知记录，不能生成收费通知书。"))
        if not isinstance(target, FeeNotice) or target.request_id != req.pk:
            raise LetterNotApplicable(_("所选的收费通知不属于该申请。"))
    return target


def _amount(value: Decimal) -> str:
    return f"{value:,.2f}".replace(",", "")


def context_for(
    req,
    kind: str,
    *,
    on: date | None = None,
    target=None,
    number: str = "",
    verification_code: str = "",
    calendar: dl.WorkCalendar | None = None,
) -> LetterContext:
    """Everything a letter of `kind` for `req` says. `on` is the letter's date (default: the date of
    the step it belongs to), `target` the Consultation or FeeNotice (default: the latest), `number`
    the 文号 (empty for a draft; for a 送达回证, the 文号 of the reply it delivers), `verification_code`
    the issued document's code. LetterNotApplicable when the record cannot produce it."""
    if kind not in Kind.values:
        raise LetterNotApplicable(_("没有这种文书：%(kind)s。") % {"kind": kind})
    kind = Kind(kind)
    unit = req.unit
    imported = _is_imported(req)
    b = _Builder(req, kind, imported)
    target = _target(req, kind, target)

    f: dict[str, object] = {
        "kind": kind.value,
        "unit_name": unit.name,
        "request_ref": req.ref or "",
        "received_on": format_cn_date(req.received_on),
        "channel": req.get_channel_display() if req.channel else "",
        "content": (req.content or "").strip(),
        "opening": _opening(req),
        "legal_basis": "",
        "reasons": "",
        "remedy": "",
        "reconsideration_body": "",
        "deadline": "",
        "reply_due_on": format_cn_date(req.due_on),
        "correction_period_until": format_cn_date(req.correction_period_until),
        "extended_due_on": "",
        "delayed_until": format_cn_date(req.delayed_until),
        "payment_due_on": "",
        "consultation_due_on": "",
        "outcome": "",
        "delivered_document": "",
        "delivery_method": "",
        "delivered_on": "",
        "signature": unit.name,
        "addressee": (req.applicant_name or "").strip(),
    }
    document_name = DOCUMENT_NAME[kind]
    you = _you(req)
    body: list[str] = []
    outcome = None

    if kind == Kind.RECEIPT:
        due = req.base_due_on
        body = [
            f"本机关于{format_cn_date(req.received_on)}收到{you}"
            f"{CHANNEL_PHRASE.get(req.channel, '提交')}的政府信息公开申请，"
            f"申请编号为{req.ref or b.mark('申请编号')}。申请公开的内容：{f['content']}。"
        ]
        if due:
            f["deadline"] = format_cn_date(due)
            body.append(
                f"根据{REGULATION}第三十三条的规定，本机关将自收到申请之日起20个工作日内，即于{f['deadline']}前作出答复；"
                f"需要延长答复期限的，将另行告知。征求第三方和其他机关意见所需时间不计算在上述期限内。"
            )
        else:
            body.append(f"本机关将依照{REGULATION}第三十三条规定的期限作出答复。")
        body.append("查询办理进展时，请提供上述申请编号。")
    elif kind == Kind.CORRECTION_NOTICE:
        if not req.correction_requested_on:
            raise LetterNotApplicable(_("该申请没有告知补正，不能生成补正告知书。"))
        items = [line.strip() for line in (req.correction_items or "").splitlines() if line.strip()]
        if not items:
            items = [b.need("", "补正事项", _("补正告知书需要写明补正事项。"))]
        until = b.need(format_cn_date(req.correction_period_until), "补正期限",
                       _("补正告知书需要补正期限，请在告知补正时填写。"))
        f["deadline"] = until
        body = [
            f["opening"],
            f"经审查，{you}的申请需要补正。根据{REGULATION}第三十条的规定，现一次性告知{you}需要补正的事项如下：",
            *[f"{i}. {item}" for i, item in enumerate(items, 1)],
            f"请{you}于{until}前向本机关提交补正后的申请。答复期限自本机关收到补正的申请之日起计算。"
            f"{you}无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。",
        ]
    elif kind == Kind.CONSULTATION_LETTER:
        party = target.party
        f["addressee"] = party
        f["consultation_due_on"] = f["deadline"] = format_cn_date(target.due_on)
        asked = f"本机关于{format_cn_date(req.received_on)}收到政府信息公开申请，申请公开“{f['content']}”。"
        if target.kind == Consultation.Kind.THIRD_PARTY:
            body = [
                asked,
                f"经审查，该政府信息的公开可能损害贵方的合法权益。根据{REGULATION}第三十二条的规定，现书面征求贵方意见。",
                f"请贵方于{f['deadline']}前以书面形式提出是否同意公开的意见；不同意公开的，请说明理由。"
                f"逾期未提出意见的，本机关将依照{REGULATION}的规定决定是否公开。",
                "第三方不同意公开且有合理理由的，本机关不予公开；本机关认为不公开可能对公共利益造成重大影响的，"
                "可以决定予以公开，并将决定公开的政府信息内容和理由书面告知贵方。",
            ]
        else:
            body = [
                asked,
                f"该政府信息由本机关与贵机关共同制作。根据{REGULATION}第三十四条的规定，现征求贵机关意见。",
                f"请贵机关于{f['deadline']}前提出意见；逾期未提出意见的，视为同意公开。",
            ]
    elif kind == Kind.EXTENSION_NOTICE:
        if not req.extension_days:
            raise LetterNotApplicable(_("该申请没有延期，不能生成延期答复告知书。"))
        due = _extended_due_on(req, calendar)
        if due is None:
            raise LetterNotApplicable(_("该申请目前没有答复期限（正在等待补正），不能生成延期答复告知书。"))
        f["extended_due_on"] = f["deadline"] = format_cn_date(due)
        why = b.need(req.extension_reason, "延期理由", _("延期答复告知书需要写明延期理由。"))
        body = [
            f["opening"],
            f"因{why.rstrip('。')}，本机关不能在法定期限内作出答复。根据{REGULATION}第三十三条第二款的规定，"
            f"经本机关政府信息公开工作机构负责人同意，答复期限延长{req.extension_days}个工作日，"
            f"本机关将于{f['deadline']}前作出答复。",
        ]
    elif kind == Kind.REASONS_NOTICE:
        if not req.reasons_requested_on:
            raise LetterNotApplicable(_("该申请没有要求说明理由，不能生成说明理由告知书。"))
        note = str(req.reasons_request_note or "").strip()
        note = f"（{note.rstrip('。')}）" if note else ""
        body = [
            f["opening"],
            f"经审查，{you}申请公开政府信息的数量、频次明显超过合理范围{note}。根据{REGULATION}第三十五条的规定，"
            f"请{you}向本机关说明理由。",
            f"本机关认为申请理由不合理的，将告知{you}不予处理；认为申请理由合理，但是无法在{REGULATION}"
            f"第三十三条规定的期限内答复的，将确定延迟答复的合理期限并告知{you}。",
        ]
    elif kind == Kind.DELAY_NOTICE:
        if not req.delayed_until:
            raise LetterNotApplicable(_("该申请没有确定延迟答复期限，不能生成延迟答复告知书。"))
        f["deadline"] = f["delayed_until"]
        finding = str(req.delay_finding or "").strip()
        finding = f"（{finding.rstrip('。')}）" if finding else ""
        body = [
            f["opening"],
            f"经审查，本机关认为{you}说明的申请理由合理{finding}，但是无法在{REGULATION}第三十三条规定的期限内答复。"
            f"根据{REGULATION}第三十五条的规定，本机关确定延迟答复的期限为{f['deadline']}，将于该日前作出答复。",
        ]
    elif kind == Kind.FEE_NOTICE:
        f["payment_due_on"] = f["deadline"] = format_cn_date(target.due_on)
        article = {"per_item": "第四条（按件计收）", "per_page": "第五条（按量计收）"}.get(target.method, "")
        payment = (unit.fee_payment or "").strip().rstrip("。") or (
            "请持本通知书到本机关缴纳，或按本机关告知的缴款账户缴纳，款项缴入国库，本机关出具财政票据"
        )
        body = [
            f["opening"],
            f"经审查，{you}申请公开政府信息的数量、频次明显超过合理范围。根据{REGULATION}第四十二条和"
            f"《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）的规定，本机关依法收取信息处理费。",
            f"收费依据：{REGULATION}第四十二条，《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）{article}。",
            f"收费标准：{target.basis.strip().rstrip('。')}。",
            f"应缴金额：人民币{_amount(target.amount)}元。",
            f"缴纳方式：{payment}。",
            f"请{you}自收到本通知书次日起20个工作日内，即{f['deadline']}前缴纳，缴费时请提供申请编号{req.ref}。"
            f"{you}逾期未缴纳信息处理费的，视为放弃申请，本机关不再处理该政府信息公开申请。",
        ]
    elif kind in (Kind.REPLY, Kind.DELIVERY_RECEIPT):
        outcome = req.outcome or None
        if not outcome:  # a reply awaiting sign-off has its outcome: its draft is the head's preview
            raise LetterNotApplicable(_("该申请尚未答复（没有办理结果），不能生成答复书。"))
        if outcome in rules.NO_REPLY_LETTER:
            raise LetterNotApplicable(
                _("该申请已终止办理（%(outcome)s），没有答复书。") % {"outcome": Outcome(outcome).label}
            )
        f["outcome"] = Outcome(outcome).label
        if kind == Kind.REPLY:
            document_name = rules.reply_document_name(outcome)
            paras, reasons_text = _reply_body(b, req)
            f["legal_basis"] = rules.legal_basis(outcome)
            f["reasons"] = reasons_text
            body = [f["opening"], "经研究，现答复如下：", *paras]
        else:
            delivered_name = rules.reply_document_name(outcome)
            delivered = f"{unit.name}{delivered_name}"
            f["delivered_document"] = f"{delivered}（{number}）" if number else delivered
            f["delivery_method"] = b.need(
                req.delivery_method, "送达方式", _("送达回证需要送达方式，请先填写送达记录。")
            )
            f["delivered_on"] = b.need(format_cn_date(req.delivered_on), "送达日期",
                                       _("送达回证需要送达日期，请先填写送达记录。"))
            body = [
                f"送达文书：{f['delivered_document']}",
                f"受送达人：{f['addressee']}",
                f"送达方式：{f['delivery_method']}",
                f"送达日期：{f['delivered_on']}",
            ]

    letter_on = on or _letter_date(req, kind, target)
    rule_on = letter_on  # the date the remedy clause's law is chosen by
    if letter_on is None:
        if not imported:
            raise LetterNotApplicable(_("无法确定文书日期，请先完成对应的办理步骤。"))
        # a ledger holds an extension's days but not the day it was notified: the letter is dated by
        # hand, and the law of its remedy clause is known when every possible date falls on one side
        f["letter_date"] = b.mark("成文日期")
        rule_on = _era_of(*_possible_dates(req, kind))
    else:
        f["letter_date"] = format_cn_date(letter_on)

    if rules.has_remedy_clause(kind):
        if rule_on is None:
            f["remedy"] = b.mark("救济告知（按成文日期适用2024年1月1日前后的规定）")
        else:
            chain = _unit_chain(unit)
            configured = getattr(unit, "reconsideration_body", "") or ""
            body_name = rules.reconsideration_body(chain, configured, on=rule_on)
            if not body_name:
                body_name = b.mark("行政复议机关（请在单位设置中填写“复议机关”）")
            f["reconsideration_body"] = body_name
            f["remedy"] = rules.remedy_clause(rule_on, outcome, body_name, kind=kind)

    if kind == Kind.DELIVERY_RECEIPT:
        own_number, f["number"] = "", ""
        is_draft = not number
    else:
        own_number = number if kind in FAMILY else ""
        f["number"] = own_number
        is_draft = not own_number
    f["number_line"] = own_number or ("" if kind == Kind.DELIVERY_RECEIPT else "（草稿，签发时编号）")
    f["document_name"] = document_name
    f["title"] = f"{unit.name}{document_name}"
    f["body"] = body
    f["is_draft"] = is_draft
    code = (verification_code or "").strip()
    f["verification_code"] = code
    f["verify_url"] = f"{settings.GONGKAI_SITE_URL}/public/verify/?code={code}" if code else ""
    f["missing"] = list(b.missing)
    return LetterContext(kind=kind.value, fields=f, missing=list(b.missing), is_draft=is_draft)
