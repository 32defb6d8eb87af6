"""Content-Security-Policy and the other security headers on every HTML page; production switches."""

import os
import re
import subprocess  # nosec B404 - runs manage.py with a fixed argument list
import sys
import tempfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

BASE = Path(__file__).resolve().parents[2]


def csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


def assert_secure_headers(response):
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/disclosure/disclosurerequest/",
                                  "/admin/disclosure/disclosurerequest/add/", "/notifications/",
                                  "/api/docs/", "/api/redoc/", "/admin/reporting/report/"])
def test_html_pages_carry_the_policy_and_headers(client, people, path):
    if path != "/admin/login/":
        client.force_login(people["clerk"])
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"].startswith("text/html")
    assert_secure_headers(response)


@pytest.mark.django_db
def test_swagger_ui_start_up_script_carries_the_pages_nonce(client, people):
    client.force_login(people["clerk"])
    response = client.get("/api/docs/")
    nonces = [v for v in csp(response)["script-src"] if v.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-"):-1]
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert client.get("/api/docs/")["Content-Security-Policy"] != response["Content-Security-Policy"]  # fresh per page


def run_manage(*args, **env):
    full = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GONGKAI_", "DATABASE_URL"))}
    full.update(GONGKAI_VAR_DIR=str(Path(tempfile.gettempdir()) / "gk-security-check"), **env)
    return subprocess.run(  # nosec B603 - fixed command
        [sys.executable, "manage.py", *args], cwd=BASE, env=full, capture_output=True, text=True, timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_SECURE": "1",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k7#Qz" * 12 + "production-secret-for-the-deploy-check",
    "GONGKAI_FIELD_KEY": Fernet.generate_key().decode(),
}


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_without_a_field_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "GONGKAI_FIELD_KEY"}
    result = run_manage("check", "--deploy", **env)
    assert "security.W001" in result.stdout + result.stderr


SHOW = (
    "from django.conf import settings as s; "
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
    "s.SECURE_PROXY_SSL_HEADER)"
)


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "False False False 0 None"),
        (PRODUCTION, "True True True 31536000 None"),
        ({**PRODUCTION, "GONGKAI_TRUSTED_PROXIES": "1"}, "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https')"),
    ],
)
def test_production_switches_follow_django_secure(env, expected):
    result = run_manage("shell", "-c", SHOW, **env)
    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr


def test_earlier_secret_keys_come_from_the_environment_for_a_rotation():
    shown = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)",
                       DJANGO_SECRET_KEY_FALLBACKS=" old-key-one , old-key-two ,")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1] == "['old-key-one', 'old-key-two']"
    unset = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)")
    assert unset.stdout.strip().splitlines()[-1] == "[]"


def test_the_security_apps_sections_are_named_and_plain_text_recovery_tokens_are_not_offered():
    from django.apps import apps
    from django.contrib import admin
    from django_otp.plugins.otp_static.models import StaticDevice

    from security.apps import SecurityConfig

    assert type(apps.get_app_config("security")) is SecurityConfig  # its ready() hooks the log masking in
    assert [str(apps.get_app_config(label).verbose_name) for label in ("axes", "otp_totp", "otp_static")] == [
        "登录失败与锁定", "身份验证器", "备用验证码"]
    assert not admin.site.is_registered(StaticDevice)
