"""Time the deadline sweep and the delivery of its digests over many open requests (not a test).

    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python manage.py migrate
    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python bench/sweep_bench.py 10000
    # PostgreSQL (a database of your own, migrated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_sweep .venv/bin/python bench/sweep_bench.py 10000 100000 1000000
    # --no-deliver: sweep only (delivery of 1M requests' digests is timed separately at 50,000)

A province-like spread: one unit per 500 requests (a clerk and a head each, a supervisor at the
top), 95 % of requests received in the last 30 days (so about a quarter are within 5 working days
of their deadline), 5 % 35–45 days ago (overdue, most of them escalated). Prints the sweep's time
and statement count, the rerun (nothing to do), and the delivery: alerts, messages, seconds.
E-mail goes to Django's locmem backend, so delivery time is ours, not an SMTP server's.
"""

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

from disclosure import deadlines as dl  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from disclosure.workcalendar import load_work_calendar  # noqa: E402
from notifications import delivery, services, sweep  # noqa: E402
from notifications.directory import Directory  # noqa: E402
from notifications.models import Alert, Notification  # noqa: E402

TODAY = date(2025, 11, 20)


def seed(n: int, calendar) -> None:
    Alert.objects.all().delete()
    Notification.objects.all().delete()
    DisclosureRequest.objects.filter(unit__code__startswith="bench").delete()
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
    due_of = {}
    batch = []
    for i in range(n):
        received = TODAY - timedelta(days=(35 + i % 11) if i % 100 < 5 else i % 30)
        if received not in due_of:
            due_of[received] = (dl.add_workdays(received, 20, calendar), dl.add_workdays(received, 7, calendar))
        due, correction_due = due_of[received]
        batch.append(DisclosureRequest(
            unit=units[i % n_units], ref=f"B{i:07d}", applicant_type="natural_person", applicant_name="甲",
            channel="in_person", submitted_on=received, received_on=received, content="基准", status="handling",
            due_on=due, correction_due_on=correction_due,
        ))
        if len(batch) == 5000:
            DisclosureRequest.objects.bulk_create(batch)
            batch = []
    DisclosureRequest.objects.bulk_create(batch)


def main(sizes: list[int], deliver: bool) -> None:
    calendar = load_work_calendar()
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
        statements = sum(1 for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE")))
        print(f"{connection.vendor}: {n} open requests (seeded in {seeded:.0f}s) → {len(report.created)} alerts in "
              f"{first:.2f}s wall, {first_cpu:.2f}s CPU here ({statements} statements, batches of {sweep.BATCH_SIZE}); "
              f"rerun {second:.2f}s, {len(again.created)} new", flush=True)
        if not deliver:
            continue
        start, cpu = time.perf_counter(), time.process_time()
        waiting = delivery.waiting_alert_ids(limit=10**7)
        outcomes = delivery.deliver_now(waiting)
        took, took_cpu = time.perf_counter() - start, time.process_time() - cpu
        sent = sum(1 for o in outcomes.values() if o == "sent")
        print(f"  delivered {sent} alerts as {len(waiting)} messages in {took:.2f}s wall, {took_cpu:.2f}s CPU here", flush=True)


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main([int(a) for a in args] or [10000], deliver="--no-deliver" not in sys.argv)
