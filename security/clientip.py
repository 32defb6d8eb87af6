"""The client's address, for lockouts and the audit log.

GONGKAI_TRUSTED_PROXIES = 0 (default): REMOTE_ADDR; X-Forwarded-For is ignored (clients can write it).
= N > 0: the app sits behind N reverse proxies, each appending the address it saw to
X-Forwarded-For; the client is the N-th address from the right of [X-Forwarded-For..., REMOTE_ADDR]
counted past REMOTE_ADDR, so whatever the client itself put at the left is never used.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    trusted = int(getattr(settings, "GONGKAI_TRUSTED_PROXIES", 0) or 0)
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    chain = forwarded + ([remote] if remote else [])
    if not chain:
        return None
    candidate = chain[-(trusted + 1)] if len(chain) > trusted else chain[0]
    return _valid(candidate) or remote
