"""The reporting services' error, in a module of its own so that the readers of submitted files
(exports_xlsx) can raise it without importing the services that call them."""

from __future__ import annotations


class ReportError(Exception):
    """A report cannot be published, revised or imported; the message says why (in Chinese)."""

    def __init__(self, message, *, checks=None):
        super().__init__(str(message))
        self.message = message
        self.checks = checks or []
