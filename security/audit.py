"""Recording reveals and exports: `reveal(request, obj, fields)`, `export(...)`, `download(...)`.

Reveals made while one HTTP request is served are collected on the request and written in one
INSERT when the response leaves (security.middleware.AuditMiddleware), so an API list of 50 rows
costs one query, not 50, and the same page rendering its fieldsets twice records each field once.
Outside a request (commands) entries are written at once.
"""

from __future__ import annotations

from django.http import HttpRequest

from . import clientip
from .models import AuditEntry

PENDING_ATTR = "_gongkai_audit_pending"


def _django_request(request) -> HttpRequest | None:
    if request is None:
        return None
    return getattr(request, "_request", request)  # a DRF Request wraps the HttpRequest


def client_ip(request) -> str | None:
    """The address axes saw (security.clientip, honouring GONGKAI_TRUSTED_PROXIES)."""
    request = _django_request(request)
    if request is None:
        return None
    return getattr(request, "axes_ip_address", None) or clientip.client_ip(request)


def _actor(user):
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.get_username()
    return None, ""


def _entry(request, action, *, user=None, target=None, fields=(), detail=None, via="") -> AuditEntry:
    django_request = _django_request(request)
    if user is None and django_request is not None:
        user = getattr(django_request, "user", None)
    actor, name = _actor(user)
    if via == "" and django_request is not None:
        via = "api" if django_request.path.startswith("/api/") else "web"
    return AuditEntry(
        actor=actor,
        actor_name=name or (detail or {}).get("actor_name", ""),
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        fields=",".join(fields),
        detail=detail or {},
        ip_address=client_ip(django_request),
        via=via,
    )


def reveal(request, obj, fields) -> None:
    """`request`'s user sees these fields of `obj` unmasked: record it (empty fields are not recorded)."""
    shown = tuple(name for name in fields if getattr(obj, name, ""))
    if not shown:
        return
    django_request = _django_request(request)
    if django_request is None:
        AuditEntry.objects.create(
            **_fields_of(_entry(None, AuditEntry.Action.REVEAL, target=obj, fields=shown, via="command"))
        )
        return
    pending = getattr(django_request, PENDING_ATTR, None)
    if pending is None:
        pending = {}
        setattr(django_request, PENDING_ATTR, pending)
    key = (obj._meta.label, obj.pk)
    if key in pending:
        merged = tuple(dict.fromkeys(pending[key].fields.split(",") + list(shown)))
        pending[key].fields = ",".join(merged)
    else:
        pending[key] = _entry(django_request, AuditEntry.Action.REVEAL, target=obj, fields=shown)


def flush(request) -> int:
    pending = getattr(request, PENDING_ATTR, None)
    if not pending:
        return 0
    setattr(request, PENDING_ATTR, None)
    AuditEntry.objects.bulk_create(list(pending.values()))
    return len(pending)


def _fields_of(entry: AuditEntry) -> dict:
    return {
        f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields if f.name not in ("id", "at")
    }


def record(action, *, request=None, user=None, target=None, fields=(), detail=None, via="") -> AuditEntry:
    entry = _entry(request, action, user=user, target=target, fields=fields, detail=detail, via=via)
    entry.save()
    return entry


def export(what: str, *, request=None, user=None, detail=None, via="") -> AuditEntry:
    """A ledger / report / API export: `what` names it ("ledger", "report", ...); detail says which rows."""
    return record(
        AuditEntry.Action.EXPORT, request=request, user=user, detail={"what": what, **(detail or {})}, via=via
    )


def imported(what: str, *, request=None, user=None, detail=None, via="") -> AuditEntry:
    """A ledger, units or staff file imported (staff files create accounts): `what` names it; detail
    gives the file name and the counts."""
    return record(
        AuditEntry.Action.IMPORT, request=request, user=user, detail={"what": what, **(detail or {})}, via=via
    )


def download(attachment, *, request) -> AuditEntry:
    return record(AuditEntry.Action.DOWNLOAD, request=request, target=attachment,
                  detail={"request_id": attachment.request_id, "name": attachment.name})
