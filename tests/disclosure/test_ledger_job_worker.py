"""A real Celery worker imports a ledger uploaded as a background job (disclosure/ledger/jobs.py).

Everything runs as a deployment runs it: the database (its own SQLite file, or its own PostgreSQL
database when DATABASE_URL is PostgreSQL), the broker (the filesystem transport in a temporary
GONGKAI_VAR_DIR, or its own Redis database when REDIS_URL is set), migrations, the units command, a
process that submits the job the way the admin page does, and the worker in another process.
"""

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.ledger_samples import ledger_csv

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 120

pytestmark = pytest.mark.worker

SUBMIT = """
from django.core.files.uploadedfile import SimpleUploadedFile
from disclosure import tasks
from disclosure.ledger import jobs
from disclosure.models import User
admin = User.objects.create_superuser("bulk_admin", password=None)
with open({path!r}, "rb") as fh:
    job = jobs.start_import("ledger", SimpleUploadedFile("大台账.csv", fh.read()), actor=admin,
                           queue=tasks.queue_ledger_import)
print("JOB", job.pk)
"""


class Deployment:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "GONGKAI_VAR_DIR": str(tmp_path),
                    "CELERY_TASK_ALWAYS_EAGER": "0", "GONGKAI_LEDGER_INLINE_MAX_BYTES": "100"}
        self.pg_admin = None
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            base = url.rpartition("/")[0]
            self.dbname = f"gk_ledger_worker_{uuid.uuid4().hex[:8]}"
            self.env["DATABASE_URL"] = f"{base}/{self.dbname}"
            self.pg_admin = f"{base}/postgres"
            self._pg(f'CREATE DATABASE "{self.dbname}"')
        if os.environ.get("REDIS_URL"):
            base = os.environ["REDIS_URL"].rsplit("/", 1)[0] if os.environ["REDIS_URL"].count("/") > 2 else os.environ["REDIS_URL"]
            self.env["REDIS_URL"] = f"{base}/13"  # its own database: no other worker takes the message
            self._flush_redis()

    def _pg(self, sql):
        import psycopg

        with psycopg.connect(self.pg_admin, autocommit=True) as conn:
            conn.execute(sql)

    def _flush_redis(self):
        import redis

        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()

    def close(self):
        if self.env.get("REDIS_URL"):
            self._flush_redis()
        if self.pg_admin:
            self._pg(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def manage(self, *args, timeout=180):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=timeout, check=True)

    def query(self, sql):
        if self.pg_admin:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"]) as conn:
                return conn.execute(sql).fetchall()
        with sqlite3.connect(self.tmp / "gongkai.sqlite3", timeout=20) as conn:
            return conn.execute(sql).fetchall()


def test_a_worker_imports_a_queued_ledger_and_records_its_progress_and_outcome(tmp_path):
    deployment = Deployment(tmp_path)
    ledger = tmp_path / "ledger.csv"
    ledger.write_bytes(ledger_csv(extra=1500))
    worker = log = None
    try:
        deployment.manage("migrate", "--noinput")
        deployment.manage("import_units", str(ROOT / "tests" / "data" / "ledger" / "units.csv"))
        deployment.manage("shell", "-c", "from disclosure.models import Unit; "
                          "Unit.objects.create(code='wucheng', name='婺城区人民政府', kind='government'); "
                          "Unit.objects.create(code='jd-dxz', name='东孝街道', kind='township', "
                          "parent=Unit.objects.get(code='jindong'))")
        out = deployment.manage("shell", "-c", SUBMIT.format(path=str(ledger))).stdout
        job_id = int(out.split("JOB", 1)[1].split()[0])
        assert deployment.query(f"SELECT status FROM disclosure_ledgerimport WHERE id = {job_id}") == [("queued",)]

        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-n", f"ledger{job_id}@%h",
             "--without-mingle", "--without-gossip", "--without-heartbeat", "--loglevel", "INFO"],
            cwd=ROOT, env=deployment.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + WAIT_SECONDS
        status = "queued"
        while time.monotonic() < deadline and worker.poll() is None:
            [(status,)] = deployment.query(f"SELECT status FROM disclosure_ledgerimport WHERE id = {job_id}")
            if status in ("done", "invalid", "failed"):
                break
            time.sleep(0.25)
        # the job's row says done a moment before the worker logs the task as succeeded
        output = (tmp_path / "worker.log").read_text(errors="replace")
        while status == "done" and "succeeded" not in output and time.monotonic() < deadline + 15:
            time.sleep(0.25)
            output = (tmp_path / "worker.log").read_text(errors="replace")
        [(status, created, rows_total, phase, stored, message)] = deployment.query(
            "SELECT status, created, rows_total, phase, file, message FROM disclosure_ledgerimport "
            f"WHERE id = {job_id}")
        assert status == "done", f"{status}: {message}\n{output[-3000:]}"
        assert (created, rows_total, phase, stored) == (1505, 1505, "writing", "")
        assert deployment.query("SELECT COUNT(*) FROM disclosure_disclosurerequest") == [(1505,)]
        assert "disclosure.tasks.import_ledger_job" in output and "succeeded" in output
        assert not list((tmp_path / "media" / "ledger-imports").glob("*"))  # the file is gone
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        if log is not None:
            log.close()
        deployment.close()
