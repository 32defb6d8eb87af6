"""One JSON error shape for every API failure: {"error": {"code", "message", "fields"}}.

400 bad input (serializer errors, WorkflowError with its field), 401 not authenticated, 403 not
permitted, 404 not found (also another unit's objects), 405/406/415 protocol errors, 409 invalid
transition or concurrent change, 413 oversized upload, 429 throttled.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, JsonResponse
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from disclosure.services import NotPermitted
from disclosure.workflow import ConcurrentChange, InvalidTransition, WorkflowError

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("操作与申请的当前状态冲突。")
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("上传的内容过大。")
    default_code = "too_large"


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail → {"field" or "parent.child": [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        for i, item in enumerate(detail):
            if isinstance(item, (dict, list)):
                for k, v in _flatten(item, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or "non_field_errors", []).append(force_str(item))
    else:
        out.setdefault(prefix or "non_field_errors", []).append(force_str(detail))
    return out


def error_body(code: str, message, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": force_str(message), "fields": fields or {}}}


def _workflow_response(exc: WorkflowError) -> Response:
    if isinstance(exc, ConcurrentChange):  # first: it may be a kind of NotPermitted
        code, http = "concurrent_change", status.HTTP_409_CONFLICT
    elif isinstance(exc, NotPermitted):
        code, http = "permission_denied", status.HTTP_403_FORBIDDEN
    elif isinstance(exc, InvalidTransition):
        code, http = "invalid_transition", status.HTTP_409_CONFLICT
    else:
        code, http = "invalid", status.HTTP_400_BAD_REQUEST
    fields = {exc.field: [force_str(exc.message)]} if exc.field else {}
    return Response(error_body(code, exc.message, fields), status=http)


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        set_rollback()
        return _workflow_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, (IntegrityError, DataError, ValueError)):
        # Bad input that slipped past validation: refuse it rather than fail; the log shows where.
        logger.warning("API input refused by the database or a converter", exc_info=exc)
        exc = exceptions.ValidationError({"non_field_errors": [_("输入的数据无效。")]})

    if not isinstance(exc, exceptions.APIException):
        return None  # a genuine bug: let it surface

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = "%d" % exc.wait

    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()))[0] if fields else _("输入的数据无效。")
        message = _("请求数据有误：%(first)s") % {"first": first}
        body = error_body("invalid", message, fields)
    else:
        detail = exc.detail
        message = detail if not isinstance(detail, (dict, list)) else exc.default_detail
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        body = error_body(code, message)
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


@csrf_exempt  # it changes nothing, and must answer in JSON, not with the CSRF failure page
def not_found(request, *args, **kwargs):
    """JSON 404 for any /api/ path that matches no route (Django's own 404 page is HTML)."""
    return JsonResponse(error_body("not_found", _("未找到。")), status=404)
