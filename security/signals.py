"""Login, failed login and logout go to the audit log (the username tried, never the password)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from . import audit
from .models import AuditEntry

# Sent with `user` (and `request`) once a password reset has set a new password: what else the
# user's old credentials opened is closed by its owner (api revokes the user's API tokens), so
# security imports no app above it.
password_reset_completed = Signal()


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
