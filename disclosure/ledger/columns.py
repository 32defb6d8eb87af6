"""The ledger's columns (ledger.md, in this order): how each cell's value is read, and the rules a
complete row must keep."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from .. import deadlines as dl
from ..models import CONTENT_MAX_LENGTH, ApplicantType, Channel, ProceedingOutcome
from ..spreadsheets import excerpt
from ..workflow import OUTCOME_ALIASES, Outcome
from .sheets import Column, ImpreciseNumber

# --- values --------------------------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]0{1,2}:00(?::00)?)?$")


def parse_date(value) -> date:
    day = None
    if isinstance(value, date):
        day = value
    elif match := DATE_RE.match(str(value).strip()):
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    if day is None:
        raise ValueError(_("“%(value)s”不是有效的日期，应为 YYYY-MM-DD。") % {"value": excerpt(value)})
    if not 1950 <= day.year <= 2100:  # a typo, and working-day walks must stay inside date's range
        raise ValueError(_("“%(value)s”的年份不合理，应为 YYYY-MM-DD。") % {"value": day.isoformat()})
    return day


def norm_value(text) -> str:
    text = re.sub(r"\s+", "", str(text)).lower().replace("(", "（").replace(")", "）")
    return re.sub("[\"'“”‘’]", "", text)


def choice_lookup(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """code and Chinese label (and the English label) → code."""
    lookup = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                lookup[norm_value(label)] = value
    for value, _label in choices:
        lookup[norm_value(value)] = value
    for alias, value in (extra or {}).items():
        lookup[norm_value(alias)] = value
    return lookup


_LOOKUPS: dict[str, dict[str, str]] = {}


def _lookups() -> dict[str, dict[str, str]]:
    if not _LOOKUPS:
        proceeding = choice_lookup(
            ProceedingOutcome.choices,
            {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "pending": "", "尚未审结": ""},
        )
        _LOOKUPS.update(
            channel=choice_lookup(
                Channel.choices,
                {"当面提交": "in_person", "现场": "in_person", "信件": "letter", "邮寄": "letter",
                 "网上": "online", "网上申请": "online", "互联网": "online", "电子邮箱": "email", "邮件": "email"},
            ),
            applicant_type=choice_lookup(
                ApplicantType.choices, {"个人": "natural_person", "公民": "natural_person", "企业": "commercial"}
            ),
            result=choice_lookup(
                Outcome.choices,
                {
                    **OUTCOME_ALIASES,
                    "已主动公开": "already_public",
                    "部分公开": "partial",
                    "经检索没有": "unavailable.not_held",
                    "撤回": "withdrawn",
                    "其他": "other",
                    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": "abandoned_no_correction",
                    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": "abandoned_fee_unpaid",
                },
            ),
            reconsideration_outcome=proceeding,
            litigation_outcome=proceeding,
            yes_no={"yes": True, "y": True, "true": True, "1": True, "是": True,
                    "no": False, "n": False, "false": False, "0": False, "否": False},
        )
    return _LOOKUPS


def _strip_numbering(text: str) -> str:
    """Table 三 labels carry numbering: （六）其他处理, 1.属于国家秘密."""
    return re.sub(r"^(（[一二三四五六七]）|\d+[.．、])", "", text)


CHOICE_NAMES = {
    "channel": "申请方式", "applicant_type": "申请人类型", "result": "办理结果",
    "reconsideration_outcome": "复议结果", "litigation_outcome": "诉讼结果",
}


def parse_choice(kind: str, value) -> str:
    lookup = _lookups()[kind]
    norm = norm_value(value)
    for candidate in (norm, _strip_numbering(norm)):
        if candidate in lookup:
            return lookup[candidate]
    raise ValueError(
        _("“%(value)s”不是有效的%(what)s（应为代码或中文名称）。")
        % {"value": excerpt(value), "what": _(CHOICE_NAMES[kind])}
    )


def _text(max_length: int | None):
    def parse(value) -> str:
        if isinstance(value, ImpreciseNumber):
            raise ValueError(_("该单元格是超过15位的数字，末几位已失去精度；请把这一列设为文本格式后重新输入。"))
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if max_length and len(text) > max_length:
            raise ValueError(_("不能超过%(n)d个字符（现有%(len)d个）。") % {"n": max_length, "len": len(text)})
        return text

    return parse


def _extension_days(value):
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise ValueError(_("“%(value)s”不是整数；延长工作日数应为1至20。") % {"value": excerpt(value)})
    days = int(text)
    if days > dl.MAX_EXTENSION_DAYS:
        raise ValueError(_("延长工作日数为%(n)d，超过条例第三十三条规定的20个工作日。") % {"n": days})
    return days or None


def _yes_no(value):
    result = _lookups()["yes_no"].get(norm_value(value))
    if result is None:
        raise ValueError(_("“%(value)s”应为 yes/no（是/否）。") % {"value": excerpt(value)})
    return result


# --- the ledger columns (ledger.md, in this order) ----------------------------------------------

LEDGER_COLUMNS = (
    Column("ref", "申请编号", True),
    Column("unit", "受理单位编码", True),
    Column("channel", "申请方式", True),
    Column("submitted_on", "提交日期", True),
    Column("received_on", "收到申请日期", True),
    Column("applicant_type", "申请人类型", True),
    Column("applicant_name", "申请人", True),
    Column("applicant_id_number", "证件号码"),
    Column("applicant_contact", "联系方式"),
    Column("content", "申请内容", True),
    Column("correction_requested_on", "补正告知日期"),
    Column("correction_received_on", "收到补正日期"),
    Column("consultation_sent_on", "征求意见日期"),
    Column("consultation_replied_on", "征求意见答复日期"),
    Column("fee_notice_on", "收费通知日期"),
    Column("fee_paid_on", "缴费日期"),
    Column("extension_days", "延长工作日数"),
    Column("concluded_on", "办结日期", also=("答复日期",)),
    Column("result", "办理结果"),
    Column("reconsideration_filed_on", "申请复议日期"),
    Column("reconsideration_outcome", "复议结果"),
    Column("reconsideration_decided_on", "复议决定日期"),
    Column("litigation_filed_on", "起诉日期"),
    Column("litigation_after_reconsideration", "是否复议后起诉"),
    Column("litigation_outcome", "诉讼结果"),
    Column("litigation_decided_on", "判决日期"),
    # Gongkai's extension of ledger.md (extend, never rename): 第三十五条, after the contract's columns
    Column("reasons_requested_on", "要求说明理由日期"),
    Column("delayed_until", "延迟答复期限"),
)
COMPUTED_COLUMNS = (
    Column("status", "状态"),
    Column("due_on", "答复期限"),
    Column("due_is_provisional", "期限为暂定"),
    Column("working_days_used", "已用工作日"),
    Column("overdue", "是否逾期"),
)
LEDGER_KEYS = tuple(c.key for c in LEDGER_COLUMNS)
COLUMN = {c.key: c for c in LEDGER_COLUMNS}
DATE_KEYS = tuple(k for k in LEDGER_KEYS if k.endswith("_on") or k == "delayed_until")
# DisclosureRequest fields written straight from a ledger column (ledger key → model field).
MODEL_FIELDS = {
    k: ("outcome" if k == "result" else k)
    for k in LEDGER_KEYS
    if k not in ("unit", "consultation_sent_on", "consultation_replied_on", "fee_notice_on", "fee_paid_on")
}
HANDLING_DATES = (
    "correction_requested_on", "correction_received_on", "consultation_sent_on",
    "consultation_replied_on", "fee_notice_on", "fee_paid_on", "reasons_requested_on",
)
PROCEEDING_DATES = (
    "reconsideration_filed_on", "reconsideration_decided_on", "litigation_filed_on", "litigation_decided_on",
)
# (earlier, later): the later needs the earlier and may not precede it.
DATE_PAIRS = (
    ("correction_requested_on", "correction_received_on"),
    ("consultation_sent_on", "consultation_replied_on"),
    ("fee_notice_on", "fee_paid_on"),
    ("reconsideration_filed_on", "reconsideration_decided_on"),
    ("litigation_filed_on", "litigation_decided_on"),
    ("reasons_requested_on", "delayed_until"),  # 第三十五条: a later date only after asking for reasons
)


def parsers() -> dict[str, Callable]:
    parsers: dict[str, Callable] = {k: parse_date for k in DATE_KEYS}
    parsers.update(
        ref=_text(100), applicant_name=_text(200), applicant_id_number=_text(64), applicant_contact=_text(300),
        content=_text(CONTENT_MAX_LENGTH),
        **{kind: (lambda v, kind=kind: parse_choice(kind, v)) for kind in CHOICE_NAMES},
        litigation_after_reconsideration=_yes_no,
        extension_days=_extension_days,
    )
    return parsers


def empty_value(key: str):
    if key in DATE_KEYS or key in ("extension_days", "litigation_after_reconsideration"):
        return None
    return ""


def ledger_values(req, consultations: list, fees: list, unit_code: str) -> dict:
    """What the ledger shows of a request (a model instance or a values row with its attributes):
    the first consultation and the first fee notice."""
    first_c = consultations[0] if consultations else None
    first_f = fees[0] if fees else None
    values = {k: getattr(req, f) for k, f in MODEL_FIELDS.items()}
    values.update(
        # an open request's outcome is a draft awaiting legal review or sign-off, not a result
        result=req.outcome if req.concluded_on else "",
        unit=unit_code,
        extension_days=req.extension_days or None,
        consultation_sent_on=first_c.sent_on if first_c else None,
        consultation_replied_on=first_c.replied_on if first_c else None,
        fee_notice_on=first_f.notice_on if first_f else None,
        fee_paid_on=first_f.paid_on if first_f else None,
    )
    return values


def check_consistency(v: dict, name: Callable[[str], str]) -> list[tuple[str, str]]:
    """ledger.md "Rows must be consistent": (column key, reason) for each rule a complete row breaks."""
    errors: list[tuple[str, str]] = []
    received, concluded = v["received_on"], v["concluded_on"]

    def add(key, message, **params):
        params = {k: (name(p) if k.startswith("col") else p) for k, p in params.items()}
        errors.append((key, message % {"this": name(key), **params}))

    if v["submitted_on"] and received and v["submitted_on"] > received:
        add("submitted_on", _("%(this)s（%(d)s）晚于%(col)s（%(r)s）。"),
            d=v["submitted_on"], col="received_on", r=received)
    for key in DATE_KEYS:
        if key not in ("submitted_on", "received_on") and v[key] and received and v[key] < received:
            add(key, _("%(this)s（%(d)s）早于%(col)s（%(r)s）。"), d=v[key], col="received_on", r=received)
    for earlier, later in DATE_PAIRS:
        if v[later] and not v[earlier]:
            add(earlier, _("填写了%(col)s，%(this)s不能为空。"), col=later)
        elif v[later] and v[later] < v[earlier]:
            add(later, _("%(this)s（%(d)s）早于%(col)s（%(e)s）。"), d=v[later], col=earlier, e=v[earlier])
    for outcome_key, filed in (
        ("reconsideration_outcome", "reconsideration_filed_on"), ("litigation_outcome", "litigation_filed_on"),
    ):
        if v[outcome_key] and not v[filed]:
            add(filed, _("填写了%(col)s，%(this)s不能为空。"), col=outcome_key)
    if v["litigation_after_reconsideration"] is not None and not v["litigation_filed_on"]:
        add("litigation_filed_on", _("填写了%(col)s，%(this)s不能为空。"), col="litigation_after_reconsideration")
    if concluded and not v["result"]:
        add("result", _("填写了%(col)s，%(this)s不能为空。"), col="concluded_on")
    if v["result"] and not concluded:
        add("concluded_on", _("填写了%(col)s，%(this)s不能为空。"), col="result")
    if concluded:
        for key in HANDLING_DATES:
            if v[key] and v[key] > concluded:
                add(key, _("%(this)s（%(d)s）晚于%(col)s（%(c)s）。"), d=v[key], col="concluded_on", c=concluded)
        for key in PROCEEDING_DATES:
            if v[key] and v[key] < concluded:
                add(key, _("%(this)s（%(d)s）早于%(col)s（%(c)s）。"), d=v[key], col="concluded_on", c=concluded)
    needs = {
        Outcome.ABANDONED_NO_CORRECTION: ("correction_requested_on",),
        Outcome.UNAVAILABLE_UNCLEAR: ("correction_requested_on", "correction_received_on"),
        Outcome.ABANDONED_FEE_UNPAID: ("fee_notice_on",),
    }
    for key in needs.get(v["result"], ()):
        if not v[key]:
            add(key, _("%(col)s为“%(label)s”时，%(this)s不能为空。"), col="result", label=Outcome(v["result"]).label)
    if not errors:
        return errors
    seen: set[tuple[str, str]] = set()
    unique = [e for e in errors if not (e in seen or seen.add(e))]
    return sorted(unique, key=lambda e: _ORDER[e[0]])


_ORDER = {k: i for i, k in enumerate(LEDGER_KEYS)}
