"""Units, staff roles, requests and their records, the append-only event log, the calendar."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import periods

# Attachment, the consultation and fee notice (notices.py) and the calendar's models live in their own
# modules (attachment_path stays importable here, where the migrations find it); imported here, Django
# registers them with the app.
from .attachments import Attachment as Attachment
from .attachments import attachment_path as attachment_path
from .crypto import EncryptedCharField
from .notices import Consultation as Consultation
from .notices import FeeNotice as FeeNotice
from .workcalendar import CalendarDay as CalendarDay
from .workcalendar import CalendarYear as CalendarYear
from .workflow import (
    CONCLUDED_STATUSES,
    OPEN_STATUSES,
    UNRECEIVED_STATUSES,
    ApplicantType,
    Authors,
    Channel,
    DeliveryMethod,
    LegalReview,
    Outcome,
    PostKind,
    ProceedingOutcome,
    ProvisionForm,
    Role,
    Status,
    UnitRules,
)
from .workflow import FeeMethod as FeeMethod  # the fee notice's vocabulary, importable from here as before


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def __str__(self):
        return self.full_name or self.username

    def get_short_name(self):
        return self.full_name or self.username


class Unit(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("本级政府")
        DEPARTMENT = "department", _("部门")
        TOWNSHIP = "township", _("乡镇（街道）")
        OTHER = "other", _("其他")

    code = models.CharField(
        _("单位编码"),
        max_length=64,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("单位编码只能包含字母、数字、“-”和“_”。"))],
    )
    name = models.CharField(_("单位名称"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("单位类型"), max_length=16, choices=Kind.choices)
    # Materialised path "/root/child/": a subtree is one indexed prefix filter.
    path = models.CharField(_("路径"), max_length=1000, editable=False, db_index=True)
    ref_prefix = models.CharField(
        _("编号前缀"), max_length=50, blank=True, help_text=_("例如“金东公开”，生成“金东公开〔2026〕第0001号”。")
    )
    reminder_days = models.CharField(
        _("提醒阈值（工作日）"), max_length=50, blank=True, help_text=_("逗号分隔，例如“5,1”；留空使用系统默认值。")
    )
    # 文书 (letters.md): the 文号 prefix, to which each family adds 复, 补, 延, …; and the 复议机关 named
    # in the remedy clause when the unit has no government above it, or to override the default.
    letter_prefix = models.CharField(
        _("文号前缀"), max_length=20, blank=True,
        help_text=_("例如“金东公”，答复书文号为“金东公复〔2026〕12号”；留空则由编号前缀去掉末尾的“开”得出。"),
    )
    reconsideration_body = models.CharField(
        _("复议机关"), max_length=200, blank=True,
        help_text=_("救济告知中的行政复议机关全称；留空则取上级人民政府（没有上级人民政府的单位须填写）。"),
    )
    # 109号: the 收费通知书 states how to pay (the account, the place, the 财政票据)
    fee_payment = models.CharField(
        _("信息处理费缴纳方式"), max_length=500, blank=True,
        help_text=_("写入收费通知书，例如缴款账户或缴费地点；留空则使用通用表述。"),
    )
    # Who decides what: blank follows the system settings (GONGKAI_LEGAL_REVIEW, GONGKAI_SEPARATE_DUTIES).
    legal_review = models.CharField(
        _("法制审核范围"), max_length=16, choices=LegalReview.choices, blank=True,
        help_text=_("留空按系统设置。不利答复（不予公开、部分公开、无法提供、不予处理、非本机关负责公开）始终须经法制审核。"),
    )
    separate_duties = models.BooleanField(
        _("岗位分离"), null=True, blank=True,
        choices=[(None, _("按系统设置")), (True, _("是：登记与审核、起草与法制审核须由不同人员办理")),
                 (False, _("否：一人办公室，同一人可办理各环节"))],
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")
        ordering = ["path"]
        constraints = [
            # Subtrees are path prefixes, and SQLite's LIKE ignores case: codes that differ only
            # in case would see into each other's subtree.
            models.UniqueConstraint(Lower("code"), name="unit_code_unique_ignoring_case"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        self.path = self.compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Unit.objects.filter(pk=child.pk).update(path=child.path)

    def clean(self):
        ancestor = self.parent
        while ancestor is not None:
            if ancestor.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": _("上级单位不能是本单位或其下级单位。")})
            ancestor = ancestor.parent

    def compute_path(self) -> str:
        return (self.parent.path if self.parent_id else "/") + self.code + "/"

    def subtree(self):
        return Unit.objects.filter(path__startswith=self.path)

    @property
    def rules(self) -> UnitRules:
        """The unit's choices of workflow.UnitRules: its own fields, else the system settings."""
        legal_review = self.legal_review or settings.GONGKAI_LEGAL_REVIEW
        separate = settings.GONGKAI_SEPARATE_DUTIES if self.separate_duties is None else self.separate_duties
        return UnitRules(legal_review_all=legal_review == LegalReview.ALL, separate_duties=bool(separate))

    def next_reference_seq(self, year: int) -> int:
        last = (
            DisclosureRequest.objects.filter(unit=self, ref_year=year)
            .aggregate(m=models.Max("ref_seq"))
            .get("m")
        )
        return (last or 0) + 1


class StaffRole(models.Model):
    Role = Role  # the one vocabulary of roles (workflow.Role), under its usual name here

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("岗位角色")
        verbose_name_plural = pgettext_lazy("plural", "岗位角色")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="unique_staff_role")]

    def __str__(self):
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


CONTENT_MAX_LENGTH = 5000


class DisclosureRequestQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def concluded(self):
        return self.filter(status__in=CONCLUDED_STATUSES)

    def overdue(self, today: date):
        return self.open().filter(due_on__lt=today)

    def due_between(self, first: date, last: date):
        return self.open().filter(due_on__gte=first, due_on__lte=last)

    def received(self):
        """Requests received as applications: not online submissions still waiting or rejected."""
        return self.exclude(status__in=UNRECEIVED_STATUSES)

    def submitted(self):
        return self.filter(status=Status.SUBMITTED)

    def received_in(self, year: int):
        return self.filter(periods.received_in(periods.Period.of_year(year)))

    def in_units(self, units):
        return self.filter(unit__in=units)

    # --- waiting for a person's decision (the home page's "待我审核 / 待我法制审核 / 待我签发") -----
    # Each is one query (plus the user's roles, read once per request cycle and cached on the user). They list what this
    # person may decide now: the state, their role in the unit, and 岗位分离 — not what they
    # registered (review) or drafted (legal review) where the unit separates duties.

    def _awaiting(self, user, role: str, statuses, author_field: str | None):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()  # as access.access_for: no roles
        cached = getattr(user, "_gongkai_access", None)  # access.access_for's, when read already
        if cached is not None:
            unit_ids = [unit_id for unit_id, roles in cached.roles.items() if role in roles]
        else:
            unit_ids = list(StaffRole.objects.filter(user=user, role=role).values_list("unit_id", flat=True))
        if not unit_ids:
            return self.none()
        qs = self.filter(unit_id__in=unit_ids, status__in=list(statuses))
        if author_field:
            # Unit.rules in SQL: the unit's own choice, else the setting
            separated = Q(unit__separate_duties=True)
            if settings.GONGKAI_SEPARATE_DUTIES:
                separated |= Q(unit__separate_duties__isnull=True)
            qs = qs.exclude(separated & Q(**{author_field: user.pk}))
        return qs

    def awaiting_review(self, user):
        """Registered or in review, in units where `user` is a reviewer (审核人)."""
        return self._awaiting(user, "reviewer", (Status.REGISTERED, Status.REVIEWING), "registered_by")

    def awaiting_legal_review(self, user):
        """A draft reply in 法制审核, in units where `user` is a legal reviewer."""
        return self._awaiting(user, "legal_reviewer", (Status.LEGAL_REVIEW,), "drafted_by")

    def awaiting_sign_off(self, user):
        """A reply waiting for 签发, in units where `user` is the head (工作机构负责人)."""
        return self._awaiting(user, "head", (Status.SIGN_OFF,), None)


class DisclosureRequest(models.Model):
    """One application (件). Status and deadline fields are written only by the services (disclosure/services/)."""

    unit = models.ForeignKey(Unit, verbose_name=_("受理单位"), on_delete=models.PROTECT, related_name="requests")
    ref = models.CharField(_("申请编号"), max_length=100, blank=True)
    ref_year = models.PositiveSmallIntegerField(_("编号年度"), null=True, blank=True, editable=False)
    ref_seq = models.PositiveIntegerField(_("编号序号"), null=True, blank=True, editable=False)

    # Applicant (申请人)
    applicant_type = models.CharField(_("申请人类型"), max_length=20, choices=ApplicantType)
    applicant_name = models.CharField(_("申请人"), max_length=200)
    applicant_id_number = EncryptedCharField(_("证件号码"), max_length=64, blank=True)  # encrypted at rest (PIPL)
    # HMAC of the normalised number (blindindex.py): "the same applicant" without decrypting
    applicant_id_hash = models.CharField(_("证件号码索引"), max_length=64, blank=True, default="", editable=False)
    applicant_contact = EncryptedCharField(_("联系方式"), max_length=300, blank=True)  # encrypted at rest (PIPL)
    agent_name = models.CharField(_("代理人"), max_length=200, blank=True)
    agent_id_number = EncryptedCharField(_("代理人证件号码"), max_length=64, blank=True)  # encrypted at rest (PIPL)
    agent_contact = EncryptedCharField(_("代理人联系方式"), max_length=300, blank=True)  # encrypted at rest (PIPL)
    # Online applications (portal.md): the phone the status lookup checks and the addresses the
    # applicant is notified at; encrypted like the contact field they are also copied into.
    applicant_phone = EncryptedCharField(_("联系电话"), max_length=32, blank=True)
    applicant_email = EncryptedCharField(_("电子邮箱"), max_length=254, blank=True)
    # Only a keyed hash (HMAC-SHA256) of the tracking code given to an online applicant.
    tracking_hash = models.CharField(_("查询码摘要"), max_length=64, null=True, blank=True, unique=True, editable=False)
    submitted_at = models.DateTimeField(_("网上提交时间"), null=True, blank=True)
    # A corrected application submitted online and not yet confirmed by a clerk (RECORD_CORRECTION).
    online_correction_at = models.DateTimeField(_("网上补正提交时间"), null=True, blank=True)

    # Channel and the Art. 31 receipt date
    channel = models.CharField(_("申请方式"), max_length=16, choices=Channel)
    post_kind = models.CharField(_("邮寄方式"), max_length=16, choices=PostKind, blank=True)
    submitted_on = models.DateField(_("提交日期"))
    # For an online submission not yet confirmed (Status.SUBMITTED), received_on holds the day of
    # submission until confirm_receipt sets the receipt date; reports and sweeps skip those states.
    signed_for_on = models.DateField(_("签收日期"), null=True, blank=True)
    confirmed_on = models.DateField(_("双方确认日期"), null=True, blank=True)
    received_on = models.DateField(_("收到申请日期"), db_index=True)
    receipt_override_reason = models.CharField(_("收到日期调整理由"), max_length=500, blank=True)

    content = models.TextField(_("申请内容"), max_length=CONTENT_MAX_LENGTH)
    provision_form = models.CharField(_("提供形式"), max_length=16, choices=ProvisionForm, blank=True)
    requested_delivery = models.CharField(
        _("获取信息的方式"), max_length=16, choices=DeliveryMethod, blank=True
    )
    purpose = models.CharField(_("用途"), max_length=300, blank=True)

    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_requests",
    )
    # 岗位分离 (workflow.SEPARATED_DUTIES): who registered it, who submitted the current draft reply
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("答复起草人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", editable=False,
    )

    # Workflow state (the services only)
    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)

    # 补正 (the latest round; earlier rounds are in the events)
    correction_requested_on = models.DateField(_("补正告知日期"), null=True, blank=True)
    correction_items = models.TextField(_("补正事项"), blank=True)
    correction_period_until = models.DateField(_("补正期限"), null=True, blank=True)
    correction_received_on = models.DateField(_("收到补正日期"), null=True, blank=True)
    correction_rounds = models.PositiveSmallIntegerField(_("补正次数"), default=0)

    # 延长答复期限 (第三十三条)
    extension_days = models.PositiveSmallIntegerField(_("延长工作日数"), default=0)
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("延期批准人"),
    )
    extension_approved_on = models.DateField(_("延期批准日期"), null=True, blank=True)
    extension_notified_on = models.DateField(_("延期告知日期"), null=True, blank=True)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)

    # 第三十五条: an unreasonably frequent or large application — the applicant is asked for reasons;
    # if they are reasonable but the Art. 33 period cannot be met, a later reply date is set.
    reasons_requested_on = models.DateField(_("要求说明理由日期"), null=True, blank=True)
    reasons_request_note = models.CharField(_("要求说明理由的情况"), max_length=500, blank=True)
    delay_finding = models.CharField(_("延迟答复认定意见"), max_length=500, blank=True)
    delayed_until = models.DateField(_("延迟答复期限"), null=True, blank=True)
    delay_notified_on = models.DateField(_("延迟答复告知日期"), null=True, blank=True)

    # Computed deadlines (stored and indexed so "overdue" is a plain filter)
    correction_due_on = models.DateField(_("补正告知期限"), null=True, blank=True)
    clock_start_on = models.DateField(_("起算日期"), null=True, blank=True)
    base_due_on = models.DateField(_("法定答复期限"), null=True, blank=True)
    due_on = models.DateField(_("答复期限"), null=True, blank=True, db_index=True)
    due_is_provisional = models.BooleanField(_("期限为暂定"), default=False)

    # Conclusion
    outcome = models.CharField(_("办理结果"), max_length=48, choices=Outcome.choices, blank=True)
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True, db_index=True)
    reply_data = models.JSONField(_("答复要素"), default=dict, blank=True)
    delivery_method = models.CharField(_("送达方式"), max_length=100, blank=True)
    delivered_on = models.DateField(_("送达日期"), null=True, blank=True)
    archived_on = models.DateField(_("归档日期"), null=True, blank=True)
    archive_number = models.CharField(_("档案号"), max_length=100, blank=True)

    # Later proceedings (table 四)
    reconsideration_filed_on = models.DateField(_("申请复议日期"), null=True, blank=True)
    reconsideration_outcome = models.CharField(
        _("复议结果"), max_length=16, choices=ProceedingOutcome, blank=True
    )
    reconsideration_decided_on = models.DateField(_("复议决定日期"), null=True, blank=True)
    litigation_filed_on = models.DateField(_("起诉日期"), null=True, blank=True)
    litigation_after_reconsideration = models.BooleanField(_("是否复议后起诉"), null=True, blank=True)
    litigation_outcome = models.CharField(_("诉讼结果"), max_length=16, choices=ProceedingOutcome, blank=True)
    litigation_decided_on = models.DateField(_("判决日期"), null=True, blank=True)

    # set by the services that write (registration, intake, the write path), which are told the time
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)

    objects = DisclosureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("政府信息公开申请")
        verbose_name_plural = pgettext_lazy("plural", "政府信息公开申请")
        ordering = ["-received_on", "-id"]
        constraints = [
            # an online submission has no reference until confirm_receipt gives it one
            models.UniqueConstraint(fields=["unit", "ref"], condition=~Q(ref=""), name="unique_ref_per_unit"),
            models.CheckConstraint(condition=Q(status__in=[s.value for s in Status]), name="request_status_valid"),
            models.CheckConstraint(
                condition=Q(extension_days__lte=20), name="request_extension_at_most_20"
            ),
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | ~Q(outcome=""), name="request_concluded_has_outcome"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_on"], name="request_unit_status_due"),
            models.Index(fields=["unit", "received_on"], name="request_unit_received"),
            models.Index(fields=["unit", "concluded_on"], name="request_unit_concluded"),
            # 109号's 按件 ordinal: the applicant's requests to the unit in a month, in receipt order
            models.Index(fields=["unit", "applicant_id_hash", "received_on", "id"], name="request_unit_applicant"),
            # The annual report's "concluded on or after 1 January and received by 31 December" reads
            # the receipt date from the index, not the row: SQLite no longer fetches every request
            # concluded since (a 2020 report over 2016–2025 data: 87 → 36 ms at 100k).
            models.Index(fields=["unit", "concluded_on", "received_on"], name="request_unit_concl_recv"),
            # Table 四 of the annual report selects the few requests with a proceeding by filing date
            # (partial: only rows that have one; led by the date so PostgreSQL can bitmap-OR them).
            models.Index(
                fields=["reconsideration_filed_on"], name="request_reconsideration_filed",
                condition=Q(reconsideration_filed_on__isnull=False),
            ),
            models.Index(
                fields=["litigation_filed_on"], name="request_litigation_filed",
                condition=Q(litigation_filed_on__isnull=False),
            ),
            # Table 四's default rule also counts proceedings filed earlier and still undecided on
            # 1 January: decided on or after it (by decision date), or without an outcome yet.
            models.Index(
                fields=["reconsideration_decided_on"], name="request_recon_decided",
                condition=Q(reconsideration_filed_on__isnull=False),
            ),
            models.Index(
                fields=["reconsideration_filed_on"], name="request_recon_pending",
                condition=Q(reconsideration_outcome="", reconsideration_filed_on__isnull=False),
            ),
            models.Index(
                fields=["litigation_decided_on"], name="request_litig_decided",
                condition=Q(litigation_filed_on__isnull=False),
            ),
            models.Index(
                fields=["litigation_filed_on"], name="request_litig_pending",
                condition=Q(litigation_outcome="", litigation_filed_on__isnull=False),
            ),
        ]

    def __str__(self):
        return self.ref or f"#{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def authors(self) -> Authors:
        return Authors(registered_by=self.registered_by_id, drafted_by=self.drafted_by_id)


class RequestEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("request events are append-only")

    def delete(self):
        raise TypeError("request events are append-only")


class RequestEvent(models.Model):
    """Append-only: one row per action on a request (who, when, from, to, data)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="events")
    # the write path sets it from its `now` (the clock at the shell, a past moment for the demo)
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=24, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = pgettext_lazy("plural", "办理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action} {self.from_status}→{self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("request events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("request events are append-only")


class ImportKind(models.TextChoices):
    """The three files of ledger.md."""

    LEDGER = "ledger", _("申请台账")
    UNITS = "units", _("单位")
    STAFF = "staff", _("人员")


class LedgerImport(models.Model):
    """A ledger, units or staff file too large to import within a web request: a worker imports it
    (disclosure.tasks.import_ledger_job) and records how far it got and how it ended. The uploaded
    file holds applicants' personal data: it is deleted as soon as the job ends."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已导入")
        INVALID = "invalid", _("有错误，未导入")
        FAILED = "failed", _("失败，未导入")

    class Phase(models.TextChoices):
        READING = "reading", _("读取文件")
        CHECKING = "checking", _("逐行检查")
        WRITING = "writing", _("核对并写入")

    kind = models.CharField(_("导入内容"), max_length=10, choices=ImportKind)
    file = models.FileField(_("文件"), upload_to="ledger-imports/", blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    language = models.CharField(_("语言"), max_length=10, blank=True)  # the messages', as the uploader saw the page
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    phase = models.CharField(_("阶段"), max_length=10, choices=Phase.choices, blank=True)
    rows_done = models.PositiveIntegerField(_("已检查行数"), default=0)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    roles_added = models.PositiveIntegerField(_("新增角色"), null=True, blank=True)
    message = models.TextField(_("结果"), blank=True)
    errors = models.JSONField(_("错误"), default=list, blank=True)  # [{row, column, reason}]
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("导入人"),
    )
    requested_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("台账导入任务")
        verbose_name_plural = pgettext_lazy("plural", "台账导入任务")
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.INVALID, self.Status.FAILED)

    @property
    def waiting_long(self) -> bool:
        """Queued for over a minute: no worker has taken it (is one running?)."""
        return self.status == self.Status.QUEUED and (timezone.now() - self.requested_at).total_seconds() > 60

    @property
    def percent(self) -> int:
        """How far the job is, for the progress bar: reading 0–5 %, checking rows 5–60 %, writing 60–99 %."""
        if self.finished:
            return 100
        if self.phase == self.Phase.CHECKING and self.rows_total:
            return 5 + 55 * self.rows_done // self.rows_total
        return {self.Phase.READING: 2, self.Phase.WRITING: 60}.get(self.phase, 0)
