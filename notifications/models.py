"""The alert outbox, in-app notifications, channel preferences and the monthly bulletin.

An Alert row is written (unique per request, kind, stage, deadline, recipient and channel) in the
same transaction in which the sweep reads the deadline; sending only flips its status. So a sweep
that runs twice, late or concurrently creates nothing twice, and a send that fails waits in the
table for the next attempt.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from disclosure.crypto import EncryptedCharField


class AlertKind(models.TextChoices):
    REMINDER = "reminder", _("答复期限临近")
    OVERDUE = "overdue", _("答复已超期")
    ESCALATED = "escalated", _("超期督办")
    CORRECTION_NOTICE_LATE = "correction_notice_late", _("补正告知超过7个工作日")
    CONSULTATION_LAPSED = "consultation_lapsed", _("征求意见期限届满")
    CORRECTION_PERIOD_LAPSED = "correction_period_lapsed", _("补正期限届满")
    FEE_PERIOD_LAPSED = "fee_period_lapsed", _("缴费期限届满")
    ASSIGNED = "assigned", _("分派经办")
    AWAITING_LEGAL_REVIEW = "awaiting_legal_review", _("待法制审核")
    AWAITING_SIGN_OFF = "awaiting_sign_off", _("待签发")
    DIGEST = "digest", _("每日督办摘要")
    BULLETIN = "bulletin", _("月度通报")
    CALENDAR_MISSING = "calendar_missing", _("次年放假安排未载入")
    # issue 10 (portal.md): staff about online submissions; stage 1 the clerks, stage 2 the head
    SUBMISSION_UNCONFIRMED = "submission_unconfirmed", _("网上申请未及时确认")
    # to the applicant (e-mail / SMS), at each step that concerns them
    APPLICANT_SUBMITTED = "applicant_submitted", _("告知申请人：申请已提交")
    APPLICANT_REGISTERED = "applicant_registered", _("告知申请人：申请已受理")
    APPLICANT_REJECTED = "applicant_rejected", _("告知申请人：提交未予受理")
    APPLICANT_CORRECTION = "applicant_correction", _("告知申请人：需要补正")
    APPLICANT_EXTENSION = "applicant_extension", _("告知申请人：答复期限延长")
    APPLICANT_REPLIED = "applicant_replied", _("告知申请人：已答复")


# Kinds about one request's deadline: cancelled rather than sent once the request is concluded.
REQUEST_DEADLINE_KINDS = frozenset(
    {
        AlertKind.REMINDER, AlertKind.OVERDUE, AlertKind.ESCALATED, AlertKind.CORRECTION_NOTICE_LATE,
        AlertKind.CONSULTATION_LAPSED, AlertKind.CORRECTION_PERIOD_LAPSED, AlertKind.FEE_PERIOD_LAPSED,
    }
)


class AlertChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    IN_APP = "in_app", _("站内通知")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    WECOM = "wecom", _("企业微信群机器人")
    SMS = "sms", _("短信")


class AlertStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    CANCELLED = "cancelled", _("已撤销（申请已办结）")


class AlertQuerySet(models.QuerySet):
    def due_for_sending(self, stale_before):
        """Pending or failed, or claimed by a worker that has not finished by `stale_before`."""
        return self.filter(
            models.Q(status__in=[AlertStatus.PENDING, AlertStatus.FAILED])
            | models.Q(status=AlertStatus.SENDING, claimed_at__lt=stale_before)
        )

    def never_queued(self, created_before, stale_before):
        """What a broker outage left behind: pending alerts created before `created_before` that no
        publish reached the broker with, and claims gone stale (a killed worker) not handed on since.
        Failed ones are not here: their retries (and the daily sweep) own them."""
        return self.filter(
            models.Q(status=AlertStatus.PENDING, enqueued_at__isnull=True, created_at__lt=created_before)
            | models.Q(status=AlertStatus.SENDING, claimed_at__lt=stale_before, enqueued_at__isnull=True)
            | models.Q(status=AlertStatus.SENDING, claimed_at__lt=stale_before, enqueued_at__lt=models.F("claimed_at"))
        )


class Alert(models.Model):
    request = models.ForeignKey(
        "disclosure.DisclosureRequest", verbose_name=_("申请"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="alerts",
    )
    unit = models.ForeignKey(
        "disclosure.Unit", verbose_name=_("单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=AlertKind)
    # The reminder threshold (working days) an alert belongs to; 0 for other kinds. Part of the key so
    # the 5-day and the 1-day reminder of one deadline are two alerts.
    stage = models.PositiveSmallIntegerField(_("提醒阈值"), default=0)
    deadline = models.DateField(_("期限"), help_text=_("提醒所针对的期限；摘要、通报等为所属日期或月份。"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="alerts",
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=AlertChannel)
    # One string carrying the whole identity: SQL unique constraints treat NULLs as distinct, so the
    # composite constraint alone would not stop two digests (request NULL) or two group-robot alerts
    # (recipient NULL).
    key = models.CharField(_("去重键"), max_length=200, unique=True, editable=False)
    subject = models.CharField(_("标题"), max_length=300)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=500, blank=True)
    # An applicant is no user: their e-mail address or phone number (encrypted, PIPL), and the
    # tracking code of the 申请已提交 message (encrypted, wiped once sent: the code is otherwise
    # never stored). The body carries TRACKING_CODE_PLACEHOLDER where the code goes.
    address = EncryptedCharField(_("申请人地址"), max_length=300, blank=True)
    secret = EncryptedCharField(_("查询码"), max_length=64, blank=True, editable=False)
    bulletin = models.ForeignKey(
        "notifications.MonthlyBulletin", null=True, blank=True, on_delete=models.CASCADE, related_name="alerts",
        verbose_name=_("月度通报"),
    )
    # One message per person (or group robot) and channel per sweep: the alerts of one sweep day that
    # share this key go out together as one digest (delivery claims them all in one compare-and-set).
    # Empty: sent on its own (staff actions, bulletins, escalations the person wants at once).
    digest = models.CharField(_("摘要分组"), max_length=120, blank=True, db_index=True, editable=False)
    # The sweep run that inserted the row: bulk_create(ignore_conflicts=True) returns no ids, so the
    # sweep selects what it created by this token (a row a concurrent sweep inserted keeps the other's).
    run = models.CharField(_("巡查批次"), max_length=32, blank=True, editable=False)
    digest_notification = models.ForeignKey(
        "notifications.Notification", null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_alerts",
        verbose_name=_("站内通知"), editable=False,
    )

    status = models.CharField(_("状态"), max_length=12, choices=AlertStatus, default=AlertStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    claim = models.CharField(_("发送令牌"), max_length=40, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    # When a publish last reached the broker with this alert (empty: never, e.g. the broker was down
    # when the action that made it committed); the requeue task hands on the ones left empty.
    enqueued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = pgettext_lazy("plural", "提醒发件箱")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "stage", "deadline", "recipient", "channel"], name="unique_alert"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AlertStatus]), name="alert_status_valid"
            ),
        ]

    def __str__(self):
        return self.subject

    @staticmethod
    def make_key(request_id, kind, stage, deadline, recipient_id, unit_id, channel) -> str:
        who = f"user{recipient_id}" if recipient_id else f"unit{unit_id}"
        return f"{request_id or '-'}|{kind}|{stage}|{deadline.isoformat()}|{who}|{channel}"


class Notification(models.Model):
    """站内通知: what the admin header counts and the notifications page lists."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                             related_name="notifications")
    alert = models.OneToOneField(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="notification")
    message = models.TextField(_("消息"))
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = pgettext_lazy("plural", "站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self):
        return self.message[:50]


class PersonPreference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    email_enabled = models.BooleanField(_("接收电子邮件"), default=True)
    in_app_enabled = models.BooleanField(_("接收站内通知"), default=True)
    immediate_escalations = models.BooleanField(
        _("超期、督办提醒即时发送"), default=False,
        help_text=_("默认每次巡查的提醒合并为一条摘要发送；勾选后，答复超期和超期督办提醒逐条即时发送。"),
    )

    class Meta:
        verbose_name = _("个人提醒设置")
        verbose_name_plural = pgettext_lazy("plural", "个人提醒设置")

    def __str__(self):
        return str(self.user)


class UnitPreference(models.Model):
    """Per unit: which channels carry alerts about its requests, and its group robots."""

    unit = models.OneToOneField("disclosure.Unit", verbose_name=_("单位"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    email_enabled = models.BooleanField(_("发送电子邮件"), default=True)
    in_app_enabled = models.BooleanField(_("发送站内通知"), default=True)
    dingtalk_enabled = models.BooleanField(_("启用钉钉群机器人"), default=False)
    dingtalk_webhook = models.URLField(_("钉钉 Webhook 地址"), max_length=500, blank=True)
    dingtalk_secret = models.CharField(_("钉钉加签密钥"), max_length=200, blank=True,
                                       help_text=_("机器人安全设置选择“加签”时填写，以 SEC 开头。"))
    wecom_enabled = models.BooleanField(_("启用企业微信群机器人"), default=False)
    wecom_webhook = models.URLField(_("企业微信 Webhook 地址"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("单位提醒设置")
        verbose_name_plural = pgettext_lazy("plural", "单位提醒设置")

    def __str__(self):
        return str(self.unit)

    @property
    def uses_dingtalk(self) -> bool:
        return self.dingtalk_enabled and bool(self.dingtalk_webhook)

    @property
    def uses_wecom(self) -> bool:
        return self.wecom_enabled and bool(self.wecom_webhook)


class MonthlyBulletin(models.Model):
    """月月通报: the previous month's figures per unit, compiled on the first working day."""

    month = models.DateField(_("月份"), unique=True, help_text=_("所通报月份的第一天。"))
    compiled_on = models.DateField(_("编制日期"))
    rows = models.JSONField(_("各单位数据"), default=list)
    xlsx = models.BinaryField(_("XLSX 文件"), editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度通报")
        verbose_name_plural = pgettext_lazy("plural", "月度通报")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y年%m月}政府信息公开申请办理情况通报"

    @property
    def filename(self) -> str:
        return f"gongkai-bulletin-{self.month:%Y-%m}.xlsx"


class CalendarCoverage(models.Model):
    """Admin page for loading the official holiday schedule (a proxy would need disclosure's admin)."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("放假安排载入")
        verbose_name_plural = pgettext_lazy("plural", "放假安排载入")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
