"""Time GET /api/v1/requests/ pages at a million rows (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_bench_api .venv/bin/python bench/api_list.py [rows]

Builds (once) `rows` requests (default 1,000,000) over 20 units with one SQL INSERT … SELECT, then
times, as a unit clerk and as an admin: the first page, a page deep in the list (a cursor from the
middle), filtered pages, and searches (a name, a content phrase, a ref, a term found nowhere, one found
in every row, and a two-character term, which gives pg_trgm no trigram). Prints milliseconds (median of 5), the query count, and
whether any query counted rows. Nothing here runs in the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("GONGKAI_VAR_DIR", "/tmp/gk-bench-api")
os.environ.setdefault("GONGKAI_API_RATE_USER", "1000000/minute")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from api.models import ApiToken  # noqa: E402
from api.pagination import ReceivedKeysetPagination  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
UNITS = 20


def value_sql(field):
    """A SQL expression for one column of row number g (a generate_series value)."""
    name = field.column
    literal = {
        "unit_id": None, "ref": "'B-' || g", "ref_year": "2016 + (g % 10)", "ref_seq": "g",
        "applicant_type": "'natural_person'", "applicant_name": "'申请人' || (g % 50000)",
        "channel": "'in_person'", "submitted_on": "date '2016-01-01' + (g % 3650)",
        "received_on": "date '2016-01-01' + (g % 3650)", "content": "'申请公开第' || g || '号文件'",
        "status": "CASE WHEN (g / 20) % 10 = 0 THEN 'handling' ELSE 'archived' END",
        "due_on": "date '2016-01-01' + (g % 3650) + 28", "created_at": "now()", "updated_at": "now()",
    }
    if name in literal:
        return literal[name]
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
    raise ValueError(f"no bench value for {name} ({internal})")


def build():
    call_command("migrate", verbosity=0)
    if DisclosureRequest.objects.count() == ROWS:
        return
    DisclosureRequest.objects.all().delete()
    root, _ = Unit.objects.get_or_create(code="bench", defaults={"name": "基准区", "kind": "government"})
    units = [Unit.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"部门{i}", "kind": "department",
                                                                      "parent": root})[0] for i in range(UNITS)]
    fields = [f for f in DisclosureRequest._meta.concrete_fields if not f.primary_key]
    ids = ",".join(str(u.pk) for u in units)
    columns = ", ".join(f'"{f.column}"' for f in fields)
    values = ", ".join(
        f"(ARRAY[{ids}])[1 + g % {UNITS}]" if f.column == "unit_id" else value_sql(f) for f in fields
    )
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO disclosure_disclosurerequest ({columns}) "
                       f"SELECT {values} FROM generate_series(1, {ROWS}) AS g")
        cursor.execute("ANALYZE disclosure_disclosurerequest")
    print(f"built {ROWS} rows in {time.perf_counter() - started:.1f} s")


def client_for(username, unit, role):
    user, _ = User.objects.get_or_create(username=username)
    StaffRole.objects.get_or_create(user=user, unit=unit, role=role)
    _, raw = ApiToken.issue(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def timed(client, url):
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:300]
    counted = any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    return statistics.median(times), len(queries), counted


def main():
    setup_test_environment()
    build()
    unit = Unit.objects.get(code="bench-3")
    middle = DisclosureRequest.objects.order_by("-received_on", "-id")[ROWS // 2]
    deep = "n" + ReceivedKeysetPagination()._key(middle)
    cases = [
        ("first page", "/api/v1/requests/"),
        ("page from the middle", f"/api/v1/requests/?cursor={deep}"),
        ("status=handling", "/api/v1/requests/?status=handling"),
        ("overdue=true", "/api/v1/requests/?overdue=true"),
        ("year=2020", "/api/v1/requests/?year=2020"),
        ("search=申请人4242", "/api/v1/requests/?search=申请人4242"),
        ("search=第777777号", "/api/v1/requests/?search=第777777号"),
        ("search=b-31415", "/api/v1/requests/?search=b-31415"),
        ("search=没有的词语", "/api/v1/requests/?search=没有的词语"),
        ("search=申请公开 (every row)", "/api/v1/requests/?search=申请公开"),
        ("search=张三 (2 chars)", "/api/v1/requests/?search=张三"),
    ]
    for who, client in (("clerk of one unit", client_for("bench-clerk", unit, "clerk")),
                        ("admin", client_for("bench-admin", unit, "admin"))):
        for label, url in cases:
            ms, n, counted = timed(client, url)
            print(f"{who:18} {label:30} {ms:8.1f} ms  {n} queries  COUNT: {'yes' if counted else 'no'}")


if __name__ == "__main__":
    main()
