"""Read serializers (explicit fields, status read-only, personal data masked by role) and the
small input serializers of the registration and of each workflow action."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from disclosure.access import mask_contact, mask_id_number
from disclosure.models import (
    Attachment,
    CalendarDay,
    CalendarYear,
    Consultation,
    DisclosureRequest,
    FeeMethod,
    FeeNotice,
    PostKind,
    ProceedingOutcome,
    ProvisionForm,
    RequestEvent,
    Unit,
)
from disclosure.services import explain_deadline
from disclosure.workflow import CLOSING_OUTCOMES, EXTENSION_DAYS_MESSAGES, Outcome
from security import audit


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "parent", "kind", "path", "ref_prefix"]
        read_only_fields = fields


class MaskedMixin:
    """ID numbers and contacts masked unless the user may reveal them in the request's unit."""

    id_fields = ("applicant_id_number", "agent_id_number")
    contact_fields = ("applicant_contact", "agent_contact")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        access = self.context["access"]
        if access.can_reveal_id(instance.unit_id):  # PIPL: every reveal goes to the audit log
            shown = [n for n in (*self.id_fields, *self.contact_fields) if n in data]
            audit.reveal(self.context.get("request"), instance, shown)
        else:
            for name in self.id_fields:
                if name in data:
                    data[name] = mask_id_number(data[name])
            for name in self.contact_fields:
                if name in data:
                    data[name] = mask_contact(data[name])
        return data


def blank_choice(choices):
    """A read-only choice that may be blank ("" until set): the schema must say so."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


class RequestListSerializer(MaskedMixin, serializers.ModelSerializer):
    outcome = blank_choice(Outcome.choices)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    handler_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    class Meta:
        model = DisclosureRequest
        fields = [
            "id", "ref", "unit", "unit_name", "status", "status_display", "version", "applicant_type",
            "applicant_name", "applicant_id_number", "channel", "received_on", "due_on", "due_is_provisional",
            "is_overdue", "outcome", "concluded_on", "handler", "handler_name",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_handler_name(self, obj) -> str:
        return str(obj.handler) if obj.handler_id else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_overdue(self, obj) -> bool:
        return bool(obj.is_open and obj.due_on and obj.due_on < self.context["today"])


class ConsultationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consultation
        fields = ["id", "request", "kind", "party", "sent_on", "due_on", "replied_on", "opinion", "consents"]
        read_only_fields = fields


class FeeNoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeeNotice
        fields = ["id", "request", "amount", "basis", "notice_on", "due_on", "paid_on", "receipt_number",
                  "method", "ordinal", "pages", "quoted_amount", "amount_reason"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "request", "name", "description", "content_type", "size", "uploaded_by", "uploaded_at",
                  "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj) -> str:
        request = self.context.get("request")
        path = f"/api/v1/attachments/{obj.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = RequestEvent
        fields = ["id", "at", "actor", "actor_name", "action", "from_status", "to_status", "data"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor_name(self, obj) -> str:
        return str(obj.actor) if obj.actor_id else ""


class DeadlineSerializer(serializers.Serializer):
    """services.explain_deadline: how the reply deadline was reached (条例第三十至三十三条)."""

    received_on = serializers.DateField()
    correction_due_on = serializers.DateField(allow_null=True)
    clock_start_on = serializers.DateField(allow_null=True)
    clock_stopped = serializers.BooleanField()
    base_due_on = serializers.DateField(allow_null=True)
    extension_days = serializers.IntegerField()
    delayed_until = serializers.DateField(allow_null=True, help_text="第三十五条确定的延迟答复期限。")
    due_on = serializers.DateField(allow_null=True)
    paused_days = serializers.ListField(child=serializers.DateField())
    skipped_holidays = serializers.ListField(child=serializers.DateField())
    is_provisional = serializers.BooleanField()
    workdays_left = serializers.IntegerField(allow_null=True, help_text="剩余工作日；当天为0，逾期为负数。")
    workdays_used = serializers.IntegerField()


class RequestDetailSerializer(RequestListSerializer):
    post_kind = blank_choice(PostKind.choices)
    provision_form = blank_choice(ProvisionForm.choices)
    reconsideration_outcome = blank_choice(ProceedingOutcome.choices)
    litigation_outcome = blank_choice(ProceedingOutcome.choices)
    deadline = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField()
    consultations = ConsultationSerializer(many=True, read_only=True)
    fee_notices = FeeNoticeSerializer(many=True, read_only=True)

    class Meta(RequestListSerializer.Meta):
        fields = RequestListSerializer.Meta.fields + [
            "applicant_contact", "agent_name", "agent_id_number", "agent_contact", "post_kind", "submitted_on",
            "signed_for_on", "confirmed_on", "receipt_override_reason", "content", "provision_form", "purpose",
            "correction_requested_on", "correction_items", "correction_period_until", "correction_received_on",
            "correction_rounds", "correction_due_on", "clock_start_on", "base_due_on", "extension_days",
            "extension_approved_by", "extension_approved_on", "extension_notified_on", "extension_reason",
            "reasons_requested_on", "reasons_request_note", "delay_finding", "delayed_until", "delay_notified_on",
            "reply_data", "delivery_method", "delivered_on", "archived_on", "archive_number",
            "reconsideration_filed_on", "reconsideration_outcome", "reconsideration_decided_on",
            "litigation_filed_on", "litigation_after_reconsideration", "litigation_outcome",
            "litigation_decided_on", "created_at", "updated_at", "deadline", "available_actions",
            "consultations", "fee_notices",
        ]
        read_only_fields = fields

    @extend_schema_field(DeadlineSerializer)
    def get_deadline(self, obj):
        return DeadlineSerializer(explain_deadline(obj, self.context["today"])).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, obj) -> list[str]:
        access = self.context["access"]
        return access.actions_on(obj)


# --- input ---------------------------------------------------------------------------------------


class VersionMixin(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1,
        help_text="比较并设置：上次读取到的 version；若申请已被他人修改则返回 409。",
    )


class RequestCreateSerializer(serializers.ModelSerializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.none())
    ref = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                help_text="留空则按单位编号规则自动生成。")
    received_on = serializers.DateField(required=False, allow_null=True,
                                        help_text="仅在与按申请方式推算的日期不同时填写，并填写调整理由。")

    class Meta:
        model = DisclosureRequest
        fields = [
            "unit", "ref", "applicant_type", "applicant_name", "applicant_id_number", "applicant_contact",
            "agent_name", "agent_id_number", "agent_contact", "channel", "post_kind", "submitted_on",
            "signed_for_on", "confirmed_on", "received_on", "receipt_override_reason", "content",
            "provision_form", "purpose",
        ]

        validators = []  # a duplicate ref is reported by services.register_request, on its field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # another unit's id reads as "does not exist", like an id that does not
        if "access" in self.context:  # absent only when the schema generator builds the serializer
            self.fields["unit"].queryset = self.context["access"].visible_units()


class RequestUpdateSerializer(VersionMixin, serializers.ModelSerializer):
    """The registration fields that may still change while the request is open."""

    class Meta:
        model = DisclosureRequest
        fields = [
            "applicant_type", "applicant_name", "applicant_id_number", "applicant_contact", "agent_name",
            "agent_id_number", "agent_contact", "content", "provision_form", "purpose", "version",
        ]


class NoInputSerializer(VersionMixin):
    pass


class RequestCorrectionInput(VersionMixin):
    requested_on = serializers.DateField()
    items = serializers.CharField(max_length=5000)
    period_until = serializers.DateField()


class RecordCorrectionInput(VersionMixin):
    received_on = serializers.DateField()


class ConfirmReceiptInput(VersionMixin):
    received_on = serializers.DateField(
        required=False, help_text="收到申请日期（条例第三十一条：双方确认之日）；省略为今天，其他日期须填写 reason。"
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                   help_text="收到申请日期不是今天时的调整理由")


class RejectSubmissionInput(VersionMixin):
    reason = serializers.CharField(max_length=500, help_text="不予确认的理由（告知申请人）：空白、辱骂、重复提交等")


class AssignInput(VersionMixin):
    handler = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="经办人的用户 id（本单位在岗人员）。"
    )


class ConsultationInput(VersionMixin):
    kind = serializers.ChoiceField(choices=Consultation.Kind.choices)
    party = serializers.CharField(max_length=200)
    sent_on = serializers.DateField()


class ConsultationReplyInput(VersionMixin):
    replied_on = serializers.DateField()
    opinion = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    consents = serializers.BooleanField(required=False, allow_null=True, default=None)


@extend_schema_field({"type": "string", "format": "decimal",
                      "pattern": r"^0*([1-9][0-9]{0,7}(\.[0-9]{1,2})?|0?\.(0[1-9]|[1-9][0-9]?))$",
                      "example": "30.00"})
class AmountField(serializers.DecimalField):
    """Yuan, more than zero (the fee-notice service refuses 0), up to 8 digits and 2 decimals:
    drf-spectacular's own pattern for a DecimalField also allows "", "." and a minus sign, which the
    field refuses. Written without look-aheads, which the schema's test-data generators ignore."""


class FeeNoticeInput(VersionMixin):
    """Without `amount` the notice takes the quote's (fee-quote); a different amount needs `amount_reason`.
    `pages` selects 按量 (109号第五条), otherwise 按件; `method` may name it, never both."""

    amount = AmountField(
        max_digits=10, decimal_places=2, min_value=0, required=False, help_text="金额（元）；不填则按标准计算"
    )
    basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="",
                                  help_text="收费依据和标准；不填则按标准计算的说明")
    notice_on = serializers.DateField()
    method = serializers.ChoiceField(choices=FeeMethod.choices, required=False, help_text="按件或按量")
    pages = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, help_text="按量计收的页数")
    amount_reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="",
                                          help_text="金额与按标准计算的金额不同的理由")


class FeeQuoteSerializer(serializers.Serializer):
    """fees.md: the quote of 国办函〔2020〕109号 for one request."""

    method = serializers.ChoiceField(choices=FeeMethod.choices)
    ordinal = serializers.IntegerField(required=False, help_text="按件：该申请人当月向本单位的第几件申请")
    pages = serializers.IntegerField(required=False, help_text="按量：页数")
    amount = serializers.IntegerField(help_text="元")
    basis = serializers.CharField()


class FeePaymentInput(VersionMixin):
    paid_on = serializers.DateField()
    receipt_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class ExtensionInput(VersionMixin):
    days = serializers.IntegerField(min_value=1, max_value=20, error_messages=EXTENSION_DAYS_MESSAGES)
    approved_on = serializers.DateField()
    notified_on = serializers.DateField()
    reason = serializers.CharField(max_length=500)


ReplyData = serializers.DictField(
    child=serializers.CharField(max_length=5000, allow_blank=True), required=False, default=dict,
    help_text=(
        "答复要素，例如 reason、withheld_parts、access_route、competent_body、competent_contact（其联系方式）、"
        "provision_route（提供方式，答复书载明）、earlier_request、letter_number（答复书文号，出具答复书时自动填写）。"
    ),
)


# A reply's outcomes: those that close a request without a reply go through conclude/.
REPLY_OUTCOMES = [(o.value, o.label) for o in Outcome if o not in CLOSING_OUTCOMES]


class LegalReviewInput(VersionMixin):
    outcome = serializers.ChoiceField(choices=REPLY_OUTCOMES, help_text="办理结果（视为放弃、撤回请用 conclude/）。")
    reply_data = ReplyData


class NoteInput(VersionMixin):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RevisionNoteInput(VersionMixin):
    """退回修改: what to revise is required (services.return_for_revision refuses a blank note)."""

    note = serializers.CharField(max_length=2000, help_text="退回修改的意见（必填）。")


class ReplyInput(VersionMixin):
    """签发: the head signs the reply submitted for sign-off (after legal review where required)."""

    outcome = serializers.ChoiceField(choices=REPLY_OUTCOMES, required=False,
                                      help_text="可省略，沿用提交签发（法制审核）时的结果；填写的须与之一致。")
    replied_on = serializers.DateField()
    reply_data = ReplyData
    issue_letter = serializers.BooleanField(
        default=True, help_text="同时出具答复书（取文号，答复要素中的 letter_number 即为该文号）；"
                                "答复书无法出具时不签发。false：稍后在 letters/reply/issue/ 出具。")


class ReasonsRequestInput(VersionMixin):
    requested_on = serializers.DateField()
    note = serializers.CharField(max_length=500, help_text="申请数量、频次明显超过合理范围的情况。")


class DelayedReplyInput(VersionMixin):
    finding = serializers.CharField(
        max_length=500, help_text="认定意见：理由合理，但无法在第三十三条规定的期限内答复。"
    )
    delayed_until = serializers.DateField(help_text="延迟答复期限，须晚于当前答复期限。")
    notified_on = serializers.DateField(help_text="告知申请人的日期，须在当前答复期限届满前。")


class ProceedingInput(VersionMixin):
    filed_on = serializers.DateField()
    outcome = serializers.ChoiceField(
        choices=[("", "尚未审结"), *ProceedingOutcome.choices], required=False, allow_blank=True, default="",
        help_text="维持 upheld、纠正 corrected、其他 other；留空表示尚未审结。",
    )
    decided_on = serializers.DateField(required=False, allow_null=True, default=None)


class LitigationInput(ProceedingInput):
    after_reconsideration = serializers.BooleanField(required=False, default=False, help_text="是否复议后起诉。")


class ConcludeInput(VersionMixin):
    outcome = serializers.ChoiceField(
        choices=[(o.value, o.label) for o in (Outcome.ABANDONED_NO_CORRECTION, Outcome.ABANDONED_FEE_UNPAID,
                                               Outcome.WITHDRAWN)]
    )
    concluded_on = serializers.DateField()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ArchiveInput(VersionMixin):
    delivery_method = serializers.CharField(max_length=100)
    delivered_on = serializers.DateField()
    archived_on = serializers.DateField(required=False, allow_null=True, default=None)
    archive_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class AttachmentUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="PDF、JPG、PNG、DOC(X)、XLS(X)、TXT 或 ZIP；按内容识别类型。")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                 help_text="令牌用途说明，例如对接系统名称。")
    otp = serializers.CharField(max_length=16, required=False, allow_blank=True, default="",
                                help_text="系统管理员和单位负责人必填：身份验证器显示的6位验证码，或一个备用验证码（只能使用一次）。")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="只显示这一次；服务器只保存其摘要。")
    prefix = serializers.CharField()
    expires_at = serializers.DateTimeField()


class CalendarDaySerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarDay
        fields = ["id", "date", "is_workday", "note", "source"]


class CalendarYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarYear
        fields = ["id", "year", "source", "loaded_at"]
        read_only_fields = ["loaded_at"]

    def validate_year(self, value):
        if not 2000 <= value <= 2100:
            raise serializers.ValidationError(_("年度应在2000至2100之间。"))
        return value
