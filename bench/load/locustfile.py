"""Staff on the admin: list pages, request pages, a transition, the report page, a ledger export.

Run by bench/load/run.sh (gunicorn, 4 workers, PostgreSQL, Redis; data from bench/load/seed.py).
Each locust user logs in as its own seeded account through the real login form; heads (every
tenth account) then pass the real TOTP page with a code computed from their seeded secret (RFC 6238,
as an authenticator app would) — no test-only login path exists or is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import random
import re
import struct
import threading
import time

import gevent
from gevent.event import Event
from locust import HttpUser, between, events, task

LOAD_PASSWORD = os.environ.get("LOAD_PASSWORD", "load-test-password-2026")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="seen_version" value="(\d+)"')
REQUEST_IDS = re.compile(r"/admin/disclosure/disclosurerequest/(\d+)/change/")
LIST = "/admin/disclosure/disclosurerequest/"

_numbers = itertools.count()
_lock = threading.Lock()
# The steady state: pages are clicked, and timed, only once every user has logged in (a login is
# PBKDF2 + TOTP, seconds under load, once per user per day); then LOAD_STEADY_SECONDS of it, and quit.
# Every response time goes to $LOAD_SAMPLES when locust quits (bench/load/run.sh reads it).
STEADY_SECONDS = float(os.environ.get("LOAD_STEADY_SECONDS", "60"))
_samples: list[tuple[str, float, bool, bool]] = []
_logged_in = 0
_all_in = Event()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kwargs):
    _samples.append((name, response_time, exception is not None, _all_in.is_set()))


@events.quitting.add_listener
def _dump(environment, **kwargs):
    path = os.environ.get("LOAD_SAMPLES")
    if path:
        import json

        with open(path, "w") as out:
            json.dump(_samples, out)


def totp(key_hex: str, at: float | None = None) -> str:
    counter = int((at if at is not None else time.time()) // 30)
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def totp_key(username: str) -> str:  # the same derivation as bench/load/seed.py
    return hashlib.sha1(f"gongkai-load-{username}".encode()).hexdigest()


class Staff(HttpUser):
    wait_time = between(1, 3)  # a person reading a page before the next click

    def on_start(self):
        with _lock:
            number = next(_numbers) % 200
        self.username = f"load{number:03d}"
        self.is_head = number % 10 == 0
        page = self.client.get("/admin/login/?next=/admin/", name="login form")
        self.client.post("/admin/login/?next=/admin/", name="login", data={
            "username": self.username, "password": LOAD_PASSWORD, "next": "/admin/",
            "csrfmiddlewaretoken": self._csrf(page.text),
        })
        if self.is_head:
            verify = self.client.get("/security/2fa/verify/?next=/admin/", name="2fa form")
            self.client.post("/security/2fa/verify/?next=/admin/", name="2fa verify", data={
                "otp": totp(totp_key(self.username)), "next": "/admin/", "csrfmiddlewaretoken": self._csrf(verify.text),
            })
        self.request_ids: list[str] = []
        self.registered: list[str] = []
        global _logged_in
        with _lock:
            _logged_in += 1
            if _logged_in >= self.environment.runner.target_user_count and not _all_in.is_set():
                _all_in.set()
                gevent.spawn_later(STEADY_SECONDS, self.environment.runner.quit)
        _all_in.wait()

    def _csrf(self, html: str) -> str:
        found = CSRF.search(html)
        return found.group(1) if found else self.client.cookies.get("csrftoken", "")

    @task(6)
    def request_list(self):
        page = random.randint(0, 4)
        response = self.client.get(f"{LIST}?p={page}", name="request list")
        self.request_ids = REQUEST_IDS.findall(response.text) or self.request_ids

    @task(2)
    def request_list_search(self):
        self.client.get(f"{LIST}?q=压测{random.randint(0, 19999):06d}", name="request list: search")

    @task(5)
    def request_page(self):
        if not self.request_ids:
            return self.request_list()
        self.client.get(f"{LIST}{random.choice(self.request_ids)}/change/", name="request page")

    @task(1)
    def transition(self):
        """开始审核 on a registered request of the user's unit, through the action form."""
        if self.is_head:
            return
        if not self.registered:
            listing = self.client.get(f"{LIST}?status__exact=registered&p={random.randint(0, 9)}",
                                      name="request list: registered")
            self.registered = REQUEST_IDS.findall(listing.text)
            random.shuffle(self.registered)
            if not self.registered:
                return
        pk = self.registered.pop()
        url = f"{LIST}{pk}/action/start_review/"
        form = self.client.get(url, name="transition form")
        version = VERSION.search(form.text)
        if version is None:  # another user took it first: the page redirected to the request
            return
        with self.client.post(url, name="transition", allow_redirects=False, catch_response=True, data={
            "seen_version": version.group(1), "csrfmiddlewaretoken": self._csrf(form.text),
        }) as response:
            if response.status_code != 302:
                response.failure(f"transition answered {response.status_code}")

    @task(1)
    def report_page(self):
        self.client.get("/admin/reporting/report/", name="report page")

    @task(1)
    def notifications(self):
        self.client.get("/notifications/", name="notifications")

    @task(1)
    def ledger_export(self):
        form = self.client.get(f"{LIST}ledger/export/", name="export form")
        with self.client.post(f"{LIST}ledger/export/", name="ledger export (csv, a year)", catch_response=True, data={
            "year": time.gmtime().tm_year, "unit": "", "format": "csv", "headers": "zh",
            "csrfmiddlewaretoken": self._csrf(form.text),
        }) as response:
            if "attachment" not in response.headers.get("Content-Disposition", ""):
                response.failure("no file came back")
