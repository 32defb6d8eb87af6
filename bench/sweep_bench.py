"""Time the deadline sweep and the delivery of its digests over many open requests (not a test).

    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python manage.py migrate
    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python bench/sweep_bench.py 10000
    # PostgreSQL (a database of your own, migrated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_sweep .venv/bin/python bench/sweep_bench.py 10000 100000 1000000
    # --no-deliver: sweep only (delivery of 1M requests' digests is timed separately at 50,000)
    # --jit: keep the server's JIT setting (by default the bench runs `SET jit = off` on PostgreSQL)

A province-like spread: one unit per 500 requests (a clerk and a head each, a supervisor at the
top), 95 % of requests received in the last 30 days (so about a quarter are within 5 working days
of their deadline), 5 % 35–45 days ago (overdue, most of them escalated). Prints the sweep's time
and statement count, the rerun (nothing to do), and the delivery: alerts, messages, seconds.
E-mail goes to Django's locmem backend, so delivery time is ours, not an SMTP server's.
"""

import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

from disclosure import deadlines as dl  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from disclosure.workcalendar import load_work_calendar  # noqa: E402
from notifications import delivery, services, sweep  # noqa: E402
from notifications.directory import Directory  # noqa: E402
from notifications.models import Alert, Notification  # noqa: E402

TODAY = date(2025, 11, 20)


VARYING = ("unit", "ref", "submitted_on", "received_on", "due_on", "correction_due_on")


def clear() -> None:
    """Empty the alert tables and drop the bench's requests (plain statements: Django's delete() collects every row)."""
    if connection.vendor != "postgresql":
        Alert.objects.all().delete()
        Notification.objects.all().delete()
        DisclosureRequest.objects.filter(unit__code__startswith="bench").delete()
        return
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Notification._meta.db_table}, {Alert._meta.db_table}")
        cursor.execute(
            f"DELETE FROM {DisclosureRequest._meta.db_table} WHERE unit_id IN "
            f"(SELECT id FROM {Unit._meta.db_table} WHERE code LIKE 'bench%%')"
        )


def request_rows(n: int, units: list[int], calendar):
    """(unit_id, ref, submitted_on, received_on, due_on, correction_due_on) per request, the due dates per day."""
    due_of = {}
    for i in range(n):
        received = TODAY - timedelta(days=(35 + i % 11) if i % 100 < 5 else i % 30)
        if received not in due_of:
            due_of[received] = (dl.add_workdays(received, 20, calendar), dl.add_workdays(received, 7, calendar))
        due, correction_due = due_of[received]
        yield units[i % len(units)], f"B{i:07d}", received, received, due, correction_due


def copy_requests(rows) -> None:
    """COPY the rows in: the fields that vary per row from `rows`, every other column's value worked out once
    from one model instance (the encrypted and hashed fields empty), so no model is built per row."""
    template = DisclosureRequest(
        applicant_type="natural_person", applicant_name="甲", channel="in_person", content="基准", status="handling",
    )
    fixed_columns, fixed_values = [], []
    for field in DisclosureRequest._meta.concrete_fields:
        if field.primary_key or field.name in VARYING:
            continue
        value = field.get_db_prep_save(field.pre_save(template, add=True), connection)
        if isinstance(value, Jsonb):
            value = json.dumps(value.obj)
        fixed_columns.append(field.column)
        fixed_values.append(value)
    varying_columns = [DisclosureRequest._meta.get_field(name).column for name in VARYING]
    columns = ", ".join(varying_columns + fixed_columns)
    fixed = tuple(fixed_values)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {DisclosureRequest._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + fixed)


def seed(n: int, calendar) -> None:
    clear()
    root, _ = Unit.objects.get_or_create(code="bench", defaults={"name": "基准区", "kind": "government"})
    n_units = max(20, n // 500)
    units = list(Unit.objects.filter(code__startswith="bench-").order_by("pk"))
    for i in range(len(units), n_units):
        unit = Unit.objects.create(code=f"bench-{i}", name=f"基准部门{i}", kind="department", parent=root)
        for role in ("clerk", "head"):
            user = User.objects.create(username=f"bench-{role}-{i}", email=f"{role}{i}@example.gov.cn")
            StaffRole.objects.create(user=user, unit=unit, role=role)
        units.append(unit)
    units = units[:n_units]
    sup, _ = User.objects.get_or_create(username="bench-sup", defaults={"email": "sup@example.gov.cn"})
    StaffRole.objects.get_or_create(user=sup, unit=root, role="supervisor")
    rows = request_rows(n, [unit.pk for unit in units], calendar)
    if connection.vendor == "postgresql":
        copy_requests(rows)
    else:
        names = ("unit_id", *VARYING[1:])
        batch = []
        for row in rows:
            batch.append(DisclosureRequest(
                applicant_type="natural_person", applicant_name="甲", channel="in_person", content="基准",
                status="handling", **dict(zip(names, row, strict=True)),
            ))
            if len(batch) == 5000:
                DisclosureRequest.objects.bulk_create(batch)
                batch = []
        DisclosureRequest.objects.bulk_create(batch)
    analyse()


def analyse() -> None:
    """Give the planner statistics, as a production table has (autovacuum analyses soon after a bulk load)."""
    tables = [model._meta.db_table for model in (DisclosureRequest, Unit, User, StaffRole, Alert, Notification)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            cursor.execute("ANALYZE")


def main(sizes: list[int], deliver: bool, jit: bool) -> None:
    calendar = load_work_calendar()
    if connection.vendor == "postgresql" and not jit:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
    for n in sizes:
        start = time.perf_counter()
        seed(n, calendar)
        seeded = time.perf_counter() - start
        directory = Directory.load()
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            report = services.sweep(TODAY, calendar=calendar, directory=directory)
            first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        start = time.perf_counter()
        again = services.sweep(TODAY, calendar=calendar, directory=directory)
        second = time.perf_counter() - start
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        statements = sum(1 for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))
        print(f"{connection.vendor}{' (jit on)' if jit else ''}: {n} open requests (seeded in {seeded:.0f}s) → {len(report.created)} alerts in "
              f"{first:.2f}s wall, {first_cpu:.2f}s CPU here ({statements} statements, batches of {sweep.BATCH_SIZE}); "
              f"rerun {second:.2f}s, {len(again.created)} new; load average {load}", flush=True)
        if not deliver:
            continue
        start, cpu = time.perf_counter(), time.process_time()
        waiting = delivery.waiting_alert_ids(limit=10**7)
        outcomes = delivery.deliver_now(waiting)
        took, took_cpu = time.perf_counter() - start, time.process_time() - cpu
        sent = sum(1 for o in outcomes.values() if o == "sent")
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  delivered {sent} alerts as {len(waiting)} messages in {took:.2f}s wall, {took_cpu:.2f}s CPU here; "
              f"load average {load}", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main([int(a) for a in args] or [10000], deliver="--no-deliver" not in sys.argv, jit="--jit" in sys.argv)
