"""Seed the load test's staff and requests (run by bench/load/run.sh; safe to run again).

Creates unit 压测区 (code `load`) with 20 departments, 200 staff — `load000`…`load199`, every tenth a
head (负责人, who must pass TOTP like in production), the rest clerk + reviewer — and N requests
(default 20,000) spread over the departments: a quarter registered (for the start-review
transition), most being handled, some replied. Every account's password is LOAD_PASSWORD; the
heads' TOTP secrets are derived from their usernames (loadtest_totp_key), so the locust users can
compute their codes the way an authenticator app does. Only ever point this at a scratch database.
"""

from __future__ import annotations

import hashlib
import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from disclosure import deadlines as dl  # noqa: E402
from disclosure.models import DisclosureRequest, StaffRole, Unit, User  # noqa: E402
from disclosure.workcalendar import load_work_calendar  # noqa: E402

LOAD_PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-password-2026")
USERS = 200
UNITS = 20


def loadtest_totp_key(username: str) -> str:
    return hashlib.sha1(f"gongkai-load-{username}".encode()).hexdigest()  # 40 hex digits = 20 bytes


def is_head(i: int) -> bool:
    return i % 10 == 0


def main(n: int) -> None:
    calendar = load_work_calendar()
    today = timezone.localdate()
    with transaction.atomic():
        root, _ = Unit.objects.get_or_create(code="load", defaults={"name": "压测区人民政府", "kind": "government"})
        units = []
        for i in range(UNITS):
            unit, _ = Unit.objects.get_or_create(
                code=f"load-{i:02d}", defaults={"name": f"压测区第{i + 1}局", "kind": "department", "parent": root})
            units.append(unit)
        existing = DisclosureRequest.objects.filter(unit__in=units)
        # a previous run's transitions left events (append-only, protected): keep those requests and
        # put the ones it started reviewing back in the registered pile (a scratch database only)
        existing.filter(status="reviewing").update(status="registered")
        have = existing.count()
        password = make_password(LOAD_PASSWORD)  # hashed once; each login still checks it (PBKDF2)
        for i in range(USERS):
            username = f"load{i:03d}"
            user, _ = User.objects.update_or_create(
                username=username, defaults={"password": password, "is_active": True, "is_staff": True,
                                             "email": f"{username}@example.gov.cn"})
            roles = ["head"] if is_head(i) else ["clerk", "reviewer"]
            StaffRole.objects.filter(user=user).exclude(role__in=roles).delete()
            for role in roles:
                StaffRole.objects.get_or_create(user=user, unit=units[i % UNITS], role=role)
            if is_head(i):
                TOTPDevice.objects.filter(user=user).delete()
                TOTPDevice.objects.create(user=user, name="load", key=loadtest_totp_key(username), confirmed=True)
        due: dict[date, date] = {}
        rows = []
        for i in range(have, n):
            received = today - timedelta(days=i % 300)
            if received not in due:
                due[received] = dl.add_workdays(received, 20, calendar)
            kind = i % 20
            status = "registered" if kind < 5 else ("replied" if kind >= 17 else "handling")
            rows.append(DisclosureRequest(
                unit=units[i % UNITS], ref=f"压测{i:06d}", applicant_type="natural_person", applicant_name=f"申请人{i}",
                channel="online", submitted_on=received, received_on=received, content=f"压测申请内容 {i}",
                status=status, due_on=due[received], correction_due_on=dl.add_workdays(received, 7, calendar),
                outcome="granted" if status == "replied" else "",
                concluded_on=received + timedelta(days=10) if status == "replied" else None,
            ))
        DisclosureRequest.objects.bulk_create(rows, batch_size=2000)
    print(f"seeded {USERS} staff ({USERS // 10} heads with TOTP) and {max(n, have)} requests in {UNITS} units")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20000)
