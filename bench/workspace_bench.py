"""Time the 我的待办 home page and the 督办 board as the number of requests grows.

    GONGKAI_VAR_DIR=/tmp/gk-bench-home .venv/bin/python bench/workspace_bench.py [sizes]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_home .venv/bin/python bench/workspace_bench.py 100000,1000000

Builds a database under GONGKAI_VAR_DIR (SQLite by default, or DATABASE_URL) and grows it to each
size in turn (default 1,000, 10,000, 100,000 requests over 20 units: ~94 % concluded, the rest open
in every state, a third of them overdue; replies dated over three years). At each size it times the
home page of a clerk and of a head, and the board of a supervisor (the whole district) and of an
admin: whole page including rendering, median of 5, and the query count, which must not change
with the size. Figures: README (Benchmarks). Measured 2026-12-02 on the shared 2-core box (upper
bounds): SQLite 100k home 108–177 ms, board 0.9–1.0 s; PostgreSQL 100k home 116–156 ms, board
460–500 ms; PostgreSQL 1,000,000 home 48–140 ms, board 1.0–3.0 s; queries 14–15 (home) and 21–22
(board) at every size.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("GONGKAI_VAR_DIR", "/tmp/gk-bench-home")
os.environ.setdefault("GONGKAI_REQUIRE_2FA", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from disclosure.models import Consultation, DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from disclosure.workflow import OPEN_STATUSES, Status  # noqa: E402

OPEN = sorted(str(s) for s in OPEN_STATUSES)


def people(units):
    def user(name, unit, role, **extra):
        u, _ = User.objects.get_or_create(username=name, defaults={"is_staff": True, **extra})
        if role:
            StaffRole.objects.get_or_create(user=u, unit=unit, role=role)
        return u

    clerks = [user(f"bench-clerk{i}", units[1], "clerk") for i in range(4)]
    user("bench-head", units[1], "head")
    user("bench-legal", units[1], "legal_reviewer")
    user("bench-supervisor", units[0], "supervisor")
    user("bench-admin", units[0], None, is_superuser=True)
    return clerks


def populate(rows: int) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    rng = random.Random(rows)
    root, _ = Unit.objects.get_or_create(code="bench-root", defaults={"name": "金东区人民政府", "kind": "government"})
    units = [root] + [
        Unit.objects.get_or_create(code=f"bench-u{i:02d}", defaults={"name": f"部门{i}", "kind": "department",
                                                                      "parent": root})[0]
        for i in range(1, 20)
    ]
    clerks = people(units)
    today = timezone.localdate()
    have = DisclosureRequest.objects.count()
    batch, consulting = [], []
    for i in range(have, rows):
        unit = units[i % len(units)]
        is_open = rng.random() < 0.06
        if is_open:
            received = today - timedelta(days=rng.randrange(0, 60))
            status = rng.choice(OPEN)
        else:
            received = today - timedelta(days=rng.randrange(30, 1100))
            status = rng.choice([Status.ARCHIVED, Status.ARCHIVED, Status.REPLIED, Status.CLOSED])
        due = received + timedelta(days=28)
        concluded = None if is_open else received + timedelta(days=rng.randrange(3, 40))
        batch.append(DisclosureRequest(
            unit=unit, ref=f"{unit.code}-{i:07d}", applicant_type="natural_person",
            applicant_name=f"申请人{i}", channel="in_person", submitted_on=received, received_on=received,
            content="申请公开某项目的批复文件", status=status,
            due_on=None if status == Status.AWAITING_CORRECTION else due,
            correction_period_until=received + timedelta(days=20) if status == Status.AWAITING_CORRECTION else None,
            clock_start_on=received, concluded_on=concluded, outcome="" if is_open else "granted",
            handler=rng.choice(clerks) if unit == units[1] and rng.random() < 0.8 else None,
        ))
        if status == Status.CONSULTING:
            consulting.append(len(batch) - 1)
        if len(batch) == 5000:
            flush(batch, consulting)
            batch, consulting = [], []
    if batch:
        flush(batch, consulting)
    with connection.cursor() as cursor:  # planner statistics, as import_ledger refreshes them
        cursor.execute("ANALYZE")


def flush(batch, consulting):
    made = DisclosureRequest.objects.bulk_create(batch)
    Consultation.objects.bulk_create([
        Consultation(request=made[i], kind="agency", party="区财政局", sent_on=made[i].received_on,
                     due_on=made[i].received_on + timedelta(days=21))
        for i in consulting
    ])


def timed(client: Client, url: str) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(5):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


def main() -> None:
    sizes = [int(s) for s in (sys.argv[1] if len(sys.argv) > 1 else "1000,10000,100000").split(",")]
    call_command("migrate", verbosity=0)
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    cases = [("bench-clerk0", "/admin/"), ("bench-head", "/admin/"), ("bench-supervisor", "/admin/board/"),
             ("bench-admin", "/admin/board/"), ("bench-supervisor", "/admin/")]
    for size in sizes:
        t0 = time.perf_counter()
        populate(size)
        print(f"{DisclosureRequest.objects.count()} requests ({connection.vendor}); populate "
              f"{time.perf_counter() - t0:.1f}s", flush=True)
        for username, url in cases:
            client = Client()
            client.force_login(User.objects.get(username=username))
            ms, queries = timed(client, url)
            print(f"  {username:17} {url:14} {ms:8.1f} ms  {queries:2d} queries", flush=True)


if __name__ == "__main__":
    main()
