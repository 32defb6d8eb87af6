"""Prints each message to standard output (GONGKAI_SMS_BACKEND=notifications.sms.console.SmsBackend)."""

from __future__ import annotations

import sys

from .base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages: list[SmsMessage]) -> int:
        for message in messages:
            self.stream.write(f"SMS to {message.to} [{message.reference}]\n{message.text}\n{'-' * 40}\n")
        self.stream.flush()
        return len(messages)
