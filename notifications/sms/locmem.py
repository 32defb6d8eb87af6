"""Keeps messages in `outbox` (a module-level list), for tests, like Django's locmem e-mail backend."""

from __future__ import annotations

from .base import BaseSmsBackend, SmsMessage

outbox: list[SmsMessage] = []


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages: list[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)
