"""Running it for real: the health endpoints (/health/live, /health/ready) and the logs' request id
and JSON format (GONGKAI_LOG_FORMAT=json), with ID numbers still masked (security/logfilter.py)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from config.requestid import RequestIdFilter
from security.logfilter import MaskIdNumbers, MaskingJsonFormatter

ROOT = Path(__file__).resolve().parents[2]
ID = "330703198402231582"
MASKED = "330***********1582"
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.mark.django_db
def test_live_answers_without_login_and_checks_nothing(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test: a plain flush re-creates content types that a later serialized test then collides with
def test_ready_checks_database_cache_and_broker(client):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test: a plain flush re-creates content types that a later serialized test then collides with
def test_ready_is_503_when_the_broker_is_down(client):
    with override_settings(CELERY_BROKER_URL=DEAD_REDIS, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        response = client.get("/health/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == body["checks"]["cache"] == "ok"
    assert "broker unavailable" in body["checks"]["broker"]
    assert "127.0.0.1" not in response.content.decode()  # no addresses in a public answer


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test: a plain flush re-creates content types that a later serialized test then collides with
def test_ready_is_503_when_the_cache_is_down(client):
    dead = {"default": {"BACKEND": "config.cache.FailOpenRedisCache", "LOCATION": DEAD_REDIS}}
    from config.cache import reset_warnings

    with override_settings(CACHES=dead):
        caches._settings = None  # noqa: SLF001 — let caches pick up the overridden setting
        try:
            response = client.get("/health/ready")
        finally:
            caches._settings = None
    reset_warnings()
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] != "ok"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_ready_does_not_redirect_to_https_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/"]
    assert client.get("/health/live").status_code == 200


# --- request id and JSON logs -----------------------------------------------------------------------


def _json_handler(buffer):
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(MaskingJsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    ))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskIdNumbers())
    return handler


@pytest.mark.django_db
def test_a_request_has_an_id_in_its_response_and_its_log_lines(client):
    buffer = io.StringIO()
    handler = _json_handler(buffer)
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get(f"/no-such-page/{ID}/", HTTP_X_REQUEST_ID="abcdef0123456789")
        made = client.get("/no-such-page/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert response["X-Request-ID"] == "abcdef0123456789"  # the proxy's id is kept
    assert made["X-Request-ID"] != "bad id\nwith newline" and len(made["X-Request-ID"]) == 32
    lines = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["abcdef0123456789", made["X-Request-ID"]]
    first = lines[0]
    assert (first["level"], first["logger"]) == ("WARNING", "django.request")
    assert MASKED in first["message"] and ID not in buffer.getvalue()
    assert "time" in first


def test_the_json_line_masks_exceptions_and_extra_fields():
    buffer = io.StringIO()
    logger = logging.getLogger("gongkai.test_json")
    logger.addHandler(_json_handler(buffer))
    logger.propagate = False
    try:
        try:
            raise ValueError(f"bad id {ID}")
        except ValueError:
            logger.exception("import failed for %s", ID, extra={"applicant": ID})
    finally:
        logger.handlers.clear()
        logger.propagate = True
    line = json.loads(buffer.getvalue())
    assert ID not in buffer.getvalue()
    assert MASKED in line["message"] and MASKED in line["exc_info"] and line["applicant"] == MASKED
    assert line["request_id"] == "-"  # outside a request


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_the_setting_switches_the_format(fmt, tmp_path):
    code = ("import django, logging; django.setup(); "
            f"logging.getLogger('gongkai.x').warning('looked up %s', '{ID}')")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "GONGKAI_LOG_FORMAT": fmt,
           "GONGKAI_VAR_DIR": str(tmp_path)}
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stderr.strip().splitlines()[-1]
    assert ID not in result.stderr
    if fmt == "json":
        line = json.loads(out)
        assert (line["level"], line["logger"], line["request_id"]) == ("WARNING", "gongkai.x", "-")
        assert line["message"] == f"looked up {MASKED}"
    else:
        assert out == f"looked up {MASKED}"  # plain text, as before
