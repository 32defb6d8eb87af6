from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("提醒与督办")

    def ready(self):
        # signals: the staff actions that notify someone; tasks: delivery publishes send_alert by
        # name (delivery.SEND_ALERT), so the task must be registered in every process, not only
        # in workers; submissions: the sweep's producer for unconfirmed online submissions.
        from . import signals, submissions, sweep, tasks  # noqa: F401

        if submissions.unconfirmed_submissions not in sweep.EXTRA_PRODUCERS:
            sweep.EXTRA_PRODUCERS.append(submissions.unconfirmed_submissions)
