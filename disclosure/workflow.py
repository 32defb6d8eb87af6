"""The request workflow as data: states, outcomes, the transition table and its guards. Pure.

条例 第四十五条 names the backbone — 登记、审核、办理、答复、归档 — and 第三十条、第三十二至三十五条
the side paths (补正, 征求意见, 延长). The services (disclosure/services/) are the only writers; they ask
this module whether an arrow exists and what a reply needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    # An online application (portal.md) before a clerk confirms it: not yet received (条例第三十一条).
    SUBMITTED = "submitted", _("已提交待确认")
    REGISTERED = "registered", _("已登记")
    REVIEWING = "reviewing", _("审核中")
    AWAITING_CORRECTION = "awaiting_correction", _("待补正")
    HANDLING = "handling", _("办理中")
    CONSULTING = "consulting", _("征求意见中")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    SIGN_OFF = "sign_off", _("待签发")
    REPLIED = "replied", _("已答复")
    CLOSED = "closed", _("已终止")  # concluded without a substantive reply
    ARCHIVED = "archived", _("已归档")
    # An online submission that is not an application at all (empty, abusive, a duplicate submission):
    # closed before receipt, with a reason the applicant reads. Never counted as a request.
    REJECTED = "rejected", _("未予受理（非有效申请）")


OPEN_STATUSES = frozenset(
    {
        Status.REGISTERED,
        Status.REVIEWING,
        Status.AWAITING_CORRECTION,
        Status.HANDLING,
        Status.CONSULTING,
        Status.LEGAL_REVIEW,
        Status.SIGN_OFF,
    }
)
CONCLUDED_STATUSES = frozenset({Status.REPLIED, Status.CLOSED, Status.ARCHIVED})
# Online submissions never received as applications: no deadline, not in any report or sweep.
UNRECEIVED_STATUSES = frozenset({Status.SUBMITTED, Status.REJECTED})


class Outcome(models.TextChoices):
    """How a request was concluded (annual-report.md); one per request."""

    ALREADY_PUBLIC = "already_public", _("已主动公开，告知获取途径")
    GRANTED = "granted", _("予以公开")
    PARTIAL = "partial", _("部分公开（区分处理）")
    REFUSED_STATE_SECRET = "refused.state_secret", _("属于国家秘密")
    REFUSED_LAW_PROHIBITED = "refused.law_prohibited", _("其他法律行政法规禁止公开")
    REFUSED_SECURITY_STABILITY = "refused.security_stability", _("危及“三安全一稳定”")
    REFUSED_THIRD_PARTY = "refused.third_party", _("保护第三方合法权益")
    REFUSED_INTERNAL_AFFAIRS = "refused.internal_affairs", _("属于三类内部事务信息")
    REFUSED_PROCESS_INFO = "refused.process_info", _("属于四类过程性信息")
    REFUSED_ENFORCEMENT_FILE = "refused.enforcement_file", _("属于行政执法案卷")
    REFUSED_QUERY_MATTER = "refused.query_matter", _("属于行政查询事项")
    SPECIAL_ACCESS = "special_access", _("工商、不动产登记等有特别规定")
    UNAVAILABLE_NOT_HELD = "unavailable.not_held", _("本机关不掌握相关政府信息")
    NOT_THIS_AGENCY = "not_this_agency", _("不属于本机关负责公开")
    UNAVAILABLE_NEEDS_CREATION = "unavailable.needs_creation", _("没有现成信息需要另行制作")
    UNAVAILABLE_UNCLEAR = "unavailable.unclear_after_correction", _("补正后申请内容仍不明确")
    NOT_PROCESSED_PETITION = "not_processed.petition", _("信访举报投诉类申请")
    NOT_PROCESSED_DUPLICATE = "not_processed.duplicate", _("重复申请")
    NOT_PROCESSED_PUBLICATION = "not_processed.publication", _("要求提供公开出版物")
    NOT_PROCESSED_EXCESSIVE = "not_processed.excessive", _("无正当理由大量反复申请")
    NOT_PROCESSED_CONFIRM = "not_processed.confirm_existing", _("要求行政机关确认或重新出具已获取信息")
    ABANDONED_NO_CORRECTION = "abandoned_no_correction", _("无正当理由逾期不补正，视为放弃")
    ABANDONED_FEE_UNPAID = "abandoned_fee_unpaid", _("逾期未缴纳信息处理费，视为放弃")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    OTHER = "other", _("其他处理")


# The 2021 row codes the ledger accepts as aliases (annual-report.md).
OUTCOME_ALIASES = {
    "other.no_correction": Outcome.ABANDONED_NO_CORRECTION,
    "other.fee_unpaid": Outcome.ABANDONED_FEE_UNPAID,
    "other.other": Outcome.OTHER,
}

# Outcomes that end a request without a substantive reply (the CLOSED state).
CLOSING_OUTCOMES = frozenset(
    {Outcome.ABANDONED_NO_CORRECTION, Outcome.ABANDONED_FEE_UNPAID, Outcome.WITHDRAWN}
)
REFUSALS = frozenset(o for o in Outcome if o.value.startswith("refused."))
# Replies that deny the applicant what was asked, in whole or in part: each is open to 复议 and 诉讼
# (第五十一条), so each goes through 法制审核 before it is signed, whatever the unit's choice.
ADVERSE_OUTCOMES = frozenset(
    o for o in Outcome if o.value.startswith(("refused.", "unavailable.", "not_processed."))
) | {Outcome.PARTIAL, Outcome.NOT_THIS_AGENCY}

# What a reply with each outcome must carry (field name → what it is), 第三十六、三十七条.
REPLY_REQUIREMENTS: dict[str, dict[str, str | Promise]] = {
    Outcome.ALREADY_PUBLIC: {"access_route": _("获取途径（网址或栏目）")},
    Outcome.PARTIAL: {"reason": _("不予公开部分的理由"), "withheld_parts": _("不予公开的内容")},
    Outcome.NOT_THIS_AGENCY: {"competent_body": _("负责公开的行政机关")},
    Outcome.NOT_PROCESSED_DUPLICATE: {"earlier_request": _("此前的申请编号")},
    **{o: {"reason": _("不予公开的理由")} for o in REFUSALS},
}


# Validation messages that name the rule, where Django's generic wording ("确保该值小于或等于20")
# would otherwise show: the forms, the API and the services use the same sentences.
EXTENSION_DAYS_MESSAGES = {
    "max_value": _("条例第三十三条第二款规定，延长的期限最长不得超过20个工作日。"),
    "min_value": _("延长的期限至少为1个工作日（条例第三十三条第二款：最长20个工作日）。"),
    "invalid": _("延长工作日数应为1至20的整数（条例第三十三条第二款）。"),
}
FEE_AMOUNT_MESSAGES = {
    "min_value": _("收费金额应大于0元；不收费的无需发出收费通知（国办函〔2020〕109号）。"),
}


class Action(models.TextChoices):
    """The arrows of the workflow; each has one service function."""

    SUBMIT = "submit", _("网上提交申请")
    CONFIRM_RECEIPT = "confirm_receipt", _("确认收到申请")
    REJECT_SUBMISSION = "reject_submission", _("不予确认（非有效申请）")
    REGISTER = "register", _("登记")
    START_REVIEW = "start_review", _("开始审核")
    REQUEST_CORRECTION = "request_correction", _("告知补正")
    SUBMIT_CORRECTION = "submit_correction", _("网上提交补正")
    RECORD_CORRECTION = "record_correction", _("收到补正")
    ACCEPT = "accept", _("审核通过，进入办理")
    START_CONSULTATION = "start_consultation", _("征求意见")
    RECORD_CONSULTATION_REPLY = "record_consultation_reply", _("收到征求意见答复")
    ISSUE_FEE_NOTICE = "issue_fee_notice", _("发出收费通知")
    RECORD_FEE_PAYMENT = "record_fee_payment", _("收到缴费")
    APPROVE_EXTENSION = "approve_extension", _("批准延期答复")
    REQUEST_REASONS = "request_reasons", _("要求说明理由（第三十五条）")
    SET_DELAYED_REPLY = "set_delayed_reply", _("确定延迟答复期限（第三十五条）")
    ASSIGN = "assign", _("指定经办人")
    SUBMIT_FOR_LEGAL_REVIEW = "submit_for_legal_review", _("提交法制审核")
    SUBMIT_FOR_SIGN_OFF = "submit_for_sign_off", _("提交签发")
    APPROVE_LEGAL_REVIEW = "approve_legal_review", _("法制审核通过")
    RETURN_FOR_REVISION = "return_for_revision", _("退回修改")
    REPLY = "reply", _("签发答复")
    CONCLUDE = "conclude", _("终止办理")
    ARCHIVE = "archive", _("归档")
    RECORD_RECONSIDERATION = "record_reconsideration", _("登记行政复议")
    RECORD_LITIGATION = "record_litigation", _("登记行政诉讼")
    RECOMPUTE_DEADLINE = "recompute_deadline", _("重算期限")
    EDIT = "edit", _("修改登记信息")
    IMPORT = "import", _("台账导入")
    ATTACH = "attach", _("上传附件")
    DETACH = "detach", _("删除附件")
    # 文书 (documents app): issuing one and downloading an issued one leave an event; no state changes
    ISSUE_DOCUMENT = "issue_document", _("出具文书")
    DOWNLOAD_DOCUMENT = "download_document", _("下载文书")


# Actions that move a request from one state to another, and where from.
TRANSITIONS: dict[str, dict[Status, Status]] = {
    Action.CONFIRM_RECEIPT: {Status.SUBMITTED: Status.REGISTERED},
    Action.REJECT_SUBMISSION: {Status.SUBMITTED: Status.REJECTED},
    Action.START_REVIEW: {Status.REGISTERED: Status.REVIEWING},
    Action.REQUEST_CORRECTION: {
        Status.REGISTERED: Status.AWAITING_CORRECTION,
        Status.REVIEWING: Status.AWAITING_CORRECTION,
        Status.HANDLING: Status.AWAITING_CORRECTION,
    },
    Action.RECORD_CORRECTION: {Status.AWAITING_CORRECTION: Status.REVIEWING},
    Action.ACCEPT: {Status.REGISTERED: Status.HANDLING, Status.REVIEWING: Status.HANDLING},
    Action.START_CONSULTATION: {Status.HANDLING: Status.CONSULTING, Status.CONSULTING: Status.CONSULTING},
    Action.RECORD_CONSULTATION_REPLY: {Status.CONSULTING: Status.HANDLING},
    Action.SUBMIT_FOR_LEGAL_REVIEW: {Status.HANDLING: Status.LEGAL_REVIEW},
    # a reply that needs no legal review (legal_review_required) goes to the head directly
    Action.SUBMIT_FOR_SIGN_OFF: {Status.HANDLING: Status.SIGN_OFF},
    Action.APPROVE_LEGAL_REVIEW: {Status.LEGAL_REVIEW: Status.SIGN_OFF},
    Action.RETURN_FOR_REVISION: {Status.LEGAL_REVIEW: Status.HANDLING, Status.SIGN_OFF: Status.HANDLING},
    # 签发: only what was submitted for sign-off (and, where required, passed legal review)
    Action.REPLY: {Status.SIGN_OFF: Status.REPLIED},
    Action.CONCLUDE: {s: Status.CLOSED for s in OPEN_STATUSES},
    Action.ARCHIVE: {Status.REPLIED: Status.ARCHIVED, Status.CLOSED: Status.ARCHIVED},
}
# Actions that keep the state but need it to be one of these.
STAYING_ACTIONS: dict[str, frozenset[Status]] = {
    # the applicant's corrected application, online; a clerk then records its receipt
    Action.SUBMIT_CORRECTION: frozenset({Status.AWAITING_CORRECTION}),
    Action.ISSUE_FEE_NOTICE: frozenset({Status.HANDLING, Status.CONSULTING}),
    Action.RECORD_FEE_PAYMENT: OPEN_STATUSES,
    Action.APPROVE_EXTENSION: frozenset(
        {Status.HANDLING, Status.CONSULTING, Status.LEGAL_REVIEW, Status.SIGN_OFF, Status.REVIEWING}
    ),
    Action.ASSIGN: OPEN_STATUSES,
    Action.EDIT: OPEN_STATUSES | {Status.SUBMITTED},  # a typo may be fixed before confirming
    # 第三十五条: asked while the request is being handled, decided before the reply
    Action.REQUEST_REASONS: frozenset({Status.REVIEWING, Status.HANDLING, Status.CONSULTING}),
    Action.SET_DELAYED_REPLY: frozenset(
        {Status.HANDLING, Status.CONSULTING, Status.LEGAL_REVIEW, Status.SIGN_OFF, Status.REVIEWING}
    ),
    # 第五十一条: 复议 and 诉讼 come after the reply (or the closure), archived or not
    Action.RECORD_RECONSIDERATION: CONCLUDED_STATUSES,
    Action.RECORD_LITIGATION: CONCLUDED_STATUSES,
}

class Role(models.TextChoices):
    """What someone is in a unit (ledger.md staff file; StaffRole.role). The acting roles take the
    workflow's actions (ACTION_ROLES); a supervisor sees a subtree read-only; an admin does anything."""

    CLERK = "clerk", _("经办人")
    REVIEWER = "reviewer", _("审核人")
    LEGAL_REVIEWER = "legal_reviewer", _("法制审核人")
    HEAD = "head", _("工作机构负责人")
    SUPERVISOR = "supervisor", _("督办人")
    ADMIN = "admin", _("系统管理员")
    # Compiles the unit's annual report (its subtree's figures, sections 五 and 六), sees the
    # requests read-only; publishing stays the head's.
    COMPILER = "compiler", _("报告编制人")


# Roles that may take each action; admins may take any.
ROLE_CLERK, ROLE_REVIEWER, ROLE_LEGAL, ROLE_HEAD = Role.CLERK, Role.REVIEWER, Role.LEGAL_REVIEWER, Role.HEAD
# The roles that act on a unit's requests (and see their ID numbers).
ACTING_ROLES = frozenset({Role.CLERK, Role.REVIEWER, Role.LEGAL_REVIEWER, Role.HEAD})
ACTION_ROLES: dict[str, frozenset[str]] = {
    Action.CONFIRM_RECEIPT: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.REJECT_SUBMISSION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.REGISTER: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.START_REVIEW: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.REQUEST_CORRECTION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.RECORD_CORRECTION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.ACCEPT: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.START_CONSULTATION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.RECORD_CONSULTATION_REPLY: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.ISSUE_FEE_NOTICE: frozenset({ROLE_CLERK, ROLE_HEAD}),
    Action.RECORD_FEE_PAYMENT: frozenset({ROLE_CLERK, ROLE_HEAD}),
    Action.APPROVE_EXTENSION: frozenset({ROLE_HEAD}),
    Action.REQUEST_REASONS: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.SET_DELAYED_REPLY: frozenset({ROLE_HEAD}),
    Action.ASSIGN: frozenset({ROLE_REVIEWER, ROLE_HEAD}),
    Action.SUBMIT_FOR_LEGAL_REVIEW: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.SUBMIT_FOR_SIGN_OFF: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.APPROVE_LEGAL_REVIEW: frozenset({ROLE_LEGAL}),
    Action.RETURN_FOR_REVISION: frozenset({ROLE_LEGAL, ROLE_HEAD}),
    Action.REPLY: frozenset({ROLE_HEAD}),
    Action.CONCLUDE: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
    Action.ARCHIVE: frozenset({ROLE_CLERK, ROLE_HEAD}),
    # the 法制 reviewer usually answers the 复议 and the court (应诉)
    Action.RECORD_RECONSIDERATION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_LEGAL, ROLE_HEAD}),
    Action.RECORD_LITIGATION: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_LEGAL, ROLE_HEAD}),
    Action.EDIT: frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD}),
}
# Actions the statute gives to a person in a role, which a system admin cannot take as admin:
# 第三十三条 — the extension needs the approval of the head of the disclosure office; the later date
# of 第三十五条 is the same kind of decision on the reply deadline, taken by the same person; and the
# reply itself (签发) is the decision of the agency, signed by the head (第三十六条).
ROLE_ONLY_ACTIONS = frozenset({Action.APPROVE_EXTENSION, Action.SET_DELAYED_REPLY, Action.REPLY})
# Actions the applicant takes on the public side (disclosure/services/intake.py), never staff.
APPLICANT_ACTIONS = frozenset({Action.SUBMIT, Action.SUBMIT_CORRECTION})


class LegalReview(models.TextChoices):
    """Which replies go through 法制审核 (GONGKAI_LEGAL_REVIEW, a unit may override it)."""

    ADVERSE = "adverse", _("不利答复须经法制审核（其他答复可直接提交签发）")
    ALL = "all", _("所有答复均须经法制审核")


@dataclass(frozen=True)
class UnitRules:
    """The choices the statute leaves to a unit (settings, overridden per unit: Unit.rules)."""

    legal_review_all: bool = False  # every reply through 法制审核, not only the adverse ones
    separate_duties: bool = True  # 岗位分离 (off for a one-person office)


@dataclass(frozen=True)
class Authors:
    """Who took the earlier steps a separated duty is measured against (user ids, None if unknown)."""

    registered_by: int | None = None
    drafted_by: int | None = None


# 岗位分离 as data: an action, the earlier step's author it may not be taken by, and the rule's name.
SEPARATED_DUTIES: dict[str, tuple[str, str | Promise]] = {
    Action.ACCEPT: ("registered_by", _("登记申请的人不能同时审核通过该申请（岗位分离）。")),
    Action.APPROVE_LEGAL_REVIEW: ("drafted_by", _("起草答复的人不能同时对该答复进行法制审核（岗位分离）。")),
}


def legal_review_required(outcome: str, rules: UnitRules = UnitRules()) -> bool:
    """Whether a reply with this outcome must pass 法制审核 before it is signed."""
    return rules.legal_review_all or outcome in ADVERSE_OUTCOMES


def duty_conflict(action: str, actor_id: int | None, authors: Authors, rules: UnitRules = UnitRules()) -> str | None:
    """The rule of 岗位分离 this person would break by taking this action, or None."""
    if not rules.separate_duties or action not in SEPARATED_DUTIES or actor_id is None:
        return None
    author_field, message = SEPARATED_DUTIES[action]
    if getattr(authors, author_field) == actor_id:
        return str(message)
    return None


class WorkflowError(Exception):
    """A rule of the workflow refused the action; the message says why, in the user's language."""

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class InvalidTransition(WorkflowError):
    pass


class ConcurrentChange(WorkflowError):
    """Someone else changed the request between reading and writing it."""


def target_status(action: str, current: str) -> Status:
    """The state `action` leads to from `current`, or InvalidTransition saying why not."""
    current = Status(current)
    if action in TRANSITIONS:
        targets = TRANSITIONS[action]
        if current not in targets:
            raise InvalidTransition(
                _("“%(action)s”不能在“%(status)s”状态下进行。")
                % {"action": Action(action).label, "status": current.label}
            )
        return targets[current]
    allowed = STAYING_ACTIONS.get(action)
    if allowed is not None and current not in allowed:
        raise InvalidTransition(
            _("“%(action)s”不能在“%(status)s”状态下进行。") % {"action": Action(action).label, "status": current.label}
        )
    return current


def available_actions(
    current: str,
    roles: frozenset[str] | set[str],
    *,
    is_admin: bool = False,
    rules: UnitRules = UnitRules(),
    actor_id: int | None = None,
    authors: Authors = Authors(),
) -> list[str]:
    """The actions valid in this state for this person (their roles; who took the earlier steps, for
    岗位分离; the unit's rules), in workflow order."""
    current = Status(current)
    result = []
    for action in Action:
        if action in APPLICANT_ACTIONS or action in (Action.REGISTER, Action.IMPORT, Action.RECOMPUTE_DEADLINE):
            continue
        if action in TRANSITIONS and current not in TRANSITIONS[action]:
            continue
        if action in STAYING_ACTIONS and current not in STAYING_ACTIONS[action]:
            continue
        if action not in TRANSITIONS and action not in STAYING_ACTIONS:
            continue
        if action == Action.SUBMIT_FOR_SIGN_OFF and rules.legal_review_all:
            continue
        if duty_conflict(action, actor_id, authors, rules):
            continue
        if (is_admin and action not in ROLE_ONLY_ACTIONS) or ACTION_ROLES.get(action, frozenset()) & set(roles):
            result.append(action.value)
    return result


def missing_reply_fields(outcome: str, data: dict) -> dict[str, str | Promise]:
    """The fields a reply with this outcome needs and lacks: {field: what it is}."""
    needs = REPLY_REQUIREMENTS.get(outcome, {})
    return {name: label for name, label in needs.items() if not str(data.get(name) or "").strip()}


# States a ledger cannot tell apart from `handling` (or `archived` from a conclusion): a stored
# request in one of them keeps it when a ledger row is imported over it.
FINER_OPEN = frozenset({Status.REGISTERED, Status.REVIEWING, Status.LEGAL_REVIEW, Status.SIGN_OFF})


def status_for_history(
    *,
    concluded: bool,
    outcome: str | None,
    waiting_correction: bool,
    consulting: bool,
    current: str | None = None,
) -> Status:
    """The state an imported ledger row is in, from its dates (a ledger records history); `current`,
    the stored request's state, is kept where the ledger cannot tell it apart (FINER_OPEN, archived)."""
    if concluded:
        new = Status.CLOSED if outcome in CLOSING_OUTCOMES else Status.REPLIED
    elif waiting_correction:
        new = Status.AWAITING_CORRECTION
    elif consulting:
        new = Status.CONSULTING
    else:
        new = Status.HANDLING
    if current == Status.ARCHIVED and new in CONCLUDED_STATUSES:
        return Status.ARCHIVED
    if current in FINER_OPEN and new == Status.HANDLING:
        return Status(current)
    return new


# --- 条例第三十一条: how an application arrives, and when it counts as received -------------------


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("当面")
    LETTER = "letter", _("信函")
    ONLINE = "online", _("网络")
    FAX = "fax", _("传真")
    EMAIL = "email", _("电子邮件")
    OTHER = "other", _("其他")


class PostKind(models.TextChoices):
    SIGNED = "signed", _("需签收的邮寄（挂号、EMS）")
    ORDINARY = "ordinary", _("平常信函")


def derive_receipt_date(
    channel: str, post_kind: str, submitted_on: date | None, signed_for_on: date | None, confirmed_on: date | None
) -> date:
    """条例第三十一条: in person — the day handed in; signed post — the day signed for; ordinary
    letter, online, fax, e-mail — the day both sides confirmed."""
    if channel in (Channel.IN_PERSON, Channel.OTHER):
        if submitted_on is None:
            raise WorkflowError(_("当面提交的申请需要填写提交日期。"), field="submitted_on")
        return submitted_on
    if channel == Channel.LETTER and post_kind != PostKind.ORDINARY:
        if signed_for_on is None:
            raise WorkflowError(_("需签收的邮寄申请以签收之日为收到申请之日，请填写签收日期。"), field="signed_for_on")
        return signed_for_on
    if confirmed_on is None:
        raise WorkflowError(
            _("平常信函、网络、传真和电子邮件申请以双方确认之日为收到申请之日，请填写双方确认日期。"),
            field="confirmed_on",
        )
    return confirmed_on


def receipt_field(channel: str, post_kind: str) -> str:
    """The field derive_receipt_date takes the receipt date from."""
    if channel in (Channel.IN_PERSON, Channel.OTHER):
        return "submitted_on"
    if channel == Channel.LETTER and post_kind != PostKind.ORDINARY:
        return "signed_for_on"
    return "confirmed_on"


# --- the vocabularies of a request's fields ---------------------------------------------------


class ApplicantType(models.TextChoices):
    NATURAL_PERSON = "natural_person", _("自然人")
    COMMERCIAL = "commercial", _("商业企业")
    RESEARCH = "research", _("科研机构")
    SOCIAL_WELFARE = "social_welfare", _("社会公益组织")
    LEGAL_SERVICE = "legal_service", _("法律服务机构")
    OTHER_ORG = "other_org", _("其他")


class ProvisionForm(models.TextChoices):
    PAPER = "paper", _("纸质")
    EMAIL = "email", _("电子邮件")
    DISC = "disc", _("光盘/磁盘")
    INSPECTION = "inspection", _("当场查阅、抄录")
    OTHER = "other", _("其他")


class DeliveryMethod(models.TextChoices):
    """How the applicant asks to receive the reply (portal.md)."""

    POST = "post", _("邮寄")
    EMAIL = "email", _("电子邮件")
    ONLINE = "online", _("网上领取")
    PICKUP = "pickup", _("自行领取")


class ProceedingOutcome(models.TextChoices):
    UPHELD = "upheld", _("维持")
    CORRECTED = "corrected", _("纠正")
    OTHER = "other", _("其他")


# The longest 申请内容 accepted (the form, the API and the ledger say so by name): a description of
# the information sought, not the documents themselves — those are attachments.


class FeeMethod(models.TextChoices):
    """国办函〔2020〕109号第三条: one of the two per notice."""

    PER_ITEM = "per_item", _("按件计收")
    PER_PAGE = "per_page", _("按量计收")
