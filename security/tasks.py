"""Celery tasks of the security app."""

from celery import shared_task


@shared_task(ignore_result=True)
def send_password_reset(email: str, ip: str | None = None) -> int:
    """The reset mail for an address typed on /admin/password_reset/ (none for an unknown one):
    sent here so the page answers in the same time whether or not the address has an account."""
    from .password_reset import send_reset_mail

    return send_reset_mail(email, ip)
