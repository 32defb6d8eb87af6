"""With Redis unreachable (REDIS_URL at a closed port) the API answers as usual: the cache fails open
with a warning in the log, lockouts are counted in the database, alerts wait in the outbox."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from config import cache as failopen
from notifications.models import Alert, AlertKind
from tests.api.builders import registered

DEAD = "redis://127.0.0.1:1/0"
PASSWORD = "Gongkai-test-2026"


@pytest.fixture
def redis_down(settings, broker_down):
    """The cache and the broker both at a port nothing listens on, as with Redis stopped."""
    settings.CACHES = {"default": {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": DEAD,
                                   "KEY_PREFIX": "gongkai-cache"}}
    failopen.reset_warnings()
    yield
    failopen.reset_warnings()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test: a plain flush re-creates content types that a later serialized test then collides with
def test_token_login_a_list_and_a_transition_succeed_with_redis_down(people, tree, redis_down, caplog):
    caplog.set_level(logging.WARNING)
    req = registered(people["clerk"], tree["dept"])
    obtained = APIClient().post("/api/v1/auth/token/", {"username": "reviewer", "password": PASSWORD}, format="json")
    assert obtained.status_code == 201, obtained.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {obtained.json()['token']}")
    listed = api.get("/api/v1/requests/")
    assert listed.status_code == 200 and [r["id"] for r in listed.json()["results"]] == [req.pk]
    assigned = api.post(f"/api/v1/requests/{req.pk}/assign/", {"handler": people["clerk"].pk}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["handler"] == people["clerk"].pk
    assert "cache unavailable" in caplog.text  # the throttle's read failed open, and said so
    assert "broker unavailable" in caplog.text  # the alert's publish after commit failed …
    alert = Alert.objects.get(kind=AlertKind.ASSIGNED, request=req)
    assert (alert.status, alert.enqueued_at) == ("pending", None)  # … and waits for requeue_unsent


@pytest.mark.django_db
def test_lockout_is_kept_in_the_database_while_redis_is_down(people, redis_down, settings):
    from axes.models import AccessAttempt

    settings.AXES_FAILURE_LIMIT = 3
    client = APIClient()
    for _ in range(3):
        response = client.post("/api/v1/auth/token/", {"username": "clerk", "password": "wrong-password"},
                               format="json")
        assert response.status_code in (400, 401, 403), response.content
    assert AccessAttempt.objects.filter(username="clerk").get().failures_since_start == 3
    locked = client.post("/api/v1/auth/token/", {"username": "clerk", "password": PASSWORD}, format="json")
    assert locked.status_code != 201  # the right password is refused while locked out


def test_every_cache_call_fails_open_and_warns_once_per_interval(settings, caplog):
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": DEAD}}
    failopen.reset_warnings()
    caplog.set_level(logging.WARNING, logger="gongkai.cache")
    assert cache.get("k", "fallback") == "fallback"
    assert cache.add("k", 1) is True
    assert cache.set("k", 1) is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.delete("k") is False
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        cache.incr("k")
    failopen.reset_warnings()  # past the retry pause: Redis is tried again, and fails again
    assert cache.touch("k") is False
    warnings = [r for r in caplog.records if r.name == "gongkai.cache"]
    assert len(warnings) == 2 and "ConnectionError" in warnings[0].getMessage()
    failopen.reset_warnings()


def test_with_redis_url_the_cache_is_the_fail_open_one_with_short_timeouts(tmp_path):
    import os
    import subprocess
    import sys

    from config.cache import FailOpenRedisCache

    backend = FailOpenRedisCache(DEAD, {})
    assert backend._options["socket_connect_timeout"] <= 0.5 and backend._options["socket_timeout"] <= 1
    out = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": DEAD,
             "GONGKAI_VAR_DIR": str(tmp_path)},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    assert out == "config.cache.FailOpenRedisCache"


def test_sessions_and_lockouts_do_not_live_in_the_cache(settings):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
