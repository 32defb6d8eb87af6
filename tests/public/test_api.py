"""The public JSON intake and lookup (portal.md), in-process and end to end on a live server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from rest_framework.test import APIClient

from disclosure import services
from disclosure.models import DisclosureRequest
from disclosure.workflow import Status

VALID_ID = "110101199003070038"
APPLICATIONS = "/api/public/v1/applications/"
LOOKUP = "/api/public/v1/applications/lookup/"


def body(to, **overrides):
    data = {
        "unit": to.code, "applicant_type": "natural_person", "applicant_name": "张三",
        "applicant_id_number": VALID_ID, "phone": "13800138000", "email": "zhang@example.com",
        "address": "金华市金东区某路1号", "content": "2025年某道路改造工程的立项批复。",
        "provision_form": "email", "delivery_method": "online",
    }
    data.update(overrides)
    return data


@pytest.fixture
def api(settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = False
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "1000/hour"
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "1000/minute"
    return APIClient()


def test_intake_then_lookup(api, tree):
    response = api.post(APPLICATIONS, body(tree["dept"]), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "submitted"
    code = response.json()["tracking_code"]
    req = DisclosureRequest.objects.get()
    assert req.status == Status.SUBMITTED and req.unit == tree["dept"]
    found = api.post(LOOKUP, {"tracking_code": code, "phone": "138 0013 8000"}, format="json")
    assert found.status_code == 200
    assert found.json() == {
        "status": "submitted", "status_label": "已提交待确认", "unit": tree["dept"].name, "ref": None,
        "submitted_on": req.submitted_on.isoformat(), "received_on": None, "due_on": None, "letters": [],
    }


@pytest.mark.parametrize(("field", "overrides"), [
    ("unit", {"unit": "nowhere"}),
    ("applicant_name", {"applicant_name": "<img src=x onerror=alert(1)>"}),
    ("applicant_id_number", {"applicant_id_number": "110101199003070039"}),
    ("content", {"content": "长" * 300_000}),
    ("phone", {"phone": "abc"}),
    ("applicant_type", {"applicant_type": "robot"}),
    ("email", {"delivery_method": "email", "email": ""}),
])
def test_bad_fields_are_400_naming_the_field(api, tree, field, overrides):
    response = api.post(APPLICATIONS, body(tree["dept"], **overrides), format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert DisclosureRequest.objects.count() == 0


def test_malformed_json_is_400_not_500(api, tree):
    response = api.post(APPLICATIONS, data="{not json", content_type="application/json")
    assert response.status_code == 400
    response = api.post(APPLICATIONS, data=json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400


def test_with_the_captcha_on_the_intake_needs_a_listed_key(tree, settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = True
    settings.GONGKAI_PUBLIC_API_KEYS = ["platform-key-1"]
    client = APIClient()
    assert client.post(APPLICATIONS, body(tree["dept"]), format="json").status_code == 403
    assert client.post(APPLICATIONS, body(tree["dept"]), format="json", HTTP_X_API_KEY="guess").status_code == 403
    ok = client.post(APPLICATIONS, body(tree["dept"]), format="json", HTTP_X_API_KEY="platform-key-1")
    assert ok.status_code == 201 and DisclosureRequest.objects.count() == 1


def test_every_miss_is_the_same_404(api, tree):
    code = api.post(APPLICATIONS, body(tree["dept"]), format="json").json()["tracking_code"]
    answers = {
        api.post(LOOKUP, payload, format="json").content
        for payload in ({"tracking_code": code, "phone": "13900000000"},
                        {"tracking_code": "AAAA-BBBB-CCCC-DDDD", "phone": "13800138000"},
                        {"tracking_code": "x" * 500, "phone": ""}, {})
    }
    assert len(answers) == 1 and json.loads(answers.pop())["error"]["code"] == "not_found"


def test_the_api_shares_the_pages_throttle(api, tree, settings, client):
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "2/minute"
    statuses = [api.post(LOOKUP, {"tracking_code": "AAAA", "phone": "1"}, format="json").status_code for _i in range(2)]
    assert statuses == [404, 404]
    throttled = api.post(LOOKUP, {"tracking_code": "AAAA", "phone": "1"}, format="json")
    assert throttled.status_code == 429 and throttled["Retry-After"]
    assert client.post("/public/status/", {"tracking_code": "AAAA", "phone": "1"}).status_code == 429


def test_submissions_are_throttled_but_not_a_key_holding_platform(tree, settings):
    settings.GONGKAI_PUBLIC_CAPTCHA = True
    settings.GONGKAI_PUBLIC_API_KEYS = ["platform-key-1"]
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "1/hour"
    client = APIClient()
    for _i in range(3):
        assert client.post(APPLICATIONS, body(tree["dept"]), format="json",
                           HTTP_X_API_KEY="platform-key-1").status_code == 201
    settings.GONGKAI_PUBLIC_CAPTCHA = False
    assert client.post(APPLICATIONS, body(tree["dept"]), format="json").status_code == 201
    assert client.post(APPLICATIONS, body(tree["dept"]), format="json").status_code == 429


def test_the_public_schema_is_anonymous_and_only_public(api):
    response = api.get("/api/public/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert set(schema["paths"]) == {APPLICATIONS, LOOKUP}
    assert all(op["tags"] == ["public"] for ops in schema["paths"].values() for op in ops.values())
    assert api.get("/api/schema/").status_code == 401  # the staff one stays closed


# --- end to end, over HTTP --------------------------------------------------------------------


def _post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # as every transactional test: a plain flush re-creates content types that a later serialized test then collides with
def test_intake_and_lookup_on_a_live_server(live_server, settings, tree, people):
    settings.GONGKAI_PUBLIC_CAPTCHA = False
    status, answer = _post(live_server.url + APPLICATIONS, body(tree["dept"], delivery_method="online"))
    assert status == 201
    code = answer["tracking_code"]
    status, answer = _post(live_server.url + LOOKUP, {"tracking_code": code, "phone": "13800138000"})
    assert (status, answer["status"]) == (200, "submitted")
    req = DisclosureRequest.objects.get()
    services.confirm_receipt(req, actor=people["clerk"], expected_version=req.version)
    req.refresh_from_db()
    status, answer = _post(live_server.url + LOOKUP, {"tracking_code": code, "phone": "13800138000"})
    assert status == 200 and answer["status"] == "registered" and answer["ref"] == req.ref
    assert answer["received_on"] == req.received_on.isoformat() and answer["due_on"] == req.due_on.isoformat()
    status, answer = _post(live_server.url + LOOKUP, {"tracking_code": code, "phone": "13800138001"})
    assert status == 404


def test_staff_registered_requests_are_out_of_reach(api, tree, people):
    """No code was ever given for a request registered by staff: no empty, null or guessed code finds it."""
    from tests.api.builders import registered

    req = registered(people["clerk"], tree["dept"], applicant_contact="13800138000")
    assert req.tracking_hash is None
    for code in ("", "null", "None", "0" * 16, req.ref):
        response = api.post(LOOKUP, {"tracking_code": code, "phone": "13800138000"}, format="json")
        assert response.status_code == 404


def test_the_public_routes_are_only_these(api):
    """Isolation: what the public API exposes, anonymous — and nothing of /api/v1/ without a token."""
    from django.urls import get_resolver

    from tests.api.test_isolation import _walk

    names = {name for name, _ in _walk(get_resolver().url_patterns) if name.startswith("api:public-v1:")}
    assert names == {"api:public-v1:applications", "api:public-v1:lookup", "api:public-v1:schema"}
    assert api.get("/api/v1/requests/").status_code == 401


def test_the_public_pages_carry_the_staff_csp_and_no_script(client, tree):
    for url in ("/public/", "/public/apply/", "/public/status/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert "<script" not in response.content.decode()
        assert response["X-Frame-Options"] == "DENY"
