"""How fast a ledger exports, against the floor (bench/ledger_floor.py), at N generated rows.

    .venv/bin/python bench/export_ledger_bench.py [--rows 30000] [--format csv|json|xlsx]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/export_ledger_bench.py

Seeds the database by importing a generated ledger (bench/import_ledger_bench.py's generator), then
times `export_ledger` to a file (best of --rounds) and, in the same run, the bare sqlite3 floor of
the same rows, and prints the ratio. Also the peak Python memory of one streamed download
(ledger_download, as the admin and the API serve it), to show it does not grow with N.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_ledger_bench import UNITS, fresh_database, generate  # noqa: E402
from ledger_floor import floors  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--format", default="csv", choices=["csv", "json", "xlsx"])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="gk-export-bench-"))
    os.environ["GONGKAI_VAR_DIR"] = str(tmp)
    url, cleanup = fresh_database(os.environ.get("DATABASE_URL"))
    if url:
        os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from disclosure.access import Access
    from disclosure.ledger import ledger_download
    from disclosure.models import Unit
    from disclosure.workcalendar import load_work_calendar

    try:
        engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"database: {engine}, {args.rows} rows, format {args.format}")
        call_command("migrate", verbosity=0)
        root = Unit.objects.create(code=UNITS[0], name="基准测试区政府", kind="government")
        for code in UNITS[1:]:
            Unit.objects.create(code=code, name=code, kind="department", parent=root)
        path = tmp / "ledger.csv"
        generate(path, args.rows)
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        began = time.perf_counter()
        call_command("import_ledger", str(path), **quiet)
        print(f"seeded by import_ledger in {time.perf_counter() - began:.1f} s")
        out = tmp / f"export.{args.format}"
        best = best_cpu = float("inf")
        for _ in range(args.rounds):
            began, cpu = time.perf_counter(), time.process_time()
            call_command("export_ledger", "-o", str(out), "--format", args.format, **quiet)
            best, best_cpu = min(best, time.perf_counter() - began), min(best_cpu, time.process_time() - cpu)
        measured = [floors(path)[1] for _ in range(args.rounds)]
        floor, floor_cpu = min(m[0] for m in measured), min(m[1] for m in measured)
        print(f"export_ledger {args.format:<5} {best:6.2f} s (CPU {best_cpu:5.2f} s)   floor {floor:6.2f} s (CPU {floor_cpu:5.2f} s)"
              f"   ratio wall {best / floor:4.1f}x, CPU {best_cpu / floor_cpu:4.1f}x")
        tracemalloc.start()
        download = ledger_download(Access(user_id=None, is_admin=True), year=None, unit=None, fmt=args.format,
                                   headers="zh", calendar=load_work_calendar(), today=timezone.localdate())
        size = sum(len(chunk) for chunk in download.chunks)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"streamed download: {size / 1e6:.1f} MB sent, peak Python memory {peak / 1e6:.1f} MB")
    finally:
        cleanup()


if __name__ == "__main__":
    main()
