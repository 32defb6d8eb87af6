"""Celery tasks of the security app (found by the worker's autodiscovery of `tasks` modules)."""

from .password_reset import send_password_reset

__all__ = ["send_password_reset"]
