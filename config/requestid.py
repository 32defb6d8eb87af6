"""A request id on every request and on every log line written while it is served.

nginx (deploy/nginx/gongkai.conf) sends its own `$request_id` as X-Request-ID; without a proxy, or
with a header that is not a plain token, the middleware makes one. The response carries it back
(X-Request-ID), so a user's report, the nginx access log, gunicorn's and Django's lines meet on it.
Log records get it as `request_id` (RequestIdFilter, on every handler in settings.LOGGING); outside a
request it is "-".
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

HEADER = "X-Request-ID"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("gongkai_request_id", default="-")


def current_request_id() -> str:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(HEADER, "")
        request_id = given if _TOKEN.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs a 4xx/5xx answer ("Not Found: …") after the
        # middleware chain has returned; request_finished (below) clears it.
        _current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _clear(**kwargs) -> None:
    _current.set("-")


request_finished.connect(_clear, dispatch_uid="gongkai.requestid.clear")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get()
        return True
