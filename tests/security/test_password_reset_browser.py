"""In a real Chromium: from the login page's link to a new password and a sign-in with it
(issue 14). Screenshots of each page go to $GONGKAI_SCREENSHOTS when it is set."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail

from config.celery import app as celery_app
from tests.browser.conftest import CHROMIUM, page  # noqa: F401  (the page fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # like tests/browser: keeps the seeded calendar
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]

NEW_PASSWORD = "Xin-mima-2026-dongri"


@pytest.fixture
def shoot(page):  # noqa: F811
    folder = os.environ.get("GONGKAI_SCREENSHOTS")

    def take(name):
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take


def test_a_clerk_resets_a_forgotten_password_from_the_login_page(page, live_server, people, settings, shoot):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GONGKAI_SITE_URL = live_server.url
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        clerk = people["clerk"]
        clerk.email = "clerk@jindong.gov.cn"
        clerk.save(update_fields=["email"])
        page.goto(f"{live_server.url}/admin/login/")
        shoot("1-login")
        page.click(".password-reset-link a")
        page.wait_for_url("**/admin/password_reset/")
        shoot("2-reset-form")
        page.fill("input[name=email]", clerk.email)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/password_reset/done/")
        shoot("3-reset-sent")
        assert len(mail.outbox) == 1
        link = re.search(r"(http://\S+/admin/reset/\S+/)", mail.outbox[0].body).group(1)
        page.goto(link)
        page.wait_for_selector("input[name=new_password1]")
        shoot("4-new-password")
        page.fill("input[name=new_password1]", NEW_PASSWORD)
        page.fill("input[name=new_password2]", NEW_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/reset/done/")
        shoot("5-done")
        page.click("a[href='/admin/']")
        page.wait_for_url("**/admin/login/**")
        page.fill("input[name=username]", clerk.username)
        page.fill("input[name=password]", NEW_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}/admin/")
        page.goto(link)  # the link is spent
        shoot("6-link-spent")
        assert page.locator("input[name=new_password1]").count() == 0
    finally:
        celery_app.conf.task_always_eager = before
