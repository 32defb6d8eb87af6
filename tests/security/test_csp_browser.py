"""In a real Chromium: the admin, the report page, Swagger UI and ReDoc work under the policy (no CSP violation)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.browser.conftest import CHROMIUM, page  # noqa: F401  (the page fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),  # like tests/browser: keeps the seeded calendar
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def login_cookie(page, live_server, user):  # noqa: F811
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def test_pages_run_without_csp_violations(page, live_server, people):  # noqa: F811
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    login_cookie(page, live_server, people["admin"])
    page.goto(f"{live_server.url}/admin/disclosure/disclosurerequest/add/")
    page.wait_for_selector("#id_applicant_name")
    page.goto(f"{live_server.url}/admin/reporting/report/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # rendered by the nonce'd start-up script
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector(".api-content, redoc [role=navigation], .menu-content", state="attached")
    # ReDoc's "powered by" logo comes from its CDN: blocking it is intended (no external network)
    assert [v for v in violations if "https://cdn.redoc.ly/" not in v] == []


@pytest.mark.two_factor
def test_a_head_sets_up_totp_in_the_browser_and_reaches_the_admin(page, live_server, people):  # noqa: F811
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "head")
    page.fill("#id_password", "Gongkai-test-2026")
    page.click("input[type=submit]")
    page.wait_for_url("**/security/2fa/setup/**")
    assert page.locator(".gk-qr svg").count() == 1
    assert "otpauth://totp/" in page.content()
    device = TOTPDevice.objects.get(user=people["head"], confirmed=False)
    page.fill("#id_otp", f"{totp(device.bin_key):06d}")
    page.click("input[type=submit]")
    # the recovery codes, shown this once, then on to where the login was going
    assert page.locator("#recovery-codes li").count() == 10
    page.click("text=我已妥善保存，继续")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("#site-name").count() == 1
    assert violations == []
