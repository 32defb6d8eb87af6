"""The OpenAPI schema and the interactive docs: staff only, served without any external network."""

import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from api.models import ApiToken

from .builders import published_schema

PAGES = ["/api/docs/", "/api/redoc/"]


@pytest.fixture
def staff_client(people):
    client = APIClient()
    client.force_login(people["clerk"])
    return client


@pytest.fixture
def schema(staff_client):
    response = staff_client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_refused_to_anonymous_callers_with_the_api_s_401(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "paths" not in response.content.decode()


def test_the_schema_is_refused_to_an_account_that_is_not_staff(db):
    outsider = get_user_model().objects.create_user("outsider", password="Gongkai-test-2026", is_staff=False)
    client = APIClient()
    client.force_login(outsider)
    assert client.get("/api/schema/").status_code == 403
    _, raw = ApiToken.issue(outsider)
    assert APIClient().get("/api/schema/", HTTP_AUTHORIZATION=f"Token {raw}").status_code == 403


def test_a_token_holder_gets_the_schema(people):
    _, raw = ApiToken.issue(people["clerk"])
    response = APIClient().get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 200 and "/api/v1/requests/" in response.json()["paths"]


def test_the_tests_load_the_schema_staff_are_served(schema):
    assert published_schema() == schema


@pytest.mark.parametrize("url", PAGES)
def test_the_docs_pages_send_anonymous_visitors_to_the_login_and_back(url, db):
    response = APIClient().get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"
    assert "swagger" not in response.content.decode().lower()


@pytest.mark.parametrize("url", PAGES)
def test_the_docs_pages_send_a_signed_in_non_staff_account_to_the_login(url, db):
    outsider = get_user_model().objects.create_user("outsider", password="Gongkai-test-2026", is_staff=False)
    client = APIClient()
    client.force_login(outsider)
    assert client.get(url).status_code == 302


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    assert schema["openapi"].startswith("3.")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "429" in responses, (method, path)
            if path != "/api/v1/auth/token/" or method != "post":
                assert {"401", "403"} <= set(responses), (method, path)
            if "{id}" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "patch", "put"):
                assert "400" in responses, (method, path)
            for code, response in responses.items():
                if code >= "400":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Error"), (method, path, code)


@pytest.mark.parametrize("action", ["start-review", "accept", "reply", "archive", "conclude"])
def test_transitions_document_409(schema, action):
    assert "409" in schema["paths"][f"/api/v1/requests/{{id}}/{action}/"]["post"]["responses"]


def test_the_upload_documents_413(schema):
    assert "413" in schema["paths"]["/api/v1/requests/{id}/attachments/"]["post"]["responses"]


def test_status_is_never_writable(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):  # the input side of the split components
            assert "status" not in component.get("properties", {}), name


@pytest.mark.parametrize("url", PAGES)
def test_the_docs_load_their_assets_from_this_server(url, staff_client):
    response = staff_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(not a.startswith(("http://", "https://", "//")) for a in assets), assets
    assert "drf_spectacular_sidecar" in html


def test_the_schema_generates_without_warnings_and_validates(tmp_path, db):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.")
