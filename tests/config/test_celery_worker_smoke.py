"""A real Celery worker takes a task off the configured broker and runs it.

Filesystem transport under a temporary GONGKAI_VAR_DIR by default; Redis when REDIS_URL is set.
Both the worker and the sender are subprocesses with the same environment, so each reads the
broker settings exactly as a deployment would.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKER_BOOT_AND_RUN_SECONDS = 90

pytestmark = pytest.mark.worker


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def test_worker_runs_a_task_sent_through_the_configured_broker(tmp_path):
    token = uuid.uuid4().hex
    queue = f"smoke-{token[:12]}"  # its own queue: no other worker on a shared Redis takes the message
    env = {**os.environ, "GONGKAI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
           "CELERY_TASK_ALWAYS_EAGER": "0"}
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue,
         "-n", f"{queue}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        subprocess.run(
            [sys.executable, "-c",
             "import django; django.setup(); from disclosure.tasks import ping; "
             f"ping.apply_async(args=[{token!r}], queue={queue!r})"],
            cwd=ROOT, env=env, check=True, timeout=60,
        )
        marker = tmp_path / "ping" / token
        deadline = time.monotonic() + WORKER_BOOT_AND_RUN_SECONDS
        while not marker.exists() and worker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.25)
        log.flush()
        output = (tmp_path / "worker.log").read_text(errors="replace")
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{output[-3000:]}"
        assert marker.exists(), f"no ping after {WORKER_BOOT_AND_RUN_SECONDS}s; worker log:\n{output[-3000:]}"
        assert "disclosure.tasks.ping" in output and "succeeded" in output
    finally:
        stop(worker)
        log.close()
