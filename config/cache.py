"""The shared cache in Redis, failing open: with Redis down or slow, a read is a miss and a write is
dropped, with a warning in the log, instead of an exception in the request.

What the cache holds here can be lost: the API throttles' request histories (a dead Redis lets
requests through unthrottled for the outage) and nothing else — login lockouts are in the database
(django-axes' database handler), sessions in the database. Short socket timeouts keep a dead or
unreachable Redis to milliseconds per call rather than the operating system's connect timeout, and
after a failure the process does not try Redis again for RETRY_AFTER_SECONDS (every call in between
is a miss at once), so even a Redis that drops packets costs one timeout per interval, not per call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("gongkai.cache")

# Seconds to wait for Redis to accept a connection and to answer; a healthy local Redis answers in
# well under a millisecond.
CONNECT_TIMEOUT = 0.25
READ_TIMEOUT = 0.5
# After a failure, calls are misses without trying Redis for this long.
RETRY_AFTER_SECONDS = 2.0
# A dead Redis is reported once per this many seconds per process (with the number of calls that
# failed meanwhile), not once per call.
WARN_EVERY_SECONDS = 60.0

_warn_lock = threading.Lock()
_warn_state = {"last": None, "suppressed": 0, "down_until": 0.0}


def _errors() -> tuple[type[BaseException], ...]:
    # ReadOnlyError: a replica that has not been promoted yet during a failover.
    return (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ReadOnlyError, OSError)


def _is_down() -> bool:
    return time.monotonic() < _warn_state["down_until"]


def _warn(operation: str, exc: BaseException) -> None:
    with _warn_lock:
        now = time.monotonic()
        _warn_state["down_until"] = now + RETRY_AFTER_SECONDS
        last = _warn_state["last"]
        if last is not None and now - last < WARN_EVERY_SECONDS:
            _warn_state["suppressed"] += 1
            return
        suppressed, _warn_state["suppressed"], _warn_state["last"] = _warn_state["suppressed"], 0, now
    logger.warning(
        "cache unavailable (%s: %s): %s treated as a miss%s", type(exc).__name__, exc, operation,
        f"; {suppressed} more call(s) failed since the last warning" if suppressed else "",
    )


def reset_warnings() -> None:
    """Tests: Redis is tried at the next call, and its failure logged again."""
    with _warn_lock:
        _warn_state.update(last=None, suppressed=0, down_until=0.0)


def _fail_open(fallback):
    """Wrap a cache method: on a Redis connection or timeout error, warn and return fallback(args)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _is_down():
                with _warn_lock:
                    _warn_state["suppressed"] += 1
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except _errors() as exc:
                _warn(method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return decorate


def _default(key, default=None, version=None):
    return default


def _miss_incr(key, delta=1, version=None):
    raise ValueError(f"Key '{key}' not found")  # what a missing key gives, as DummyCache does


class FailOpenRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache whose every call survives a Redis outage, and
    behaves then like Django's DummyCache (get → default, set → nothing, add → True)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {})}}
        options = params["OPTIONS"]
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", READ_TIMEOUT)
        options.setdefault("retry_on_timeout", False)
        super().__init__(server, params)

    add = _fail_open(lambda *a, **k: True)(RedisCache.add)
    get = _fail_open(_default)(RedisCache.get)
    set = _fail_open(lambda *a, **k: None)(RedisCache.set)
    touch = _fail_open(lambda *a, **k: False)(RedisCache.touch)
    delete = _fail_open(lambda *a, **k: False)(RedisCache.delete)
    get_many = _fail_open(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _fail_open(lambda *a, **k: False)(RedisCache.has_key)
    incr = _fail_open(_miss_incr)(RedisCache.incr)
    set_many = _fail_open(lambda data, *a, **k: list(data))(RedisCache.set_many)
    delete_many = _fail_open(lambda *a, **k: None)(RedisCache.delete_many)
    clear = _fail_open(lambda *a, **k: False)(RedisCache.clear)
