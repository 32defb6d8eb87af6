"""The web server's own logs mask ID numbers too: runserver's access log (django.server), Django's
debug console, and gunicorn's access log through config/gunicorn.py. Each server runs as a real
subprocess and is asked for a URL carrying a full ID number."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ID = "330703198402231582"
MASKED = "330***********1582"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def serve_and_get(command, env, log_path: Path, port: int, paths, expect: str, timeout=90) -> str:
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:  # until the server answers
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)
        for path in paths:
            assert get(f"http://127.0.0.1:{port}{path}") in (401, 404)
        while expect not in log_path.read_text(errors="replace"):  # the access line is written after the answer
            if time.monotonic() > deadline:
                pytest.fail(f"no {expect!r} in the log:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
    return log_path.read_text(errors="replace")


def server_env(tmp_path) -> dict:
    env = {**os.environ, "GONGKAI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
           "DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)  # no query is made; a fresh SQLite file keeps the test self-contained
    env.pop("REDIS_URL", None)
    return env


def test_runserver_access_log_and_debug_console_mask_id_numbers(tmp_path):
    port = free_port()
    text = serve_and_get(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], server_env(tmp_path),
        tmp_path / "runserver.log", port,
        [f"/api/v1/requests/?search={ID}", f"/no-such-page/{ID}/"], expect=f"/no-such-page/{MASKED}/",
    )
    assert f"GET /api/v1/requests/?search={MASKED}" in text  # django.server, the access line
    assert f"Not Found: /no-such-page/{MASKED}/" in text  # django.request through the debug console
    assert ID not in text


def test_gunicorn_with_the_shipped_config_masks_its_access_log(tmp_path):
    port = free_port()
    text = serve_and_get(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py", "-b", f"127.0.0.1:{port}", "-w", "1",
         "config.wsgi"], server_env(tmp_path), tmp_path / "gunicorn.log", port,
        [f"/api/v1/requests/?search={ID}"], expect="/api/v1/requests/",
    )
    assert f'"GET /api/v1/requests/?search={MASKED} HTTP/1.1" 401' in text
    assert ID not in text


def test_gunicorn_logger_class_masks_access_and_error_records():
    import logging

    from gunicorn.config import Config

    from config.gunicorn import MaskingLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = MaskingLogger(cfg)
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(self.format(record))

    for log in (logger.access_log, logger.error_log):
        log.addHandler(Keep())
    logger.access_log.info('"GET /x?q=%s HTTP/1.1" 200', ID)
    logger.error("worker failed for %s", ID)
    assert records and all(MASKED in r and ID not in r for r in records), records
