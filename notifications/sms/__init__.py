"""Text messages to applicants through a pluggable backend, like Django's e-mail backends.

settings.GONGKAI_SMS_BACKEND is a dotted path to a class (default: the file backend, which writes
each message under var/sms/). A gateway plugs in by subclassing BaseSmsBackend (base.py) and
implementing send_messages(); configure it with GONGKAI_SMS_BACKEND and its own settings.

    from notifications.sms import SmsMessage, send_sms
    send_sms(SmsMessage(to="13800138000", text="…"))
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .base import BaseSmsBackend, SmsError, SmsMessage

__all__ = ["BaseSmsBackend", "SmsError", "SmsMessage", "get_backend", "send_sms"]


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    return import_string(path or settings.GONGKAI_SMS_BACKEND)(**kwargs)


def send_sms(message: SmsMessage, *, backend: BaseSmsBackend | None = None) -> None:
    """Send one message; raises SmsError when the backend did not accept it."""
    sent = (backend or get_backend()).send_messages([message])
    if sent != 1:
        raise SmsError("短信网关未接受该短信")
