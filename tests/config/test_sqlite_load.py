"""The embedded default under a small office's load: a real server over one SQLite file, four client
processes logging in and writing through the API while a fifth uploads a 3,000-row ledger that is
imported within its request. No answer is a server error and the server never reports
"database is locked" (WAL, BEGIN IMMEDIATE, a busy timeout; the import parses and checks before
it takes the write lock)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Gongkai-load-2026"
CLIENTS = 4
ROUNDS = 3
LEDGER_ROWS = 3000

SETUP = f"""
from disclosure.models import StaffRole, Unit, User
root = Unit.objects.create(code="bench-gov", name="基准区人民政府", kind="government")
for code, name in [("bench-d1", "基准一局"), ("bench-d2", "基准二局"), ("bench-t1", "基准一镇"), ("bench-t2", "基准二镇")]:
    Unit.objects.create(code=code, name=name, kind="township" if "-t" in code else "department", parent=root)
for i in range({CLIENTS}):
    user = User.objects.create_user(f"load{{i}}", password={PASSWORD!r}, is_staff=True)
    StaffRole.objects.create(user=user, unit=root, role="clerk")
    StaffRole.objects.create(user=user, unit=root, role="reviewer")
admin = User.objects.create_user("loadadmin", password={PASSWORD!r}, is_staff=True)
StaffRole.objects.create(user=admin, unit=root, role="admin")
"""

# One client: log in, list, register a request, move it on, edit it, log out — ROUNDS times, and
# on until the upload has been answered (so the writes overlap its import).
CLIENT = r"""
import json, sys, urllib.error, urllib.request
import os
base, username, password, rounds, stop_file = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
codes = []

def call(method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Token " + token)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            status, payload = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, exc.read()
    codes.append([method, path, status, payload[:300].decode(errors="replace") if status >= 300 else ""])
    return status, (json.loads(payload) if payload and payload[:1] in b"[{" else None)

n = 0
while n < rounds or (not os.path.exists(stop_file) and n < 10 * rounds):  # on until the upload is answered
    n += 1
    status, body = call("POST", "/api/v1/auth/token/", {"username": username, "password": password})
    if status != 201:
        continue
    token = body["token"]
    call("GET", "/api/v1/requests/", token=token)
    status, units = call("GET", "/api/v1/units/", token=token)
    unit = units["results"][0]["id"] if isinstance(units, dict) else units[0]["id"]
    status, req = call("POST", "/api/v1/requests/", {
        "unit": unit, "applicant_type": "natural_person", "applicant_name": f"负载{username}{n}",
        "channel": "in_person", "submitted_on": "2026-11-02", "content": f"负载测试{username}第{n}件"}, token=token)
    if status == 201:
        status, req = call("POST", f"/api/v1/requests/{req['id']}/start-review/", {"version": req["version"]},
                           token=token)
        if status == 200:
            call("PATCH", f"/api/v1/requests/{req['id']}/", {"content": f"负载测试{username}第{n}件（已改）",
                                                              "version": req["version"]}, token=token)
    call("DELETE", "/api/v1/auth/token/", token=token)
print(json.dumps(codes))
"""

UPLOAD = r"""
import json, sys, urllib.error, urllib.request, uuid
base, username, password, path = sys.argv[1:5]
def post(url, data, headers):
    req = urllib.request.Request(base + url, data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=600) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
status, body = post("/api/v1/auth/token/", json.dumps({"username": username, "password": password}).encode(),
                    {"Content-Type": "application/json"})
token = json.loads(body)["token"]
boundary = uuid.uuid4().hex
content = open(path, "rb").read()
data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nledger\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ledger.csv\"\r\n"
        f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
status, body = post("/api/v1/ledger/import/", data, {"Content-Type": f"multipart/form-data; boundary={boundary}",
                                                     "Authorization": "Token " + token})
print(json.dumps([status, body[:500].decode(errors="replace")]))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                    reason="a test of the embedded SQLite default (the PostgreSQL run has its own concurrency tests)")
def test_several_clients_and_a_ledger_upload_at_once_on_sqlite_get_no_server_error(tmp_path):
    from bench.import_ledger_bench import generate

    env = {**os.environ, "GONGKAI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings",
           "GONGKAI_REQUIRE_2FA": "0", "GONGKAI_API_RATE_TOKEN": "1000/minute", "DJANGO_DEBUG": "0",
           "GONGKAI_LEDGER_INLINE_MAX_BYTES": str(20 * 1024 * 1024), "PYTHONUNBUFFERED": "1",
           "CELERY_TASK_ALWAYS_EAGER": "0"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=True)

    manage("migrate", "--noinput")
    manage("shell", "-c", SETUP)
    ledger = tmp_path / "ledger.csv"
    generate(ledger, LEDGER_ROWS)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = tmp_path / "server.log"
    with server_log.open("w") as log:
        server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    procs = []
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server did not start:\n{server_log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.2)
        upload = subprocess.Popen([sys.executable, "-c", UPLOAD, base, "loadadmin", PASSWORD, str(ledger)],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(upload)
        stop_file = tmp_path / "upload-answered"
        clients = [
            subprocess.Popen([sys.executable, "-c", CLIENT, base, f"load{i}", PASSWORD, str(ROUNDS), str(stop_file)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for i in range(CLIENTS)
        ]
        procs += clients
        out, err = upload.communicate(timeout=600)
        stop_file.touch()
        assert upload.returncode == 0, err[-2000:]
        upload_status, upload_body = json.loads(out)
        calls = []
        for proc in clients:
            out, err = proc.communicate(timeout=600)
            assert proc.returncode == 0, err[-2000:]
            calls += json.loads(out)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
        server.terminate()
        server.wait(timeout=30)
    log = server_log.read_text(errors="replace")
    errors = [c for c in calls if c[2] >= 500]
    assert not errors, errors
    assert "database is locked" not in log, log[max(0, log.find("database is locked") - 6000):][:7000]
    assert upload_status == 200, upload_body
    assert f'"created":{LEDGER_ROWS}' in upload_body.replace(" ", "")
    logins = sum(1 for c in calls if c[0] == "POST" and c[1] == "/api/v1/auth/token/")
    registered = sum(1 for c in calls if c[0] == "POST" and c[1] == "/api/v1/requests/" and c[2] == 201)
    assert logins >= CLIENTS * ROUNDS and registered == logins
    assert all(c[2] < 400 for c in calls), [c for c in calls if c[2] >= 400]
