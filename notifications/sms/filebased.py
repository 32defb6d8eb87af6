"""Writes each message to a file under settings.GONGKAI_SMS_FILE_PATH (default var/sms/): the
development default, like Django's file e-mail backend."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import BaseSmsBackend, SmsError, SmsMessage


class SmsBackend(BaseSmsBackend):
    def __init__(self, file_path: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.path = Path(file_path or settings.GONGKAI_SMS_FILE_PATH)

    def send_messages(self, messages: list[SmsMessage]) -> int:
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            for message in messages:
                name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
                (self.path / name).write_text(
                    f"To: {message.to}\nReference: {message.reference}\n\n{message.text}\n", encoding="utf-8"
                )
        except OSError as exc:
            raise SmsError(f"短信文件写入失败：{exc}") from exc
        return len(messages)
