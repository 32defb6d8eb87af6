"""A logging filter that masks resident ID numbers in every record (installed on the root handler)."""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

# An 18-character resident-ID-shaped number (GB 11643): six digits of region, eight of birth date,
# three of sequence and the check character.
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_id_numbers_in_text(text: str) -> str:
    """Mask every 18-character resident-ID-shaped number in free text (for log records)."""
    return ID_NUMBER_RE.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)


class MaskIdNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logged as it is, not dropped
            message = str(record.msg)
        masked = mask_id_numbers_in_text(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers_in_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers_in_text(record.stack_info)
        return True


class MaskingJsonFormatter(JsonFormatter):
    """python-json-logger's formatter (GONGKAI_LOG_FORMAT=json), the whole JSON line masked once more:
    it formats exceptions and extra fields itself, after MaskIdNumbers has run on the message."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers_in_text(super().format(record))
