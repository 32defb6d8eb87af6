"""The audit log: who revealed whose personal data and who exported what (append-only); and the
recovery codes of the second factor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp.plugins.otp_static.models import StaticDevice

from . import recovery


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
        OTP_RECOVERY_CODES = "otp_recovery_codes", _("生成备用验证码")
        OTP_RECOVERY_USED = "otp_recovery_used", _("使用备用验证码")
        OTP_REPLACED = "otp_replaced", _("更换身份验证器")
        PASSWORD_RESET_SENT = "password_reset_sent", _("发送重置密码邮件")
        PASSWORD_RESET = "password_reset", _("通过邮件链接重置密码")

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
        action = self.get_action_display()
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries cannot be deleted")


class RecoveryCodeDevice(StaticDevice):
    """A user's recovery codes (备用验证码): django-otp's StaticDevice, whose StaticToken rows hold the
    keyed digest of each code (security/recovery.py), never the code; the row is deleted when its
    code is used. django-otp's own StaticDevice.verify_token compares the stored text with what was
    typed, so every verification goes through this proxy (security/twofactor.py)."""

    class Meta:
        proxy = True
        verbose_name = _("备用验证码")
        verbose_name_plural = pgettext_lazy("plural", "备用验证码")
        default_permissions = ()

    def verify_token(self, token):
        """Each code once; a wrong one counts against django-otp's throttle (waits of 1, 2, 4, …
        seconds) like a wrong authenticator code."""
        if not self.verify_is_allowed()[0]:
            return False
        code = recovery.normalise(token)
        match = None
        if code is not None:
            match = self.token_set.filter(token__in=recovery.digests(self.user_id, code)).order_by("pk").first()
        # the DELETE decides: of two requests with the same code at once, only the one that removed the row wins
        if match is not None and self.token_set.filter(pk=match.pk).delete()[0]:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False
