"""Time 109号's 按件 ordinal (disclosure.applicants.applicant_ordinal) at a million requests (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_fees .venv/bin/python bench/fee_quote_bench.py [rows] [--rebuild]

Builds (once) `rows` requests (default 1,000,000) over 20 units and 2021–2025 with one SQL
INSERT … SELECT: 40,000 applicants by blind index, and one frequent applicant with a request in every
997th row (about 1,000 in 2025 over two units: some 40 a month in each). Then, for requests of
the frequent applicant, times applicant_ordinal and applicants.fee_quote (median of 50 calls each),
counts their queries, and prints PostgreSQL's EXPLAIN ANALYZE of the ordinal query, which must be one
index scan on request_unit_applicant (an Index Only Scan once the table is vacuumed). Nothing here runs in the test suite.

Measured 2026-12-02 on the shared 2-core box (load ~5), PostgreSQL 16, 1,000,000 rows (built in 141 s):
the frequent applicant's last requests of December 2025 are the 29th–31st of the month in their unit;
one query each, `Index Only Scan using request_unit_applicant` (Index Cond on unit, hash and the
month's start; 31 index entries read), 0.04 ms execution; applicant_ordinal 4.1–6.0 ms and fee_quote
4.6–7.1 ms per call from Python; month_count 4.2 ms; earlier_requests (pg_trgm) 9.1 ms.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("GONGKAI_VAR_DIR", "/tmp/gk-bench-fees")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from disclosure import applicants  # noqa: E402
from disclosure.blindindex import applicant_id_hash  # noqa: E402
from disclosure.models import DisclosureRequest, Unit  # noqa: E402

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROWS = int(ARGS[0]) if ARGS else 1_000_000
REBUILD = "--rebuild" in sys.argv
UNITS = 20
FREQUENT = "33010119800101001X"


def value_sql(field, frequent_hash: str):
    literal = {
        "ref": "'F-' || g", "ref_year": "2021 + (g % 1825) / 365", "ref_seq": "g",
        "applicant_type": "'natural_person'", "applicant_name": "'申请人' || (g % 40000)",
        "applicant_id_hash": f"CASE WHEN g % 997 = 0 THEN '{frequent_hash}' ELSE left(md5('p' || (g % 40000)), 32) END",
        "channel": "'in_person'", "submitted_on": "CASE WHEN g % 997 = 0 THEN date '2025-01-01' + ((g / 997) % 365) "
                        "ELSE date '2021-01-01' + (g % 1825) END",
        # the frequent applicant: about 1,000 requests over 2025, some 40 a month in each of two units
        "received_on": "CASE WHEN g % 997 = 0 THEN date '2025-01-01' + ((g / 997) % 365) "
                       "ELSE date '2021-01-01' + (g % 1825) END", "content": "'申请公开第' || (g % 5000) || '号文件'",
        "status": "'archived'", "created_at": "now()", "updated_at": "now()",
    }
    if field.column in literal:
        return literal[field.column]
    if field.null:
        return "NULL"
    internal = field.get_internal_type()
    if internal in ("CharField", "TextField"):
        return "''"
    if internal == "BooleanField":
        return "false"
    if internal == "JSONField":
        return "'{}'::jsonb"
    if "Integer" in internal:
        return "0"
    raise ValueError(f"no bench value for {field.column} ({internal})")


def build(frequent_hash: str):
    call_command("migrate", verbosity=0)
    if DisclosureRequest.objects.count() == ROWS and not REBUILD:
        return
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE disclosure_disclosurerequest CASCADE")
    root, _ = Unit.objects.get_or_create(code="fbench", defaults={"name": "基准区", "kind": "government"})
    units = [Unit.objects.get_or_create(code=f"fbench-{i}", defaults={"name": f"部门{i}", "kind": "department",
                                                                       "parent": root})[0] for i in range(UNITS)]
    fields = [f for f in DisclosureRequest._meta.concrete_fields if not f.primary_key]
    ids = ",".join(str(u.pk) for u in units)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    # the frequent applicant's rows go to few units, so a unit sees dozens of them a month
    values = ", ".join(
        f"CASE WHEN g % 997 = 0 THEN (ARRAY[{ids}])[1 + g % 2] ELSE (ARRAY[{ids}])[1 + g % {UNITS}] END"
        if f.column == "unit_id" else value_sql(f, frequent_hash) for f in fields
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO disclosure_disclosurerequest ({columns}) "
                       f"SELECT {values} FROM generate_series(1, {ROWS}) AS g")
        cursor.execute("ANALYZE disclosure_disclosurerequest")
    print(f"built {ROWS} rows in {time.perf_counter() - started:.1f} s")


def median_ms(fn, n=50):
    times = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main():
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database")
    frequent_hash = applicant_id_hash(FREQUENT)
    build(frequent_hash)
    frequent = DisclosureRequest.objects.filter(applicant_id_hash=frequent_hash)
    print(f"frequent applicant: {frequent.count()} requests")
    # the latest of the month is the worst case: every earlier request of the month is counted
    picks = list(frequent.order_by("-received_on", "-id").values_list("pk", flat=True)[:5])
    DisclosureRequest.objects.filter(pk__in=picks).update(applicant_id_number=FREQUENT)  # encrypted by the field
    for pk in picks:
        req = DisclosureRequest.objects.get(pk=pk)
        with CaptureQueriesContext(connection) as queries:
            ordinal = applicants.applicant_ordinal(req)
        quote = applicants.fee_quote(req)
        print(f"request {pk} ({req.unit_id}, {req.received_on}): ordinal {ordinal}, {quote.amount} 元; "
              f"{len(queries)} query; ordinal {median_ms(lambda req=req: applicants.applicant_ordinal(req)):.2f} ms, "
              f"fee_quote {median_ms(lambda req=req: applicants.fee_quote(req)):.2f} ms (median of 50)")
    req = DisclosureRequest.objects.get(pk=picks[0])
    with CaptureQueriesContext(connection) as queries:
        applicants.applicant_ordinal(req)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + queries.captured_queries[0]["sql"])
        print("\n".join(row[0] for row in cursor.fetchall()))
    print(f"month count {median_ms(lambda: applicants.month_count(req)):.2f} ms; "
          f"earlier requests panel {median_ms(lambda: applicants.earlier_requests(req), n=20):.2f} ms")


if __name__ == "__main__":
    main()
