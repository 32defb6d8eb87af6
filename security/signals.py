"""Login, failed login and logout go to the audit log (the username tried, never the password)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .models import AuditEntry


@receiver(user_logged_in, dispatch_uid="security.audit_login")
def _logged_in(sender, request, user, **kwargs):
    if request is not None:
        audit.record(AuditEntry.Action.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="security.audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        audit.record(AuditEntry.Action.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="security.audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    if request is not None:
        username = str((credentials or {}).get("username", ""))[:150]
        audit.record(
            AuditEntry.Action.LOGIN_FAILED, request=request, detail={"username": username, "actor_name": username}
        )
