from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def mask_celery_handlers(logger=None, **kwargs):
    """Celery's worker replaces the root handlers with its own: give those the masking filter too."""
    from .logfilter import MaskIdNumbers

    for handler in getattr(logger, "handlers", []):
        if not any(isinstance(f, MaskIdNumbers) for f in handler.filters):
            handler.addFilter(MaskIdNumbers())


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全与审计")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from celery import signals as celery_signals

        from . import checks, signals  # noqa: F401  (registers system checks and login signal receivers)

        celery_signals.after_setup_logger.connect(mask_celery_handlers, weak=False, dispatch_uid="security.mask_root")
        celery_signals.after_setup_task_logger.connect(mask_celery_handlers, weak=False, dispatch_uid="security.mask_task")
