"""The audit log: who revealed whose personal data and who exported what (append-only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppendOnlyError(Exception):
    """Audit entries are never changed or deleted."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit entries cannot be deleted")

    _raw_delete = delete

    def bulk_update(self, objs, fields, batch_size=None):
        raise AppendOnlyError("audit entries cannot be changed")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        REVEAL = "reveal", _("查看完整个人信息")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载附件")
        LOGIN = "login", _("登录")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOGOUT = "logout", _("退出登录")
        OTP_SETUP = "otp_setup", _("设置双因素认证")
        OTP_VERIFIED = "otp_verified", _("通过双因素认证")
        OTP_RESET = "otp_reset", _("重置双因素认证")
        TOKEN = "token", _("取得接口令牌")
        IMPORT = "import", _("导入")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
    )
    # DO_NOTHING without a constraint: deleting a user never touches the log (actor_name keeps who it was).
    # the name as it was (a user renamed later stays recognisable; commands have no user)
    actor_name = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    target_id = models.CharField(_("对象"), max_length=64, blank=True, db_index=True)
    fields = models.CharField(_("字段"), max_length=300, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    via = models.CharField(_("途径"), max_length=20, blank=True)  # admin, api, command

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = pgettext_lazy("plural", "审计记录")
        ordering = ["-at", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")
