"""Load on the applicants' side (portal.md): JSON submissions and lookups, as a provincial platform
and applicants' phones would make them.

Run against gunicorn on PostgreSQL + Redis (so the throttle counters and the cache are shared), with
the CAPTCHA on and a platform key, and the per-address limits raised for the one load-generating
address:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gk_pweb REDIS_URL=redis://127.0.0.1:6379/5
    export GONGKAI_PUBLIC_API_KEYS=load-test-key GONGKAI_PUBLIC_RATE_LOOKUP=1000000/minute
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo   # units to apply to
    .venv/bin/gunicorn config.wsgi -c config/gunicorn.py -b 127.0.0.1:8105 -w 2 &
    GONGKAI_LOAD_UNIT=<a unit code> .venv/bin/locust -f bench/load/public_locustfile.py --headless \\
        -H http://127.0.0.1:8105 -u 20 -r 5 -t 60s --csv /tmp/public-load

Each simulated user submits now and then (a key holder is not held to the per-address submission
limit) and looks up the applications it made, most lookups with the right phone, some wrong (404).
Locust's table gives requests/s and the p50/p95 per name.
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

UNIT = os.environ.get("GONGKAI_LOAD_UNIT", "jd-fgj")
KEY = os.environ.get("GONGKAI_PUBLIC_API_KEYS", "load-test-key").split(",")[0]
# Valid resident ID numbers (GB 11643 check digit) to vary the applicants.
IDS = ["110101199003070038", "110101199003075314", "110101199003077272", "110101199003079251"]


class Applicant(HttpUser):
    wait_time = between(0.2, 1.0)

    def on_start(self):
        self.codes: list[tuple[str, str]] = []

    @task(1)
    def submit(self):
        phone = f"138{random.randrange(10**8):08d}"
        body = {
            "unit": UNIT, "applicant_type": "natural_person", "applicant_name": "压力测试",
            "applicant_id_number": random.choice(IDS), "phone": phone, "email": "",
            "address": "金华市金东区", "content": "申请公开某项目的立项批复（负载测试）。",
            "provision_form": "email", "delivery_method": "online",
        }
        with self.client.post("/api/public/v1/applications/", json=body, headers={"X-Api-Key": KEY},
                              name="submit", catch_response=True) as response:
            if response.status_code == 201:
                self.codes.append((response.json()["tracking_code"], phone))
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")

    @task(4)
    def lookup(self):
        if not self.codes:
            return self.submit()
        code, phone = random.choice(self.codes)
        wrong = random.random() < 0.2
        expected = 404 if wrong else 200
        with self.client.post("/api/public/v1/applications/lookup/",
                              json={"tracking_code": code, "phone": "13900000000" if wrong else phone},
                              name="lookup (404)" if wrong else "lookup", catch_response=True) as response:
            if response.status_code == expected:
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")
