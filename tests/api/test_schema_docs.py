"""The OpenAPI schema and the interactive docs, served without any external network."""

import re

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


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


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_docs_load_their_assets_from_this_server(url, db):
    response = APIClient().get(url)
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
