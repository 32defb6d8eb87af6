"""Health endpoints for the load balancer and the supervisor (README, "Running at scale").

/health/live   the process answers (no check of anything behind it): restart the worker if not.
/health/ready  the database, the broker and the cache answer: send traffic only while 200; 503 with
               the failing check named otherwise. Checks are django-health-check's (Database, Cache)
               and one here for the Celery broker, whatever its transport (Redis or the filesystem).

Both are plain JSON without login, never cached, and say nothing beyond "ok" or the check's short
error (no host names, no credentials).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime

from django.conf import settings
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views import View
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.exceptions import ServiceUnavailable
from kombu import Connection

BROKER_TIMEOUT_SECONDS = 2.0


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (kombu, with the settings the worker uses)."""

    timeout = datetime.timedelta(seconds=BROKER_TIMEOUT_SECONDS + 1)

    def run(self):
        try:
            with Connection(
                settings.CELERY_BROKER_URL,
                transport_options=getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
                connect_timeout=BROKER_TIMEOUT_SECONDS,
            ) as connection:
                connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, interval_max=0,
                                             timeout=BROKER_TIMEOUT_SECONDS)
                _ping(connection)
        except ServiceUnavailable:
            raise
        except Exception as exc:  # kombu/redis/OS errors: the broker is not there
            raise ServiceUnavailable(f"broker unavailable ({type(exc).__name__})") from exc



def _ping(connection) -> None:
    """A round trip where the transport has one (Redis: PING); the filesystem transport has none."""
    client = getattr(connection.default_channel, "client", None)
    if client is not None and hasattr(client, "ping"):
        client.ping()


class _Checks(View):
    checks: tuple = ()

    async def get(self, request, *args, **kwargs):
        named = self.checks()
        results = await asyncio.gather(*(check.get_result() for _, check in named))
        checks = {name: str(r.error) if r.error else "ok" for (name, _), r in zip(named, results, strict=True)}
        failed = any(r.error for r in results)
        response = JsonResponse({"status": "unavailable" if failed else "ok", "checks": checks},
                                status=503 if failed else 200)
        add_never_cache_headers(response)
        return response


class LiveView(_Checks):
    @staticmethod
    def checks():
        return ()


class ReadyView(_Checks):
    @staticmethod
    def checks():
        return (("database", Database()), ("cache", Cache()), ("broker", Broker()))
