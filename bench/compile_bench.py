"""Benchmark: one year's annual-report compile of the root against hand-written SQL.

    GONGKAI_VAR_DIR=/tmp/gk-bench .venv/bin/python bench/compile_bench.py 100000 [rounds [year]]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench .venv/bin/python bench/compile_bench.py 100000

Seeds N synthetic requests (received over ten years, 2016–2025) across ~2,000 units in a four-level tree
(root → 11 cities → 10 counties each → 17 units each), unless the database already holds exactly N,
then times the compile of 2024 (or the year given) at the root against two hand-written lower bounds, interleaved round
by round (other processes' load hits all three alike), best and median:

- same outputs: hand-written SQL for everything the compile reads from the requests (table 三, the
  channel and unit-kind breakdowns, check 7's overdue count, table 四), checked to give the same
  figures as the compile; the ratio to it is the cost of the ORM, Python and the small lookups;
- bare 三 GROUP BY: the issue's "one hand-written SQL GROUP BY over the same rows", table 三's counts
  only; the compile does strictly more work than this.

Also prints the number of queries and the peak Python memory of one compile (tracemalloc), and on
SQLite the process CPU time (SQLite runs in-process). Not a test: run it by hand.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import sys
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from disclosure.models import DisclosureRequest, Unit
from reporting import services
from reporting import tables as t

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
            fields = {"reconsideration_filed_on": filed, "reconsideration_decided_on": decided,
                          "reconsideration_outcome": rng.choice(["upheld", "corrected", "other"]) if decided else ""}
        elif concluded and rng.random() < 0.02:
            filed = concluded + timedelta(days=rng.randrange(10, 180))
            decided = filed + timedelta(days=rng.randrange(60, 400)) if rng.random() < 0.7 else None
            fields = {"litigation_filed_on": filed, "litigation_decided_on": decided,
                          "litigation_after_reconsideration": rng.random() < 0.3,
                          "litigation_outcome": rng.choice(["upheld", "corrected", "other"]) if decided else ""}
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


# The lower bounds, written by hand for this schema. Both use the compile's WHERE (the year's rows,
# each OR branch led by an index) and the same indexes; they differ in what they compute.

# Bare: the issue's "one hand-written SQL GROUP BY over the same rows" — table 三's counts by
# applicant type and outcome, nothing else. The compile does strictly more than this.
BARE = """
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

# Same outputs: everything the compile returns from the database — table 三 by applicant type and
# outcome, the breakdowns of new requests by channel and by kind of unit, check 7's overdue count,
# and table 四 under the default rule — as a person would write it: one pass over the year's rows
# (conditions simplified by the WHERE: every row is received by 31 December), one over the
# proceedings counted in the year.
SAME_TABLE3 = """
SELECT r.applicant_type, r.outcome, r.channel, u.kind,
       COUNT(*),
       SUM(CASE WHEN r.received_on >= %(start)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.concluded_on >= %(start)s AND r.concluded_on <= %(end)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN r.concluded_on IS NULL OR r.concluded_on > %(end)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN ((r.concluded_on IS NULL OR r.concluded_on > %(end)s) AND r.due_on < %(end)s)
                  OR (r.concluded_on >= %(start)s AND r.concluded_on <= %(end)s AND r.concluded_on > r.due_on)
                THEN 1 ELSE 0 END)
FROM disclosure_disclosurerequest r JOIN disclosure_unit u ON u.id = r.unit_id
WHERE u.path LIKE %(prefix)s
  AND ((r.received_on >= %(start)s AND r.received_on <= %(end)s)
       OR (r.concluded_on IS NULL AND r.received_on <= %(end)s)
       OR (r.concluded_on >= %(start)s AND r.received_on <= %(end)s))
GROUP BY 1, 2, 3, 4
"""


def _counted(p: str) -> str:
    """Default rule: filed by 31 December, and filed in the year or undecided on 1 January."""
    return (f"(r.{p}_filed_on <= %(end)s AND (r.{p}_filed_on >= %(start)s OR r.{p}_outcome = ''"
            f" OR r.{p}_decided_on >= %(start)s))")


def _counted_by_index(p: str) -> str:
    """The same rows as an OR of terms each led by an indexed column (the partial indexes on filing
    date, decision date, and filing date of proceedings without an outcome)."""
    return (f"(r.{p}_filed_on >= %(start)s AND r.{p}_filed_on <= %(end)s)"
            f" OR (r.{p}_decided_on >= %(start)s AND r.{p}_filed_on <= %(end)s)"
            f" OR (r.{p}_outcome = '' AND r.{p}_filed_on <= %(end)s)")


def _pending(p: str) -> str:
    return f"(r.{p}_outcome = '' OR r.{p}_decided_on > %(end)s)"


SAME_TABLE4 = f"""
SELECT r.reconsideration_outcome, r.litigation_outcome, r.litigation_after_reconsideration,
       SUM(CASE WHEN {_counted("reconsideration")} AND NOT {_pending("reconsideration")} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {_counted("reconsideration")} AND {_pending("reconsideration")} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {_counted("litigation")} AND NOT {_pending("litigation")} THEN 1 ELSE 0 END),
       SUM(CASE WHEN {_counted("litigation")} AND {_pending("litigation")} THEN 1 ELSE 0 END)
FROM disclosure_disclosurerequest r JOIN disclosure_unit u ON u.id = r.unit_id
WHERE u.path LIKE %(prefix)s AND ({_counted_by_index("reconsideration")} OR {_counted_by_index("litigation")})
GROUP BY 1, 2, 3
"""


def run_sql(sql: str, root: Unit) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, {"start": date(YEAR, 1, 1), "end": date(YEAR, 12, 31), "prefix": root.path + "%"})
        return cursor.fetchall()


def bare(root: Unit) -> list[tuple]:
    return run_sql(BARE, root)


def same_outputs(root: Unit) -> dict:
    """The hand-written lower bound's figures, summed as the compile's document states them."""
    rows3, rows4 = run_sql(SAME_TABLE3, root), run_sql(SAME_TABLE4, root)
    by_channel: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    for _a, _o, channel, kind, _n, new, *_rest in rows3:
        if new:
            by_channel[channel] = by_channel.get(channel, 0) + new
            by_kind[kind] = by_kind.get(kind, 0) + new
    return {
        "new": sum(r[5] for r in rows3),
        "carried_in": sum(r[4] - r[5] for r in rows3),
        "concluded": sum(r[6] for r in rows3),
        "carried_out": sum(r[7] for r in rows3),
        "overdue": sum(r[8] for r in rows3),
        "table4": sum(sum(r[3:]) for r in rows4),
        "by_channel": by_channel,
        "by_unit_kind": by_kind,
    }


def compile_figures(doc: dict) -> dict:
    rows = doc["table3"]["rows"]
    overdue = next(c for c in doc["checks"] if c["code"] == t.CHECK_OVERDUE)
    return {
        "new": rows["new"][6],
        "carried_in": rows["carried_in"][6],
        "concluded": rows["total"][6],
        "carried_out": rows["carried_out"][6],
        "overdue": 0 if overdue["ok"] else int(re.match(r"\d+", overdue["message"]).group()),
        "table4": sum(doc["table4"][g]["total"] for g in t.TABLE4_GROUPS),
        "by_channel": doc["breakdowns"]["by_channel"],
        "by_unit_kind": doc["breakdowns"]["by_unit_kind"],
    }


def timed_rounds(fns, runs: int) -> tuple[list[list[float]], list[list[float]]]:
    """Run the functions in turn, round after round, so load from other processes hits all alike.
    Returns wall-clock and process CPU seconds (the CPU figure includes SQLite's work, which runs in
    this process, and excludes PostgreSQL's, which does not)."""
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, w, c in zip(fns, wall, cpu, strict=True):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            w.append(time.perf_counter() - t0)
            c.append(time.process_time() - c0)
    return wall, cpu


def _ms(times: list[float]) -> str:
    return f"best {min(times) * 1000:6.1f} ms, median {statistics.median(times) * 1000:6.1f} ms"


def _ratio(a: list[float], b: list[float]) -> str:
    return f"best {min(a) / min(b):.2f}, median {statistics.median(a) / statistics.median(b):.2f}"


def main() -> None:
    global YEAR  # the report year is a command-line choice for the whole script
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    YEAR = int(sys.argv[3]) if len(sys.argv) > 3 else YEAR
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
        # Planner statistics, and on PostgreSQL the visibility map and hint bits a freshly bulk-loaded
        # table lacks: the steady state autovacuum keeps a live database in.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    root = Unit.objects.get(code=ROOT)
    rule = services.table4_rule()
    if rule != t.TABLE4_RULE_DEFAULT:
        sys.exit(f"the hand-written table 四 follows the default rule; unset GONGKAI_TABLE4_RULE ({rule})")

    doc = services.compile_report(root, YEAR)  # warm caches
    same = same_outputs(root)
    assert same == compile_figures(doc), (same, compile_figures(doc))
    assert sum(r[2] for r in bare(root)) == same["new"]
    names = ("compile", "same outputs (SQL)", "bare 三 GROUP BY")
    wall, cpu = timed_rounds([lambda: services.compile_report(root, YEAR), lambda: same_outputs(root), lambda: bare(root)], runs)
    with CaptureQueriesContext(connection) as ctx:
        services.compile_report(root, YEAR)
    tracemalloc.start()
    services.compile_report(root, YEAR)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"database           {connection.vendor} ({connection.settings_dict['NAME']})")
    print(f"requests / units   {n} / {len(units)}")
    print(f"{YEAR} new / concluded / carried out / overdue   {same['new']} / {same['concluded']} / {same['carried_out']} / {same['overdue']}")
    print(f"wall clock, {runs} interleaved rounds:")
    for name, times in zip(names, wall, strict=True):
        print(f"  {name:<20} {_ms(times)}")
    print(f"  ratio to same outputs  {_ratio(wall[0], wall[1])}")
    print(f"  ratio to bare GROUP BY {_ratio(wall[0], wall[2])}")
    if connection.vendor == "sqlite":
        print("process CPU (SQLite runs in this process; less disturbed by other load):")
        for name, times in zip(names, cpu, strict=True):
            print(f"  {name:<20} {_ms(times)}")
        print(f"  ratio to same outputs  {_ratio(cpu[0], cpu[1])}")
        print(f"  ratio to bare GROUP BY {_ratio(cpu[0], cpu[2])}")
    print(f"queries            {len(ctx.captured_queries)}")
    for q in ctx.captured_queries:
        print(f"  {float(q['time']) * 1000:8.1f} ms  {q['sql'][:90]}")
    print(f"peak memory        {peak / 1024:.0f} KiB (tracemalloc, one compile)")


if __name__ == "__main__":
    main()
