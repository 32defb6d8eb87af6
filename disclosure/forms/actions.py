"""One small form per workflow action: each translates input and calls one service. A WorkflowError
from the service becomes an error on the field it names (or on the whole form), and because the
service refused, nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents import services as letters

from .. import services
from ..applicants import fee_quote
from ..models import Consultation, DisclosureRequest, FeeNotice, ProceedingOutcome, StaffRole, User
from ..workflow import (
    CLOSING_OUTCOMES,
    EXTENSION_DAYS_MESSAGES,
    FEE_AMOUNT_MESSAGES,
    Action,
    ConcurrentChange,
    Outcome,
    Status,
    WorkflowError,
    legal_review_required,
)
from .registration import DateInput, add_service_error


def today():
    return timezone.localdate()


class ActionForm(forms.Form):
    """Carries the version of the request the user saw, so a concurrent change is detected."""

    action: str = ""
    seen_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, req: DisclosureRequest, actor, **kwargs):
        self.req, self.actor = req, actor
        self.concurrent_change = False  # submit() refused because someone changed the request meanwhile
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = req.version

    # The service this form calls: by default its keyword arguments are the form's own fields, so a
    # form whose fields are the service's arguments needs no code.
    service: Callable[..., object]

    def fixed_facts(self) -> list[tuple[str, str]]:
        """What this step decides on but cannot change, shown as text above the fields: (label, value)."""
        return []

    def call_service(self, expected_version: int) -> None:
        arguments = {name: value for name, value in self.cleaned_data.items() if name != "seen_version"}
        self.service(self.req, actor=self.actor, expected_version=expected_version, **arguments)

    def submit(self) -> bool:
        """Validate and call the service; False, with the reason on its field, when refused."""
        if not self.is_valid():
            return False
        try:
            self.call_service(self.cleaned_data["seen_version"])
        except WorkflowError as exc:
            self.concurrent_change = isinstance(exc, ConcurrentChange)
            add_service_error(self, exc)
            return False
        return True


class StartReviewForm(ActionForm):
    action = Action.START_REVIEW
    service = staticmethod(services.start_review)


class AcceptForm(ActionForm):
    action = Action.ACCEPT
    service = staticmethod(services.accept)


class RequestCorrectionForm(ActionForm):
    action = Action.REQUEST_CORRECTION
    service = staticmethod(services.request_correction)
    requested_on = forms.DateField(label=_("补正告知日期"), initial=today, widget=DateInput())
    items = forms.CharField(
        label=_("补正事项"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("一次性写明需要补正的全部事项。"),
    )
    period_until = forms.DateField(label=_("补正期限"), widget=DateInput(), help_text=_("申请人应在此日期前补正。"))


class RecordCorrectionForm(ActionForm):
    action = Action.RECORD_CORRECTION
    service = staticmethod(services.record_correction)
    received_on = forms.DateField(label=_("收到补正日期"), initial=today, widget=DateInput())


class StartConsultationForm(ActionForm):
    action = Action.START_CONSULTATION
    service = staticmethod(services.start_consultation)
    kind = forms.ChoiceField(label=_("类型"), choices=Consultation.Kind.choices)
    party = forms.CharField(label=_("被征求意见方"), max_length=200)
    sent_on = forms.DateField(label=_("征求意见日期"), initial=today, widget=DateInput())


# "No answer" means different things (第三十二、三十四条): only for another body is silence consent.
NO_ANSWER = {
    Consultation.Kind.AGENCY: _("未表态（其他行政机关逾期未提出意见的，视为同意公开，第三十四条）"),
    Consultation.Kind.THIRD_PARTY: _("未表态（第三方逾期未提出意见的，由本机关依法决定是否公开，第三十二条）"),
}
CONSENT_CHOICES = (
    ("yes", _("同意公开")),
    ("no", _("不同意公开")),
)


class RecordConsultationReplyForm(ActionForm):
    action = Action.RECORD_CONSULTATION_REPLY
    consultation = forms.ModelChoiceField(label=_("征求意见"), queryset=Consultation.objects.none())
    replied_on = forms.DateField(label=_("征求意见答复日期"), initial=today, widget=DateInput())
    consents = forms.ChoiceField(label=_("是否同意公开"), choices=CONSENT_CHOICES, required=False)
    opinion = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pending = list(self.req.consultations.filter(replied_on__isnull=True))
        self.fields["consultation"].queryset = self.req.consultations.filter(replied_on__isnull=True)
        if len(pending) == 1:
            self.fields["consultation"].initial = pending[0].pk
        kinds = {c.kind for c in pending}
        if len(kinds) == 1:
            no_answer = NO_ANSWER[kinds.pop()]
        else:
            no_answer = _("未表态（其他行政机关逾期未提出意见的视为同意公开；第三方的由本机关依法决定）")
        self.fields["consents"].choices = [("", no_answer), *CONSENT_CHOICES]

    def call_service(self, expected_version):
        consents = {"yes": True, "no": False}.get(self.cleaned_data["consents"])
        consultation = self.cleaned_data["consultation"]
        consultation.request = self.req  # the row the view checked, with the version the user saw
        services.record_consultation_reply(
            consultation,
            actor=self.actor,
            replied_on=self.cleaned_data["replied_on"],
            opinion=self.cleaned_data["opinion"],
            consents=consents,
            expected_version=expected_version,
        )


class IssueFeeNoticeForm(ActionForm):
    """Prefilled with the 109号 quote (按件, from the applicant's ordinal in the month); pages given
    select 按量. An amount or basis left as prefilled is the quote's; a changed amount needs a reason."""

    action = Action.ISSUE_FEE_NOTICE
    method = forms.ChoiceField(
        label=_("计收方式"), required=False,
        choices=[("", _("按件（填写页数则按量）")), ("per_item", _("按件计收")), ("per_page", _("按量计收"))],
    )
    pages = forms.IntegerField(label=_("页数（按量计收）"), required=False, min_value=0, max_value=1_000_000)
    amount = forms.DecimalField(label=_("金额（元）"), max_digits=10, decimal_places=2, min_value=Decimal("0.01"),
                                required=False, error_messages=FEE_AMOUNT_MESSAGES)
    basis = forms.CharField(label=_("收费依据和标准"), max_length=300, required=False,
                            widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))
    amount_reason = forms.CharField(label=_("金额与标准不同的理由"), max_length=500, required=False)
    notice_on = forms.DateField(label=_("收费通知日期"), initial=today, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        try:
            quote = fee_quote(self.req)
        except WorkflowError:
            return
        self.fields["amount"].initial = quote.amount or None
        self.fields["basis"].initial = quote.basis
        self.fields["amount"].help_text = _(
            "按标准计算：%(amount)d元（%(basis)s）。不修改即按标准收取；按量计收时按页数计算。"
        ) % {
            "amount": quote.amount, "basis": quote.basis,
        }

    def call_service(self, expected_version):
        data = self.cleaned_data
        changed = set(self.changed_data)
        services.issue_fee_notice(
            self.req, actor=self.actor, expected_version=expected_version, notice_on=data["notice_on"],
            # left as prefilled: the quote's (which follows the method and pages chosen)
            amount=data["amount"] if "amount" in changed else None,
            basis=data["basis"] if "basis" in changed else "",
            method=data["method"] or None, pages=data["pages"], amount_reason=data["amount_reason"],
        )


class RecordFeePaymentForm(ActionForm):
    action = Action.RECORD_FEE_PAYMENT
    fee = forms.ModelChoiceField(label=_("收费通知"), queryset=FeeNotice.objects.none())
    paid_on = forms.DateField(label=_("缴费日期"), initial=today, widget=DateInput())
    receipt_number = forms.CharField(label=_("票据号"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        unpaid = self.req.fee_notices.filter(paid_on__isnull=True)
        self.fields["fee"].queryset = unpaid
        if len(unpaid) == 1:
            self.fields["fee"].initial = unpaid[0].pk

    def call_service(self, expected_version):
        fee = self.cleaned_data["fee"]
        fee.request = self.req
        services.record_fee_payment(
            fee,
            actor=self.actor,
            paid_on=self.cleaned_data["paid_on"],
            receipt_number=self.cleaned_data["receipt_number"],
            expected_version=expected_version,
        )


class ApproveExtensionForm(ActionForm):
    action = Action.APPROVE_EXTENSION
    service = staticmethod(services.approve_extension)
    days = forms.IntegerField(label=_("延长工作日数"), min_value=1, max_value=20, initial=20,
                              error_messages=EXTENSION_DAYS_MESSAGES)
    approved_on = forms.DateField(label=_("延期批准日期"), initial=today, widget=DateInput())
    notified_on = forms.DateField(label=_("延期告知日期"), initial=today, widget=DateInput())
    reason = forms.CharField(label=_("延期理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class RequestReasonsForm(ActionForm):
    action = Action.REQUEST_REASONS
    service = staticmethod(services.request_reasons)
    requested_on = forms.DateField(label=_("要求说明理由日期"), initial=today, widget=DateInput())
    note = forms.CharField(
        label=_("申请数量、频次明显超过合理范围的情况"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例如：同一申请人本月已提交申请的件数、所涉信息的数量。理由不合理的，以“无正当理由大量反复申请”答复不予处理。"),
    )


class SetDelayedReplyForm(ActionForm):
    action = Action.SET_DELAYED_REPLY
    service = staticmethod(services.set_delayed_reply)
    finding = forms.CharField(
        label=_("认定意见"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("申请理由合理，但无法在第三十三条规定的期限内答复的情况。"),
    )
    delayed_until = forms.DateField(label=_("延迟答复期限"), widget=DateInput())
    notified_on = forms.DateField(label=_("告知申请人日期"), initial=today, widget=DateInput())


# Who can be a request's 经办人: the people who carry a case (经办人, 审核人, 负责人). A 法制审核人 reviews
# the reply and is not offered (a reviewer of one's own draft is what GONGKAI_SEPARATE_DUTIES forbids).
HANDLER_ROLES = ("clerk", "reviewer", "head")


def handlers_for(unit_ids):
    """The active people with a handling role in these units, each with its roles (to label them)."""
    return (
        User.objects.filter(is_active=True, roles__unit_id__in=list(unit_ids), roles__role__in=HANDLER_ROLES)
        .distinct()
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=StaffRole.objects.filter(unit_id__in=list(unit_ids), role__in=HANDLER_ROLES)
                .select_related("unit")
                .order_by("unit__path", "role"),
                to_attr="handler_roles",
            )
        )
    )


class HandlerChoiceField(forms.ModelChoiceField):
    """张三（经办人）: the dropdown says what each person is; with several units, where."""

    def __init__(self, *args, show_unit: bool = False, **kwargs):
        self.show_unit = show_unit
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        name = str(obj)
        roles = getattr(obj, "handler_roles", ())
        parts = [
            f"{r.get_role_display()} · {r.unit.name}" if self.show_unit else str(r.get_role_display()) for r in roles
        ]
        return f"{name}（{'、'.join(parts)}）" if parts else name


class AssignForm(ActionForm):
    action = Action.ASSIGN
    service = staticmethod(services.assign_handler)
    handler = HandlerChoiceField(label=_("经办人"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers_for([self.req.unit_id])
        self.fields["handler"].initial = self.req.handler_id


class BulkAssignForm(forms.Form):
    """The list's 批量指定经办人: one handler for the selected requests (each assigned by the service)."""

    handler = HandlerChoiceField(label=_("经办人"), queryset=User.objects.none(), show_unit=True)

    def __init__(self, *args, unit_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers_for(unit_ids)
        self.fields["handler"].show_unit = len(set(unit_ids)) > 1


# The elements a reply may need (workflow.REPLY_REQUIREMENTS), as optional fields: the service says
# which ones the chosen outcome requires.
REPLY_DATA_FIELDS = {
    "reason": _("理由（不予公开或不予公开部分的理由）"),
    "withheld_parts": _("不予公开的内容（部分公开时）"),
    "competent_body": _("负责公开的行政机关（不属于本机关负责公开时）"),
    "competent_contact": _("该行政机关的联系方式（答复书载明）"),
    "earlier_request": _("此前的申请编号（重复申请时）"),
    "access_route": _("获取途径（已主动公开时：网址或栏目）"),
    "provision_route": _("提供方式（予以公开、部分公开时，答复书载明；留空按申请的提供形式）"),
}

REPLY_TEXT_MAX_LENGTH = 5000  # each element of a reply (the API's ReplyData has the same limit)
REPLY_OUTCOME_CHOICES = [("", "---------")] + [(o.value, o.label) for o in Outcome if o not in CLOSING_OUTCOMES]


class ReplyDataMixin:
    def add_reply_data_fields(self, initial: dict) -> None:
        for name, label in REPLY_DATA_FIELDS.items():
            widget = forms.Textarea(attrs={"rows": 2}) if name in ("reason", "withheld_parts") else None
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=widget, initial=initial.get(name), max_length=REPLY_TEXT_MAX_LENGTH
            )

    def reply_data(self) -> dict:
        return {name: self.cleaned_data[name].strip() for name in REPLY_DATA_FIELDS if self.cleaned_data.get(name)}


class SubmitForLegalReviewForm(ReplyDataMixin, ActionForm):
    action = Action.SUBMIT_FOR_LEGAL_REVIEW
    service = staticmethod(services.submit_for_legal_review)
    outcome = forms.ChoiceField(label=_("办理结果"), choices=REPLY_OUTCOME_CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].initial = self.req.outcome or None
        self.add_reply_data_fields(self.req.reply_data or {})

    def call_service(self, expected_version):
        self.service(
            self.req,
            actor=self.actor,
            outcome=self.cleaned_data["outcome"],
            reply_data=self.reply_data(),
            expected_version=expected_version,
        )


class SubmitForSignOffForm(SubmitForLegalReviewForm):
    """A reply that needs no legal review, straight to the head: only the outcomes that allow it."""

    action = Action.SUBMIT_FOR_SIGN_OFF
    service = staticmethod(services.submit_for_sign_off)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rules = self.req.unit.rules
        self.fields["outcome"].choices = [
            (value, label) for value, label in REPLY_OUTCOME_CHOICES
            if not value or not legal_review_required(value, rules)
        ]
        if self.req.outcome and legal_review_required(self.req.outcome, rules):
            self.fields["outcome"].initial = None
        self.fields["outcome"].help_text = _(
            "不予公开、部分公开、无法提供、不予处理和非本机关负责公开的答复须先提交法制审核，不在此列。"
        )


def draft_facts(req: DisclosureRequest) -> list[tuple[str, str]]:
    """The draft reply as submitted: its outcome and the elements it carries."""
    facts = [(str(_("办理结果")), req.get_outcome_display() or "—")]
    for name, label in REPLY_DATA_FIELDS.items():
        value = (req.reply_data or {}).get(name)
        if value:
            facts.append((str(label), str(value)))
    if req.drafted_by_id:
        facts.append((str(_("答复起草人")), str(req.drafted_by)))
    if req.status == Status.SIGN_OFF:  # what legal review said, if it was reviewed
        review = req.events.filter(action=Action.APPROVE_LEGAL_REVIEW).select_related("actor").order_by("-pk").first()
        submitted = req.events.filter(
            action__in=[Action.SUBMIT_FOR_LEGAL_REVIEW, Action.SUBMIT_FOR_SIGN_OFF]).order_by("-pk").first()
        if review is not None and submitted is not None and review.pk > submitted.pk:
            facts.append((str(_("法制审核人")), str(review.actor or "—")))
            if (review.data or {}).get("note"):
                facts.append((str(_("审核意见")), review.data["note"]))
    return facts


class ApproveLegalReviewForm(ActionForm):
    action = Action.APPROVE_LEGAL_REVIEW
    service = staticmethod(services.approve_legal_review)
    note = forms.CharField(
        label=_("审核意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def fixed_facts(self):
        return draft_facts(self.req)


class ReturnForRevisionForm(ActionForm):
    action = Action.RETURN_FOR_REVISION
    service = staticmethod(services.return_for_revision)
    note = forms.CharField(label=_("退回意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def fixed_facts(self):
        return draft_facts(self.req)


class ReplyForm(ActionForm):
    """签发答复 (the head): what was submitted for sign-off — after legal review where required — is
    shown as text; changing it means returning it for revision."""

    action = Action.REPLY
    replied_on = forms.DateField(label=_("答复日期"), initial=today, widget=DateInput())
    issue_letter = forms.BooleanField(
        label=_("同时出具答复书"), required=False, initial=True,
        help_text=_("签发时取答复书文号并生成答复书（DOCX，PDF 随后生成）；答复书无法出具时不签发，并说明缺少什么。"),
    )

    def fixed_facts(self):
        return draft_facts(self.req)

    def call_service(self, expected_version):
        letters.sign_reply(
            self.req,
            actor=self.actor,
            outcome=None,  # the service signs what was submitted
            replied_on=self.cleaned_data["replied_on"],
            reply_data={},
            issue_letter=self.cleaned_data["issue_letter"],
            expected_version=expected_version,
        )


class ConcludeForm(ActionForm):
    action = Action.CONCLUDE
    service = staticmethod(services.conclude)
    outcome = forms.ChoiceField(
        label=_("终止原因"),
        choices=[("", "---------")] + [(o.value, o.label) for o in Outcome if o in CLOSING_OUTCOMES],
    )
    concluded_on = forms.DateField(label=_("终止日期"), initial=today, widget=DateInput())
    reason = forms.CharField(label=_("说明"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class ArchiveForm(ActionForm):
    action = Action.ARCHIVE
    service = staticmethod(services.archive)
    delivery_method = forms.CharField(
        label=_("送达方式"), max_length=100, help_text=_("例如：邮寄（EMS单号）、当面领取、电子邮件。")
    )
    delivered_on = forms.DateField(label=_("送达日期"), widget=DateInput())
    archived_on = forms.DateField(label=_("归档日期"), initial=today, widget=DateInput())
    archive_number = forms.CharField(label=_("档案号"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        reply = letters.live_document(self.req, "reply") if self.req.status == Status.REPLIED else None
        if reply is not None:  # the delivery record names the document delivered
            self.fields["delivery_method"].help_text = _("送达的文书：%(document)s（%(number)s）。") % {
                "document": reply.get_kind_display(), "number": reply.number}


PROCEEDING_OUTCOME_CHOICES = [("", _("尚未审结"))] + list(ProceedingOutcome.choices)


class ProceedingForm(ActionForm):
    """A 复议 or 诉讼 as far as it has got: the filing, then (on a later visit) the decision."""

    prefix_field = ""  # "reconsideration" or "litigation": the request's stored values fill the form
    filed_on = forms.DateField(widget=DateInput())
    outcome = forms.ChoiceField(choices=PROCEEDING_OUTCOME_CHOICES, required=False)
    decided_on = forms.DateField(required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("filed_on", "outcome", "decided_on"):
            stored = getattr(self.req, f"{self.prefix_field}_{name}", None)
            if stored not in (None, ""):
                self.fields[name].initial = stored


class RecordReconsiderationForm(ProceedingForm):
    action = Action.RECORD_RECONSIDERATION
    service = staticmethod(services.record_reconsideration)
    prefix_field = "reconsideration"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filed_on"].label = _("申请复议日期")
        self.fields["outcome"].label = _("复议结果")
        self.fields["decided_on"].label = _("复议决定日期")


class RecordLitigationForm(ProceedingForm):
    action = Action.RECORD_LITIGATION
    service = staticmethod(services.record_litigation)
    prefix_field = "litigation"
    after_reconsideration = forms.BooleanField(label=_("复议后起诉"), required=False)
    field_order = ["filed_on", "after_reconsideration", "outcome", "decided_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filed_on"].label = _("起诉日期")
        self.fields["outcome"].label = _("诉讼结果")
        self.fields["decided_on"].label = _("判决日期")
        if self.req.litigation_after_reconsideration is not None:
            self.fields["after_reconsideration"].initial = self.req.litigation_after_reconsideration
        else:
            self.fields["after_reconsideration"].initial = self.req.reconsideration_filed_on is not None


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        StartReviewForm,
        RequestCorrectionForm,
        RecordCorrectionForm,
        AcceptForm,
        StartConsultationForm,
        RecordConsultationReplyForm,
        IssueFeeNoticeForm,
        RecordFeePaymentForm,
        ApproveExtensionForm,
        RequestReasonsForm,
        SetDelayedReplyForm,
        AssignForm,
        SubmitForLegalReviewForm,
        SubmitForSignOffForm,
        ApproveLegalReviewForm,
        ReturnForRevisionForm,
        ReplyForm,
        ConcludeForm,
        ArchiveForm,
        RecordReconsiderationForm,
        RecordLitigationForm,
    )
}


# issue 10 (portal.md): the two arrows out of 已提交待确认, on the page of an online submission.


class ConfirmReceiptForm(ActionForm):
    action = Action.CONFIRM_RECEIPT
    service = staticmethod(services.confirm_receipt)
    received_on = forms.DateField(
        label=_("收到申请日期"), initial=today, widget=DateInput(),
        help_text=_("条例第三十一条：网上申请以双方确认之日为收到申请之日，默认为今天。"),
    )
    reason = forms.CharField(
        label=_("调整理由"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("收到申请日期不是今天时必填。"),
    )


class RejectSubmissionForm(ActionForm):
    action = Action.REJECT_SUBMISSION
    service = staticmethod(services.reject_submission)
    reason = forms.CharField(
        label=_("不予确认的理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("仅用于不是政府信息公开申请的提交（空白、辱骂、同一申请重复提交）；理由将告知申请人。"),
    )


ACTION_FORMS.update({form.action: form for form in (ConfirmReceiptForm, RejectSubmissionForm)})


# --- attachments -------------------------------------------------------------------------------
