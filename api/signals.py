"""What the API does when something happens elsewhere: a password reset revokes the user's tokens."""

from django.dispatch import receiver
from django.utils import timezone

from security.signals import password_reset_completed

from .models import ApiToken


@receiver(password_reset_completed, dispatch_uid="api.revoke_tokens_on_password_reset")
def revoke_tokens_on_password_reset(sender, user, **kwargs):
    """A token obtained with the old password must not outlive it."""
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
