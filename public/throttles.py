"""Per-address limits on the applicants' side (portal.md): lookups (GONGKAI_PUBLIC_RATE_LOOKUP,
default 20/minute) and submissions (GONGKAI_PUBLIC_RATE_SUBMIT, default 10/hour).

One fixed-window counter per scope and client address in the cache (Redis in production, so every
worker counts together). The HTML views and the JSON API share the counters: a guesser gains
nothing by switching from the page to the API. The DRF classes below are thin wrappers over the
same counter, so the API answers its usual 429 with Retry-After.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from security.clientip import client_ip

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SCOPES = {"lookup": "GONGKAI_PUBLIC_RATE_LOOKUP", "submit": "GONGKAI_PUBLIC_RATE_SUBMIT"}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's syntax: "20/minute" → (20, 60)."""
    count, _, period = str(rate).partition("/")
    return int(count), PERIODS[period.strip()[:1].lower()]


def _key(scope: str, request, window: int) -> str:
    return f"public-rate:{scope}:{client_ip(request) or 'unknown'}:{window}"


def hit(scope: str, request) -> int:
    """Count one call; the seconds to wait when over the limit, else 0."""
    limit, period = parse_rate(getattr(settings, SCOPES[scope]))
    now = time.time()
    window = int(now // period)
    key = _key(scope, request, window)
    if cache.add(key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=period + 1)
            count = 1
    if count <= limit:
        return 0
    return max(1, int((window + 1) * period - now + 0.999))


class _PublicThrottle(BaseThrottle):
    scope = ""

    def allow_request(self, request, view):
        self._wait = hit(self.scope, request)
        return not self._wait

    def wait(self):
        return self._wait


class PublicLookupThrottle(_PublicThrottle):
    scope = "lookup"


class PublicSubmitThrottle(_PublicThrottle):
    scope = "submit"
