"""How fast a ledger imports: N generated rows into a fresh database.

    .venv/bin/python bench/import_ledger_bench.py [--rows 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_ledger_bench.py

With no DATABASE_URL it uses a new SQLite file in a temporary directory. With a PostgreSQL URL it
creates a database of its own next to the one named (gk_ledger_bench_<pid>) and drops it at the end.
It times `manage.py import_ledger` on the file (first import: every row created), then the same
file again (every row unchanged), then `export_ledger` to CSV, and in the same run the floor
(bench/ledger_floor.py: a bare sqlite3 script doing the essential work) with the ratios to it.
--no-reimport skips the second import (a 1,000,000-row run on PostgreSQL: linear cost is shown by
the first import and the export).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _resident_id(body17: str) -> str:
    """A resident ID number with its check digit (import checks it)."""
    from disclosure.idnumbers import resident_id_check

    return body17 + resident_id_check(body17)


HEADER = [
    "ref", "unit", "channel", "submitted_on", "received_on", "applicant_type", "applicant_name",
    "applicant_id_number", "applicant_contact", "content", "correction_requested_on", "correction_received_on",
    "consultation_sent_on", "consultation_replied_on", "fee_notice_on", "fee_paid_on", "extension_days",
    "concluded_on", "result", "reconsideration_filed_on", "reconsideration_outcome", "reconsideration_decided_on",
    "litigation_filed_on", "litigation_after_reconsideration", "litigation_outcome", "litigation_decided_on",
]
UNITS = ["bench-gov", "bench-d1", "bench-d2", "bench-t1", "bench-t2"]
CHANNELS = ["in_person", "letter", "online", "fax", "email", "other"]
APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org"]
RESULTS = ["granted", "already_public", "partial", "refused.third_party", "unavailable.not_held", "not_this_agency",
           "not_processed.duplicate", "withdrawn", "other"]


def generate(path: Path, n: int, seed: int = 2026) -> None:
    """A realistic mix: most rows concluded; some with corrections, consultations, fees, extensions."""
    rng = random.Random(seed)
    start = date(2021, 1, 4)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(n):
            received = start + timedelta(days=rng.randrange(0, 5 * 365))
            row = dict.fromkeys(HEADER, "")
            row.update(
                ref=f"B{i:06d}", unit=UNITS[i % len(UNITS)], channel=rng.choice(CHANNELS),
                submitted_on=(received - timedelta(days=rng.randrange(0, 3))).isoformat(),
                received_on=received.isoformat(), applicant_type=rng.choice(APPLICANTS),
                applicant_name=f"申请人{i}", applicant_id_number=_resident_id(f"33070219800101{i % 1000:03d}"),
                applicant_contact=f"138{i:08d}", content=f"申请公开第{i}号项目的批复文件",
            )
            day = received
            if rng.random() < 0.1:
                row["correction_requested_on"] = (day := day + timedelta(days=3)).isoformat()
                row["correction_received_on"] = (day := day + timedelta(days=5)).isoformat()
            if rng.random() < 0.15:
                row["consultation_sent_on"] = (day := day + timedelta(days=4)).isoformat()
                row["consultation_replied_on"] = (day := day + timedelta(days=10)).isoformat()
            if rng.random() < 0.05:
                row["fee_notice_on"] = (day := day + timedelta(days=2)).isoformat()
                row["fee_paid_on"] = (day := day + timedelta(days=5)).isoformat()
            if rng.random() < 0.1:
                row["extension_days"] = str(rng.randint(5, 20))
            if received < date(2025, 10, 1) and rng.random() < 0.95:
                row["concluded_on"] = (day + timedelta(days=rng.randrange(5, 40))).isoformat()
                row["result"] = rng.choice(RESULTS)
                if rng.random() < 0.03:
                    row["reconsideration_filed_on"] = (day + timedelta(days=60)).isoformat()
                    row["reconsideration_outcome"] = "upheld"
                    row["reconsideration_decided_on"] = (day + timedelta(days=120)).isoformat()
            writer.writerow([row[k] for k in HEADER])


def fresh_database(url: str | None) -> tuple[str | None, callable]:
    """(DATABASE_URL to use, cleanup)."""
    if not url:
        return None, lambda: None
    import psycopg

    name = f"gk_ledger_bench_{os.getpid()}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        from django.db import connections

        connections.close_all()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{base}/{name}", drop


def timed(label: str, rows: int, fn) -> float:
    """Wall time, and this process's CPU time (the machine may be busy with other work)."""
    began, cpu = time.perf_counter(), time.process_time()
    fn()
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    print(f"{label:<26} {rows:>6} rows  {seconds:6.2f} s  {rows / seconds:6.0f} rows/s   (CPU {cpu:5.2f} s in this process)")
    return seconds, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--no-reimport", action="store_true", help="skip the second import (for the 1,000,000-row run)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gk-ledger-bench-"))
    os.environ["GONGKAI_VAR_DIR"] = str(tmp)
    url, cleanup = fresh_database(os.environ.get("DATABASE_URL"))
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from disclosure.models import DisclosureRequest, Unit

    try:
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {engine}  ({url or settings.DATABASES['default']['NAME']})")
        call_command("migrate", verbosity=0)
        root = Unit.objects.create(code=UNITS[0], name="基准测试区政府", kind="government")
        for code in UNITS[1:]:
            Unit.objects.create(code=code, name=code, kind="department", parent=root)
        path = tmp / "ledger.csv"
        generate(path, args.rows)
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        imported = timed("import (all created)", args.rows, lambda: call_command("import_ledger", str(path), **quiet))
        assert DisclosureRequest.objects.count() == args.rows, quiet["stderr"].getvalue()[:2000]
        print(f"peak resident memory after the import: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
        if not args.no_reimport:
            timed("re-import (all unchanged)", args.rows, lambda: call_command("import_ledger", str(path), **quiet))
        out = tmp / "export.csv"
        exported = timed("export_ledger csv", args.rows, lambda: call_command("export_ledger", "-o", str(out), **quiet))
        sys.path.insert(0, str(ROOT / "bench"))
        from ledger_floor import floors

        floor_in, floor_out = floors(path)
        print(f"floor import (sqlite3)     {args.rows:>6} rows  {floor_in[0]:6.2f} s   (CPU {floor_in[1]:5.2f} s)")
        print(f"floor export (sqlite3)     {args.rows:>6} rows  {floor_out[0]:6.2f} s   (CPU {floor_out[1]:5.2f} s)")
        print(f"ratio to the floor, wall: import {imported[0] / floor_in[0]:4.1f}x  export {exported[0] / floor_out[0]:4.1f}x;"
              f"  CPU of this process: import {imported[1] / floor_in[1]:4.1f}x  export {exported[1] / floor_out[1]:4.1f}x")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
