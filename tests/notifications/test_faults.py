"""Faults for real, on PostgreSQL and a Redis of the test's own (a redis-server subprocess on a free
port, started, stopped and restarted by the test): the CI's second suite runs them.

- Redis stopped during a staff action: the action succeeds, its alert waits in the outbox, and once
  Redis is back beat's requeue task hands it to a real worker, which delivers it once.
- A worker killed with SIGKILL in the middle of the daily sweep: the unacknowledged sweep message
  goes to a restarted worker after the broker's visibility timeout; every alert is made and
  delivered once.
- PostgreSQL connections terminated (pg_terminate_backend) under a running sweep: the sweep task
  retries and finishes; nothing lost, nothing doubled.

Each wait polls with a deadline; nothing asserts on elapsed time.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from .test_worker import SETUP, Env, stop, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

DAY = "2025-10-31"  # the scenario's sweep day: reminders, overdue, escalations, digests
EXPECTED = f"""
from datetime import date
from notifications import services
print("EXPECTED", len(services.sweep(date.fromisoformat({DAY!r}), dry_run=True).created))
"""
SEND_SWEEP = f"from notifications.tasks import run_sweep; run_sweep.delay({DAY!r})"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A throwaway redis-server: no persistence, its own port, stopped and restarted at will."""

    def __init__(self, tmp: Path):
        self.tmp, self.port, self.proc = tmp, free_port(), None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.log = (self.tmp / "redis.log").open("a")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.tmp), "--daemonize", "no"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        wait_for(self.answers, 30, "redis-server to answer", self.proc, self.tmp / "redis.log")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
            self.log.close()


@pytest.fixture(scope="module")
def seeded_database(tmp_path_factory):
    """Migrated and seeded once; each test works on a copy (CREATE DATABASE … TEMPLATE)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server on PATH")
    template = Env(tmp_path_factory.mktemp("template"), redis_url="redis://127.0.0.1:1/0")
    try:
        template.manage("migrate", "--noinput", timeout=180)
        template.manage("shell", "-c", SETUP)
        yield template.dbname
    finally:
        template.close()


@pytest.fixture
def faults(tmp_path, seeded_database):
    redis = OwnRedis(tmp_path)
    redis.start()
    env = Env(tmp_path, redis_url=redis.url, template=seeded_database)
    procs: list[subprocess.Popen] = []
    try:
        yield env, redis, procs
    finally:
        for proc in procs:
            stop(proc)
        redis.stop()
        env.close()


def expected_alerts(env) -> int:
    out = env.manage("shell", "-c", EXPECTED).stdout
    return int(out.split("EXPECTED", 1)[1].split()[0])


def alert_count(env) -> int:
    return sum(env.statuses().values())


def log_text(tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.log"
    return path.read_text(errors="replace") if path.exists() else ""


def assert_each_alert_delivered_once(env):
    keys = {k for (k,) in env.query("SELECT key FROM notifications_alert")}
    delivered = env.delivered_keys()
    assert set(delivered) == keys, sorted(keys - set(delivered))[:5]
    assert set(delivered.values()) == {1}, [k for k, n in delivered.items() if n > 1]


def test_redis_stopped_during_a_staff_action_the_alert_goes_out_once_when_it_is_back(faults, tmp_path):
    env, redis, procs = faults
    # beat's requeue task every 2 seconds instead of every minute, and nothing else scheduled
    env.manage("shell", "-c", """
from django_celery_beat.models import IntervalSchedule, PeriodicTask
fast = IntervalSchedule.objects.create(every=2, period="seconds")
PeriodicTask.objects.filter(task="notifications.tasks.requeue_unsent").update(interval=fast)
PeriodicTask.objects.exclude(task="notifications.tasks.requeue_unsent").update(enabled=False)
""")
    env.env["GONGKAI_ALERT_REQUEUE_SECONDS"] = "0"
    worker, _ = env.worker("worker", delay=0)
    procs.append(worker)
    beat, _ = env.beat()
    procs.append(beat)
    wait_for(lambda: "requeue_unsent" in log_text(tmp_path, "worker") and "succeeded" in log_text(tmp_path, "worker"),
             90, "the worker to run beat's requeue task", worker, tmp_path / "worker.log")

    redis.stop()
    action = env.manage("shell", "-c", """
from disclosure import services
from disclosure.models import DisclosureRequest, User
req = DisclosureRequest.objects.get(ref="R2")
services.assign_handler(req, actor=User.objects.get(username="head"), handler=User.objects.get(username="clerk"))
print("ASSIGNED", DisclosureRequest.objects.get(ref="R2").handler.username)
""")
    assert "ASSIGNED clerk" in action.stdout  # the staff action succeeded with Redis down
    assert "broker unavailable" in action.stderr
    rows = env.query("SELECT key, status, enqueued_at FROM notifications_alert WHERE kind = 'assigned'")
    assert len(rows) == 1 and rows[0][1:] == ("pending", None), rows
    assert env.delivered_keys() == {}

    redis.start()  # same port, empty: the worker and beat reconnect by themselves
    wait_for(lambda: env.delivered_keys(), 180, "the alert to be delivered after Redis came back",
             worker, tmp_path / "worker.log")
    runs = log_text(tmp_path, "worker").count("notifications.tasks.requeue_unsent[")
    # later requeue runs find nothing more to send
    wait_for(lambda: log_text(tmp_path, "worker").count("notifications.tasks.requeue_unsent[") >= runs + 6, 90,
             "three more requeue runs", worker, tmp_path / "worker.log")
    assert env.delivered_keys() == {rows[0][0]: 1}
    assert env.query("SELECT status, attempts FROM notifications_alert WHERE kind = 'assigned'") == [("sent", 1)]


def test_worker_killed_mid_sweep_and_restarted_makes_and_delivers_each_alert_once(faults, tmp_path):
    env, redis, procs = faults
    visibility = 6
    env.env.update(GONGKAI_BROKER_VISIBILITY_TIMEOUT=str(visibility), GONGKAI_SWEEP_BATCH_SIZE="2")
    expected = expected_alerts(env)
    assert expected >= 8
    first, first_log = env.worker("first", delay=0, extra_env={"GONGKAI_SWEEP_BATCH_DELAY": "1"})
    procs.append(first)
    env.manage("shell", "-c", SEND_SWEEP)
    wait_for(lambda: 0 < alert_count(env) < expected, 90, "the sweep to be half-way", first, tmp_path / "first.log")
    os.kill(first.pid, signal.SIGKILL)
    first.wait(10)
    first_log.close()
    killed_at = time.monotonic()
    partial = alert_count(env)
    assert 0 < partial < expected
    assert env.delivered_keys() == {}  # the sweep enqueues at its end, which it never reached

    # The sweep message was taken but never acknowledged: after the visibility timeout the broker
    # gives it to the next worker that looks (a worker restores such messages when it starts).
    wait_for(lambda: time.monotonic() - killed_at > visibility + 1, visibility + 5, "the visibility timeout")
    second, second_log = env.worker("second", delay=0)
    procs.append(second)
    wait_for(lambda: env.statuses()["sent"] == expected, 180, "every alert made and sent", second,
             tmp_path / "second.log")
    second_log.close()
    assert alert_count(env) == expected
    assert "notifications.tasks.run_sweep" in log_text(tmp_path, "second")
    assert_each_alert_delivered_once(env)


def test_database_connections_terminated_under_a_running_sweep_the_sweep_resumes(faults, tmp_path):
    import psycopg

    env, redis, procs = faults
    env.env["GONGKAI_SWEEP_BATCH_SIZE"] = "2"
    expected = expected_alerts(env)
    worker, worker_log = env.worker("worker", delay=0, extra_env={"GONGKAI_SWEEP_BATCH_DELAY": "1"})
    procs.append(worker)
    env.manage("shell", "-c", SEND_SWEEP)
    wait_for(lambda: 0 < alert_count(env) < expected, 90, "the sweep to be half-way", worker, tmp_path / "worker.log")
    with psycopg.connect(env.env["DATABASE_URL"], autocommit=True) as conn:
        killed = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert killed and all(ok for (ok,) in killed)  # the worker's connection was among them
    wait_for(lambda: env.statuses()["sent"] == expected, 180, "every alert made and sent after the retry", worker,
             tmp_path / "worker.log")
    worker_log.close()
    log = log_text(tmp_path, "worker")
    assert "lost the database" in log and "Retry in" in log
    assert alert_count(env) == expected
    assert_each_alert_delivered_once(env)
    assert worker.poll() is None  # the worker survived it
