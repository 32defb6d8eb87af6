"""POST /api/v1/auth/token/ → a token (only its hash is stored); DELETE or POST …/revoke/ ends it."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from api.models import ApiToken, hash_token

PASSWORD = "Gongkai-test-2026"


def obtain(username, password=PASSWORD, client=None):
    return (client or APIClient()).post("/api/v1/auth/token/", {"username": username, "password": password},
                                        format="json")


def test_a_token_is_issued_for_a_good_password_and_works(people):
    response = obtain("clerk")
    assert response.status_code == 201, response.content
    raw = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/units/").status_code == 200
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/units/").status_code == 200


def test_only_a_hash_of_the_token_is_stored(people):
    raw = obtain("clerk").json()["token"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        rows = cursor.fetchall()
    assert len(rows) == 1
    assert all(raw not in str(value) for value in rows[0])
    assert ApiToken.objects.get().key_hash == hash_token(raw)


@pytest.mark.parametrize(("username", "password"), [("clerk", "wrong"), ("nobody", PASSWORD), ("clerk", "")])
def test_bad_credentials_get_one_answer_whoever_asks(username, password, people):
    response = obtain(username, password)
    assert response.status_code == 400
    if password:
        assert response.json()["error"]["fields"] == {"non_field_errors": ["用户名或密码不正确。"]}
    assert not ApiToken.objects.exists()


def test_a_disabled_account_gets_no_token(people):
    people["clerk"].is_active = False
    people["clerk"].save()
    assert obtain("clerk").status_code == 400


@pytest.mark.parametrize("how", ["delete", "post-revoke"])
def test_a_revoked_token_stops_working(how, people):
    raw = obtain("clerk").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    if how == "delete":
        response = client.delete("/api/v1/auth/token/")
    else:
        response = client.post("/api/v1/auth/token/revoke/")
    assert response.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None
    assert client.get("/api/v1/units/").status_code == 401


def test_a_disabled_user_s_token_stops_working(people, as_user):
    client = as_user(people["clerk"])
    people["clerk"].is_active = False
    people["clerk"].save()
    assert client.get("/api/v1/units/").status_code == 401


def test_revoking_without_a_token_is_400(people):
    browser = APIClient()
    browser.force_login(people["clerk"])
    assert browser.delete("/api/v1/auth/token/").status_code == 400


def test_the_token_endpoint_is_throttled_per_address(people, settings):
    settings.GONGKAI_API_RATE_TOKEN = "3/minute"
    codes = [obtain("clerk", "wrong").status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]
    assert obtain("clerk").status_code == 429  # even with the right password, until the window passes
