from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def mask_celery_handlers(logger=None, **kwargs):
    """Celery's worker replaces the root handlers with its own: give those the masking filter too."""
    from .logfilter import MaskIdNumbers

    for handler in getattr(logger, "handlers", []):
        if not any(isinstance(f, MaskIdNumbers) for f in handler.filters):
            handler.addFilter(MaskIdNumbers())


class SecurityConfig(AppConfig):
    default = True  # the module holds other apps' configs too (below)
    name = "security"
    verbose_name = _("安全与审计")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery import signals as celery_signals

        from . import checks, signals  # noqa: F401  (registers system checks and login signal receivers)

        celery_signals.after_setup_logger.connect(mask_celery_handlers, weak=False, dispatch_uid="security.mask_root")
        celery_signals.after_setup_task_logger.connect(
            mask_celery_handlers, weak=False, dispatch_uid="security.mask_task"
        )


# The third-party apps' sections of the admin, named in the admin's language (their own labels are
# bare English app labels: AXES, OTP_TOTP, OTP_STATIC). Same apps, same labels and tables.
from axes.apps import AppConfig as _AxesConfig  # noqa: E402
from django_otp.plugins.otp_static.apps import DefaultConfig as _StaticConfig  # noqa: E402
from django_otp.plugins.otp_totp.apps import DefaultConfig as _TOTPConfig  # noqa: E402


class AxesConfig(_AxesConfig):
    default = False
    verbose_name = _("登录失败与锁定")


class TOTPConfig(_TOTPConfig):
    default = False
    verbose_name = _("身份验证器")


class StaticConfig(_StaticConfig):
    default = False
    verbose_name = _("备用验证码")
