"""Self-service password reset by e-mail, for staff who forgot their password (issue 14).

Django's own views (/admin/password_reset/ …, the routes the admin's login page links to) with
four additions:

- Nothing tells whether an address belongs to an account: every well-formed address gets the same
  page, and the mail is sent (or not) by a worker, so the answer also takes the same time. Django's
  PasswordResetForm mails only active accounts with a usable password (an account an administrator
  disabled, or a staff import left without a password, is not revived this way: its password is set
  by an administrator).
- Throttled per address and per client address (GONGKAI_PASSWORD_RESET_PER_HOUR,
  GONGKAI_PASSWORD_RESET_PER_IP_PER_HOUR): past the limit the page is the same and no mail goes out,
  so the form cannot be used to flood a mailbox. The counters live in the cache and fail open.
- Audited: each mail sent (password_reset_sent) and each password set through a link (password_reset).
- A reset never signs anyone in (post_reset_login stays False): the new password leads to the login
  page, and administrators and heads are asked for their second factor there as always. Their
  authenticator stays; the reset also revokes the account's API tokens and, by changing the
  password, ends its other sessions.

The link is made from GONGKAI_SITE_URL, never from the request's Host header, and works once
(Django's token covers the password hash and the last login) for PASSWORD_RESET_TIMEOUT seconds.
"""

from __future__ import annotations

import hashlib
import logging

from celery import shared_task
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache
from django.urls import reverse_lazy
from django.utils import translation

from config.broker import send_now

from . import audit
from .clientip import client_ip
from .models import AuditEntry
from .signals import password_reset_completed

logger = logging.getLogger(__name__)

HOUR = 3600
SUBJECT_TEMPLATE = "security/password_reset_subject.txt"
EMAIL_TEMPLATE = "security/password_reset_email.txt"


def _over_limit(kind: str, value: str, limit: int) -> bool:
    """Counts one attempt for `value` in this hour; True once past `limit`. A cache outage lets
    the attempt through (a warning in the log): a forgotten password matters more than a counter."""
    key = "pwreset:%s:%s" % (kind, hashlib.sha256(value.encode()).hexdigest()[:32])
    try:
        cache.add(key, 0, HOUR)
        count = cache.incr(key)
    except Exception:  # redis ConnectionError, a counter evicted between add and incr, …
        logger.warning("password reset throttle unavailable, attempt allowed", exc_info=True)
        return False
    return count > limit


def throttled(email: str, ip: str | None) -> bool:
    by_address = _over_limit("email", email.strip().lower(), settings.GONGKAI_PASSWORD_RESET_PER_HOUR)
    by_ip = _over_limit("ip", ip or "-", settings.GONGKAI_PASSWORD_RESET_PER_IP_PER_HOUR)
    return by_address or by_ip


def send_reset_mail(email: str, ip: str | None = None) -> int:
    """Mails a reset link to each active account with `email` and a usable password; how many.
    The mail is Chinese like every message sent to people (README, Languages)."""
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return 0
    users = list(form.get_users(form.cleaned_data["email"]))
    if not users:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        form.save(
            subject_template_name=SUBJECT_TEMPLATE,
            email_template_name=EMAIL_TEMPLATE,
            from_email=settings.DEFAULT_FROM_EMAIL,
            domain_override=settings.GONGKAI_SITE_URL,
            extra_email_context={
                "site_url": settings.GONGKAI_SITE_URL,
                "valid_hours": max(1, settings.PASSWORD_RESET_TIMEOUT // HOUR),
            },
        )
    for user in users:  # the worker has no request: the requester's address goes in the detail
        audit.record(AuditEntry.Action.PASSWORD_RESET_SENT, user=user, target=user, via="email",
                     detail={"requested_from": ip or ""})
    return len(users)


@shared_task(ignore_result=True)
def send_password_reset(email: str, ip: str | None = None) -> int:
    """The worker's side of a reset request (none for an unknown address): sent here so the page
    answers in the same time whether or not the address has an account."""
    return send_reset_mail(email, ip)


class ResetForm(PasswordResetForm):
    """Hands the mail to a worker (in the request only if the broker cannot be reached)."""

    def save(self, *, request=None, **kwargs):
        email = self.cleaned_data["email"]
        ip = client_ip(request) if request is not None else None
        if throttled(email, ip):
            logger.info("password reset throttled")
            return
        if not send_now(send_password_reset, email, ip):
            send_reset_mail(email, ip)


class InAdminFrame:
    """The admin's header, title and language switch on the reset pages (Django's admin templates)."""

    def get_context_data(self, **kwargs):
        # no app list: whoever resets a password is signed out, and would see only "no permission"
        return {**admin.site.each_context(self.request), **super().get_context_data(**kwargs),
                "is_nav_sidebar_enabled": False}


class ResetView(InAdminFrame, auth_views.PasswordResetView):
    form_class = ResetForm
    success_url = reverse_lazy("password_reset_done")


class ResetDoneView(InAdminFrame, auth_views.PasswordResetDoneView):
    pass


class ResetCompleteView(InAdminFrame, auth_views.PasswordResetCompleteView):
    pass


class ResetConfirmView(InAdminFrame, auth_views.PasswordResetConfirmView):
    post_reset_login = False  # the second factor is asked at the next login, never skipped
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        password_reset_completed.send(sender=type(self), user=user, request=self.request)
        audit.record(AuditEntry.Action.PASSWORD_RESET, request=self.request, user=user, target=user)
        return response
