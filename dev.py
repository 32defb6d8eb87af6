#!/usr/bin/env python3
"""Gongkai's two set-up commands, for a fresh machine with only Python 3.11+ (standard library only).

    python3 dev.py run    create .venv, migrate, load the demo data once, then start the web server,
                          a Celery worker and Celery beat; Ctrl-C stops all three
    python3 dev.py test   create .venv with the test requirements and run pytest (extra arguments
                          are passed on: python3 dev.py test -k deadline -x; --no-cov skips coverage)
    python3 dev.py lint   ruff, django-upgrade and mypy as pyproject.toml configures them (CI runs it)

With no environment variables set Gongkai runs on SQLite and Celery's filesystem transport under
var/; DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis (see README.md).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STOP_GRACE_SECONDS = 10


def say(message: str) -> None:
    print(f"[dev.py] {message}", flush=True)


def requirements_digest(path: Path, seen: set[Path] | None = None) -> str:
    """A hash of a requirements file and of every file it includes with -r."""
    seen = seen if seen is not None else set()
    path = path.resolve()
    if path in seen:
        return ""
    seen.add(path)
    digest = hashlib.sha256(path.read_bytes())
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) == 2 and parts[0] in ("-r", "--requirement"):
            digest.update(requirements_digest(path.parent / parts[1], seen).encode())
    return digest.hexdigest()


def ensure_venv(requirements: str) -> None:
    """Create .venv if missing; pip install the requirements only when they changed since last time."""
    if sys.version_info < (3, 11):
        sys.exit(f"Gongkai needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        say(f"creating the virtualenv in {VENV} ...")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    req = ROOT / requirements
    stamp = VENV / f".installed-{requirements}.sha256"
    digest = requirements_digest(req)
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    say(f"installing {requirements} into .venv (only when it changes) ...")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", str(req)],
        check=True, cwd=ROOT,
    )
    stamp.write_text(digest + "\n")


def manage(*args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *args], cwd=ROOT, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def wait_for_port(host: str, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.3)
    return False


class Children:
    """The web server, worker and beat, each in its own process group so one signal stops all of
    a child's own children too (runserver's autoreloader, the worker's pool)."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> None:
        self.procs[name] = subprocess.Popen(argv, cwd=ROOT, start_new_session=True)

    def first_exited(self) -> tuple[str, int] | None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                return name, proc.returncode
        return None

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_GRACE_SECONDS}s: killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()


def run(args: list[str]) -> int:
    demo = "--no-demo" not in args
    ensure_venv("requirements.txt")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a developer's server: tracebacks and static files
    port = int(os.environ.get("PORT") or 8000)
    # Links in e-mails and notifications point at the address this server is served on.
    os.environ.setdefault("GONGKAI_SITE_URL", f"http://127.0.0.1:{port}")
    say("migrating the database ...")
    manage("migrate", "--noinput", "-v", "0")
    logins = ""
    if demo:
        say("loading the demo data (once) ...")
        logins = manage("load_demo", capture=True)
        print(logins.splitlines()[0] if logins else "", flush=True)
    celery = [str(BIN / "celery"), "-A", "config"]
    children = Children()

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        children.start("web", [str(PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}"])
        children.start("worker", [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"])
        children.start(
            "beat",
            [*celery, "beat", "--loglevel", "INFO",
             "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"],
        )
        if wait_for_port("127.0.0.1", port, 60):
            print("\n" + "\n".join(logins.splitlines()[1:]), flush=True)
            say(f"Gongkai is running: http://127.0.0.1:{port}/admin/  (Ctrl-C stops the server, worker and beat)")
            say(f"the applicants' side (网上申请, no login): http://127.0.0.1:{port}/public/")
            if not (shutil.which("soffice") or shutil.which("libreoffice")):
                say("no LibreOffice: letters come as DOCX and txt only; for PDF: "
                    "apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-cwtex-fs")
        while True:
            exited = children.first_exited()
            if exited:
                say(f"{exited[0]} exited with status {exited[1]}: stopping the others")
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping the server, worker and beat ...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave orphans
        children.stop()
        say("stopped.")


def test(args: list[str]) -> int:
    ensure_venv("requirements-dev.txt")
    # Coverage of the application code is reported at the end (pyproject.toml [tool.coverage]).
    coverage = ["--cov", "--cov-report=term:skip-covered"] if "--no-cov" not in args else []
    args = [a for a in args if a != "--no-cov"]
    return subprocess.run([str(PYTHON), "-m", "pytest", *coverage, *args], cwd=ROOT).returncode


def lint(args: list[str]) -> int:
    """ruff, django-upgrade and mypy as pyproject.toml configures them; non-zero if any complains."""
    ensure_venv("requirements-dev.txt")
    tracked = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, check=True, text=True,
                             stdout=subprocess.PIPE).stdout.split()
    sources = [f for f in tracked if "/migrations/" not in f]
    failed = []
    for name, command in [
        ("ruff", [str(BIN / "ruff"), "check", *args, "."]),
        # django-upgrade rewrites what an older Django idiom it finds and exits 1 if it did
        ("django-upgrade", [str(BIN / "django-upgrade"), "--target-version", "5.2", *sources]),
        ("mypy", [str(BIN / "mypy")]),
    ]:
        say(f"{name} ...")
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        say("failed: " + ", ".join(failed))
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    commands = {"run": run, "test": test, "lint": lint}
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
