"""A real Chromium (Debian's /usr/bin/chromium) driven by Playwright, against pytest-django's live_server.

Skipped when Chromium is missing, except in CI: GONGKAI_REQUIRE_BROWSER=1 (set by .ci/run) turns
a missing browser into a failure, so the end-to-end test cannot silently stop running there.
Playwright is never asked to download a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path(os.environ.get("GONGKAI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Every wait is explicit (a selector or a URL); this bounds each one so a broken page fails fast.
TIMEOUT_MS = 15_000


def browser_required() -> bool:
    return os.environ.get("GONGKAI_REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    missing = not CHROMIUM.exists()
    for item in items:
        if item.get_closest_marker("browser") is None:
            continue
        if missing and not browser_required():
            item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (GONGKAI_REQUIRE_BROWSER=1 to fail)"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.gk_call_failed = report.failed  # read by the page fixture to keep a screenshot
    return report


@pytest.fixture
def page(request, live_server, monkeypatch, tmp_path):
    """A fresh browser page in Chinese, started and stopped within the test.

    Function-scoped on purpose: Playwright's sync API keeps an event loop in this thread, and
    Django refuses ORM calls while one runs. The test body needs the ORM (set-up, final checks),
    so the refusal is lifted for this test only, and the loop is gone before the next test
    (a session-wide browser would leave it running under every later test in the process).
    """
    if not CHROMIUM.exists():
        pytest.fail(f"GONGKAI_REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                viewport={"width": 1280, "height": 900},
                extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"},
            )
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            page = context.new_page()
            yield page
            if getattr(request.node, "gk_call_failed", False):
                shot = tmp_path / "failure.png"
                page.screenshot(path=str(shot), full_page=True)
                print(f"browser screenshot at failure: {shot} ({page.url})")
            context.close()
        finally:
            browser.close()
            # While Playwright's loop counts as running, Django (asgiref's thread-critical Local)
            # hands this thread a second set of connections, separate from the test's own. Close
            # them before the loop stops, or PostgreSQL keeps a session that blocks dropping the
            # test database.
            connections.close_all()
