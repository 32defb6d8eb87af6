"""Time the deadline sweep over many open requests (not a test: run by hand).

    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python manage.py migrate
    GONGKAI_VAR_DIR=/tmp/gk-notif-bench .venv/bin/python bench/sweep_bench.py 5000
"""

import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from disclosure import deadlines as dl  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from disclosure.workcalendar import load_work_calendar  # noqa: E402
from notifications import delivery, services  # noqa: E402
from notifications.models import Alert  # noqa: E402


def main(n: int) -> None:
    calendar = load_work_calendar()
    root, _ = Unit.objects.get_or_create(code="bench", defaults={"name": "基准区", "kind": "government"})
    units = []
    for i in range(20):
        unit, _ = Unit.objects.get_or_create(code=f"bench-{i}", defaults={"name": f"基准部门{i}", "kind": "department",
                                                                         "parent": root})
        units.append(unit)
        clerk, _ = User.objects.get_or_create(username=f"bench-clerk-{i}", defaults={"email": f"c{i}@example.gov.cn"})
        StaffRole.objects.get_or_create(user=clerk, unit=unit, role="clerk")
    sup, _ = User.objects.get_or_create(username="bench-sup", defaults={"email": "sup@example.gov.cn"})
    StaffRole.objects.get_or_create(user=sup, unit=root, role="supervisor")
    Alert.objects.all().delete()
    DisclosureRequest.objects.filter(unit__in=units).delete()
    today = date(2025, 11, 20)
    rows = []
    for i in range(n):
        received = today - timedelta(days=i % 60)
        due = dl.add_workdays(received, 20, calendar)
        rows.append(DisclosureRequest(
            unit=units[i % 20], ref=f"B{i:06d}", applicant_type="natural_person", applicant_name="甲",
            channel="in_person", submitted_on=received, received_on=received, content="基准", status="handling",
            due_on=due, correction_due_on=dl.add_workdays(received, 7, calendar),
        ))
    DisclosureRequest.objects.bulk_create(rows, batch_size=1000)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        report = services.sweep(today, calendar=calendar)
        first = time.perf_counter() - start
    start = time.perf_counter()
    again = services.sweep(today, calendar=calendar)
    second = time.perf_counter() - start
    print(f"{connection.vendor}: {n} open requests → {len(report.created)} alerts in {first:.2f}s "
          f"({len(queries)} queries); rerun {second:.2f}s, {len(again.created)} new")
    start = time.perf_counter()
    outcomes = delivery.deliver_now(delivery.waiting_alert_ids(limit=100000))
    print(f"delivered {sum(1 for o in outcomes.values() if o == 'sent')} in {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
