"""A logging filter that masks resident ID numbers in every record (installed on the root handler)."""

from __future__ import annotations

import logging

from disclosure.idnumbers import mask_id_numbers_in_text


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


def _json_formatter_base():
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter


class MaskingJsonFormatter(_json_formatter_base()):
    """python-json-logger's formatter (GONGKAI_LOG_FORMAT=json), the whole JSON line masked once more:
    it formats exceptions and extra fields itself, after MaskIdNumbers has run on the message."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers_in_text(super().format(record))
