"""System admins revoke API tokens in the admin; nobody else sees them there."""

from django.test import Client

from api.models import ApiToken


def test_a_system_admin_revokes_a_token_in_the_admin(people, settings):
    token, _ = ApiToken.issue(people["clerk"])
    browser = Client()
    browser.force_login(people["admin"])
    response = browser.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_without_the_admin_role_do_not_see_tokens(people):
    ApiToken.issue(people["clerk"])
    browser = Client()
    browser.force_login(people["head"])
    assert browser.get("/admin/api/apitoken/").status_code == 403
