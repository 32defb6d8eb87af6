"""Benchmark: one year's annual-report compile of the root against one hand-written GROUP BY.

    GONGKAI_VAR_DIR=/tmp/gk-bench .venv/bin/python bench/compile_bench.py 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench .venv/bin/python bench/compile_bench.py 100000

Seeds N synthetic requests (received over ten years, 2016–2025) across ~2,000 units in a four-level tree
(root → 11 cities → 10 counties each → 17 units each), unless the database already holds exactly N,
then prints for the compile of 2024 at the root: the compile's time (median of runs), the hand-written
query's time (lower bound: table 三's counts in one GROUP BY over the same rows), their ratio, the
number of queries, and the peak Python memory of one compile (tracemalloc). Not a test: run it by hand.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from disclosure.models import DisclosureRequest, Unit  # noqa: E402
from reporting import services  # noqa: E402
from reporting import tables as t  # noqa: E402

YEAR = 2024
ROOT = "bench-root"
OUTCOMES = [
    "granted", "granted", "granted", "already_public", "partial", "refused.third_party", "refused.process_info",
    "unavailable.not_held", "unavailable.not_held", "not_this_agency", "unavailable.needs_creation",
    "not_processed.petition", "not_processed.duplicate", "abandoned_no_correction", "withdrawn", "other",
]
CHANNELS = ["in_person", "letter", "online", "online", "email"]


def seed_units() -> list[Unit]:
    if Unit.objects.filter(code=ROOT).exists():
        return list(Unit.objects.filter(path__startswith=f"/{ROOT}/"))
    root = Unit.objects.create(code=ROOT, name="基准省人民政府", kind="government")
    units = [root]
    for c in range(11):
        city = Unit.objects.create(code=f"b-c{c}", name=f"市{c}", kind="government", parent=root)
        units.append(city)
        counties = Unit.objects.bulk_create(
            Unit(code=f"b-c{c}-{k}", name=f"县{c}-{k}", kind="government", parent=city, path=f"{city.path}b-c{c}-{k}/")
            for k in range(10)
        )
        units += counties
        for county in counties:
            units += Unit.objects.bulk_create(
                Unit(
                    code=f"{county.code}-{j}", name=f"单位{county.code}-{j}", kind="department" if j < 10 else "township",
                    parent=county, path=f"{county.path}{county.code}-{j}/",
                )
                for j in range(17)
            )
    return units


def seed_requests(units: list[Unit], n: int) -> None:
    rng = random.Random(20260101)
    start = date(2016, 1, 1)
    span = (date(2025, 12, 31) - start).days
    batch: list[DisclosureRequest] = []

    def flush():
        DisclosureRequest.objects.bulk_create(batch)
        batch.clear()

    for i in range(n):
        received = start + timedelta(days=rng.randrange(span))
        concluded = received + timedelta(days=rng.randrange(5, 60)) if rng.random() < 0.97 else None
        if concluded and concluded > date(2026, 1, 20):
            concluded = None
        outcome = rng.choice(OUTCOMES) if concluded else ""
        fields = {}
        if concluded and rng.random() < 0.03:
            filed = concluded + timedelta(days=rng.randrange(10, 60))
            decided = filed + timedelta(days=rng.randrange(30, 200)) if rng.random() < 0.8 else None
            fields = dict(reconsideration_filed_on=filed, reconsideration_decided_on=decided,
                          reconsideration_outcome=rng.choice(["upheld", "corrected", "other"]) if decided else "")
        elif concluded and rng.random() < 0.02:
            filed = concluded + timedelta(days=rng.randrange(10, 180))
            decided = filed + timedelta(days=rng.randrange(60, 400)) if rng.random() < 0.7 else None
            fields = dict(litigation_filed_on=filed, litigation_decided_on=decided,
                          litigation_after_reconsideration=rng.random() < 0.3,
                          litigation_outcome=rng.choice(["upheld", "corrected", "other"]) if decided else "")
        batch.append(
            DisclosureRequest(
                unit=units[rng.randrange(len(units))], ref=f"B{i:08d}", applicant_type=rng.choice(t.APPLICANT_COLUMNS),
                applicant_name="申请人", channel=rng.choice(CHANNELS), submitted_on=received, received_on=received,
                content="基准测试", status="replied" if concluded else "handling", concluded_on=concluded,
                outcome=outcome, due_on=received + timedelta(days=30), **fields,
            )
        )
        if len(batch) >= 5000:
            flush()
    flush()


HAND_WRITTEN = """
SELECT r.applicant_type, r.outcome,
       SUM(CASE WHEN r.received_on >= %(start)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.received_on < %(start)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.concluded_on >= %(start)s AND r.concluded_on <= %(end)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.concluded_on IS NULL OR r.concluded_on > %(end)s THEN 1 ELSE 0 END)
FROM disclosure_disclosurerequest r JOIN disclosure_unit u ON u.id = r.unit_id
WHERE u.path LIKE %(prefix)s
  AND ((r.received_on >= %(start)s AND r.received_on <= %(end)s)
       OR (r.concluded_on IS NULL AND r.received_on <= %(end)s)
       OR (r.concluded_on >= %(start)s AND r.received_on <= %(end)s))
GROUP BY r.applicant_type, r.outcome
"""


HAND_WRITTEN_TABLE4 = """
SELECT r.reconsideration_outcome, r.litigation_outcome, r.litigation_after_reconsideration,
       SUM(CASE WHEN r.reconsideration_filed_on <= %(end)s AND (r.reconsideration_filed_on >= %(start)s
                     OR r.reconsideration_outcome = '' OR r.reconsideration_decided_on >= %(start)s) THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.litigation_filed_on <= %(end)s AND (r.litigation_filed_on >= %(start)s
                     OR r.litigation_outcome = '' OR r.litigation_decided_on >= %(start)s) THEN 1 ELSE 0 END)
FROM disclosure_disclosurerequest r JOIN disclosure_unit u ON u.id = r.unit_id
WHERE u.path LIKE %(prefix)s AND (r.reconsideration_filed_on <= %(end)s OR r.litigation_filed_on <= %(end)s)
GROUP BY 1, 2, 3
"""


def hand_written_both(root: Unit) -> None:
    """Tables 三 and 四 by hand: the same two passes the compile makes (a fairer floor for it)."""
    hand_written(root)
    with connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_TABLE4, {"start": date(YEAR, 1, 1), "end": date(YEAR, 12, 31), "prefix": root.path + "%"})
        cursor.fetchall()


def hand_written(root: Unit) -> list:
    with connection.cursor() as cursor:
        cursor.execute(
            HAND_WRITTEN,
            {"start": date(YEAR, 1, 1), "end": date(YEAR, 12, 31), "prefix": root.path + "%"},
        )
        return cursor.fetchall()


def timed_rounds(fns, runs: int) -> list[list[float]]:
    """Run the functions in turn, round after round, so load from other processes hits all alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, record in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            record.append(time.perf_counter() - t0)
    return times


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        units = seed_units()
    existing = DisclosureRequest.objects.filter(unit__path__startswith=f"/{ROOT}/").count()
    if existing != n:
        print(f"seeding {n} requests across {len(units)} units …", flush=True)
        t0 = time.perf_counter()
        with transaction.atomic():
            DisclosureRequest.objects.filter(unit__path__startswith=f"/{ROOT}/")._raw_delete(connection.alias)
            seed_requests(units, n)
        print(f"seeded in {time.perf_counter() - t0:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics (PostgreSQL's autovacuum would do it in time)
    root = Unit.objects.get(code=ROOT)

    services.compile_report(root, YEAR)  # warm caches
    hand_written(root)
    compile_t, hand_t, both_t = timed_rounds(
        [lambda: services.compile_report(root, YEAR), lambda: hand_written(root), lambda: hand_written_both(root)], runs
    )
    with CaptureQueriesContext(connection) as ctx:
        doc = services.compile_report(root, YEAR)
    tracemalloc.start()
    services.compile_report(root, YEAR)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rows = doc["table3"]["rows"]
    hand_new = sum(r[2] for r in hand_written(root))
    assert hand_new == rows["new"][6], (hand_new, rows["new"][6])
    print(f"database           {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"requests / units   {n} / {len(units)}")
    print(f"{YEAR} new / total / carried out   {rows['new'][6]} / {rows['total'][6]} / {rows['carried_out'][6]}")
    for name, times in (("compile", compile_t), ("hand-written SQL", hand_t)):
        print(f"{name:<18} best {min(times) * 1000:.1f} ms, median {statistics.median(times) * 1000:.1f} ms ({runs} runs)")
    print(
        f"ratio              best {min(compile_t) / min(hand_t):.2f}, "
        f"median {statistics.median(compile_t) / statistics.median(hand_t):.2f}"
    )
    print(f"hand-written 三+四  best {min(both_t) * 1000:.1f} ms, median {statistics.median(both_t) * 1000:.1f} ms "
          f"(ratio best {min(compile_t) / min(both_t):.2f}, median {statistics.median(compile_t) / statistics.median(both_t):.2f})")
    print(f"queries            {len(ctx.captured_queries)}")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:90]}")
    print(f"peak memory        {peak / 1024:.0f} KiB (tracemalloc, one compile)")


if __name__ == "__main__":
    main()
