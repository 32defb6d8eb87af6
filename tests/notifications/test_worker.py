"""A real worker, killed with SIGKILL in the middle of a send and restarted, delivers every alert
exactly once (counted in the file e-mail backend's output).

Everything runs in subprocesses sharing one environment: a fresh SQLite file under a temporary
GONGKAI_VAR_DIR (or, when DATABASE_URL is PostgreSQL, a scratch database) and the filesystem
broker (or Redis DB 14 when REDIS_URL is set). GONGKAI_ALERT_SEND_DELAY makes every send sleep
first, so the kill lands between claiming an alert and delivering it.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.worker

SETUP = """
from tests.factories import UnitFactory, staff
from disclosure.models import Unit
from notifications.models import PersonPreference
from tests.notifications.scenario import build
root = UnitFactory(code="jindong", name="金东区人民政府", kind=Unit.Kind.GOVERNMENT)
tree = {
    "root": root,
    "dept": UnitFactory(code="jd-fgj", name="金东区发展和改革局", parent=root),
    "town": UnitFactory(code="jd-dxz", name="多湖街道", kind=Unit.Kind.TOWNSHIP, parent=root),
    "other": UnitFactory(code="wucheng", name="婺城区人民政府", kind=Unit.Kind.GOVERNMENT),
}
people = {
    "clerk": staff("clerk", tree["dept"], "clerk"), "head": staff("head", tree["dept"], "head"),
    "supervisor": staff("supervisor", root, "supervisor"), "town_clerk": staff("town_clerk", tree["town"], "clerk"),
    "other_clerk": staff("other_clerk", tree["other"], "clerk"),
}
for user in people.values():
    user.email = user.username + "@example.gov.cn"
    user.save()
    PersonPreference.objects.create(user=user, in_app_enabled=False)  # e-mail only: countable files
build(tree, people)
"""


class Env:
    def __init__(self, tmp_path: Path, redis_url: str | None = None, template: str | None = None):
        self.tmp = tmp_path
        self.mail = tmp_path / "mail"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "GONGKAI_VAR_DIR": str(tmp_path),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "GONGKAI_ALERT_STALE_SECONDS": "3",
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
        self.pg_admin = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            base, _, _name = url.rpartition("/")
            self.dbname = f"gk_notif_worker_{uuid.uuid4().hex[:8]}"
            self.env["DATABASE_URL"] = f"{base}/{self.dbname}"
            self.pg_admin = f"{base}/postgres"
            # template: a database migrated and seeded once, copied per test (tests/notifications/test_faults.py)
            self._pg(f'CREATE DATABASE "{self.dbname}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.flush_redis = False
        if redis_url:  # a Redis of the test's own (tests/notifications/test_faults.py)
            self.env["REDIS_URL"] = redis_url
        elif os.environ.get("REDIS_URL"):
            self.flush_redis = True
            base = os.environ["REDIS_URL"].rsplit("/", 1)[0] if os.environ["REDIS_URL"].count("/") > 2 else os.environ["REDIS_URL"]
            self.env["REDIS_URL"] = f"{base}/14"
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()

    def _pg(self, sql):
        import psycopg

        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(sql)

    def close(self):
        if self.flush_redis:
            import redis

            redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()  # the lost message waits out its visibility timeout
        if self.pg_admin:
            self._pg(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def manage(self, *args, extra_env=None, timeout=120):
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env={**self.env, **(extra_env or {})},
            capture_output=True, text=True, timeout=timeout, check=True,
        )

    def query(self, sql):
        if self.pg_admin:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.tmp / "gongkai.sqlite3", timeout=20) as conn:
            return conn.execute(sql).fetchall()

    def statuses(self) -> Counter:
        return Counter(dict(self.query("SELECT status, COUNT(*) FROM notifications_alert GROUP BY status")))

    def worker(self, name, delay, extra_env=None):
        log = (self.tmp / f"{name}.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", f"{name}@%h",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=ROOT, env={**self.env, "GONGKAI_ALERT_SEND_DELAY": str(delay), **(extra_env or {})},
            stdout=log, stderr=subprocess.STDOUT,
        )
        return proc, log

    def beat(self):
        log = (self.tmp / "beat.log").open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
             "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler", "--pidfile", str(self.tmp / "beat.pid")],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        return proc, log

    def delivered_messages(self) -> list[list[str]]:
        """The alert keys of each e-mail written (a digest's header lists all its alerts' keys)."""
        messages = []
        for path in self.mail.glob("*.log") if self.mail.exists() else []:
            current = None
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("X-Gongkai-Alert: "):
                    current = line.split(": ", 1)[1].split()
                    messages.append(current)
                elif current is not None and line[:1] in (" ", "\t"):  # a folded header line
                    current.extend(line.split())
                else:
                    current = None
        return messages

    def delivered_keys(self) -> Counter:
        return Counter(key for message in self.delivered_messages() for key in message)


def wait_for(condition, timeout, what, proc=None, log_path=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.1)
    log = log_path.read_text(errors="replace")[-3000:] if log_path and log_path.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{log}")


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def test_worker_killed_mid_send_and_restarted_delivers_each_alert_exactly_once(tmp_path):
    env = Env(tmp_path)
    procs = []
    try:
        env.manage("migrate", "--noinput", timeout=180)
        env.manage("shell", "-c", SETUP)
        first, first_log = env.worker("first", delay=1.0)
        procs.append(first)
        out = env.manage("deadline_sweep", "--today", "2025-10-31", "--enqueue").stdout
        total = sum(env.statuses().values())
        assert total >= 8, out
        keys = {k for (k,) in env.query("SELECT key FROM notifications_alert")}

        # one message per person per sweep: the alerts of each digest group go out together
        groups = {d for (d,) in env.query("SELECT DISTINCT digest FROM notifications_alert WHERE digest <> ''")}
        singles = env.query("SELECT COUNT(*) FROM notifications_alert WHERE digest = ''")[0][0]
        assert len(groups) < total - singles  # some people have several alerts

        # kill -9 mid-digest: a digest of several alerts is claimed (sleeping before delivery) and
        # some messages are already sent
        wait_for(lambda: env.statuses()["sent"] >= 2 and env.statuses()["sending"] >= 2, 60,
                 "two sends and a digest in flight", first, tmp_path / "first.log")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        first_log.close()
        killed = env.statuses()
        assert killed["sending"] >= 2 and killed["sent"] < total
        in_flight = {k for (k,) in env.query("SELECT key FROM notifications_alert WHERE status = 'sending'")}

        # restart; the next sweep (after the claim went stale) re-enqueues what the broker lost
        second, second_log = env.worker("second", delay=0)
        procs.append(second)
        time.sleep(3.5)
        out = env.manage("deadline_sweep", "--today", "2025-10-31", "--enqueue").stdout
        assert "已创建0条提醒" in out
        wait_for(lambda: env.statuses()["sent"] == total, 90, "every alert sent", second, tmp_path / "second.log")
        second_log.close()

        delivered = env.delivered_keys()
        assert set(delivered) == keys
        assert set(delivered.values()) == {1}, [k for k, n in delivered.items() if n > 1]
        # the digest in flight at the kill went out once, whole, as one message
        assert any(set(message) == in_flight for message in env.delivered_messages())
        assert len(env.delivered_messages()) == len(groups) + singles
        (attempts,) = env.query("SELECT MAX(attempts) FROM notifications_alert")[0]
        assert attempts == 2  # the alert in flight at the kill was claimed twice, delivered once
        # a third sweep sends nothing more
        env.manage("deadline_sweep", "--today", "2025-10-31", "--enqueue")
        time.sleep(1.5)
        assert env.delivered_keys() == delivered
    finally:
        for proc in procs:
            stop(proc)
        env.close()
