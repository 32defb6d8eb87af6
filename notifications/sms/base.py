"""The interface an SMS gateway implements.

A backend is constructed with keyword arguments (none are passed by Gongkai; read your gateway's
settings in __init__) and must implement send_messages(messages) -> int: send each SmsMessage and
return how many were accepted. Raise SmsError (or return fewer) on failure: the alert is then marked
failed and retried with back-off by the outbox (notifications.delivery), never sent twice once
marked sent. Messages are plain text; keep them under ~300 characters (long SMS are split by
carriers). `reference` is the outbox key, for the gateway's idempotency header if it has one.
"""

from __future__ import annotations

from dataclasses import dataclass


class SmsError(Exception):
    pass


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    reference: str = ""


class BaseSmsBackend:
    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages: list[SmsMessage]) -> int:  # pragma: no cover - interface
        raise NotImplementedError("an SMS backend must implement send_messages()")
