"""One JSON error shape, and the right status for each kind of failure."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from disclosure import services
from disclosure.models import RequestEvent

from .builders import registered


def error_of(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    return body["error"]


def test_no_credentials_is_401_with_a_challenge(db):
    response = APIClient().get("/api/v1/requests/")
    assert error_of(response, 401)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token nonsense", "Token", "Bearer a b", "Token 令牌"])
def test_a_bad_token_is_401(header, db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert error_of(client.get("/api/v1/requests/"), 401)["code"] == "authentication_failed"


def test_an_expired_token_is_401(people):
    token, raw = ApiToken.issue(people["clerk"], now=timezone.now() - timedelta(days=400))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    error_of(client.get("/api/v1/requests/"), 401)


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=nope", "status"), ("overdue=perhaps", "overdue"), ("overdue=", "overdue"), ("overdue=null", "overdue"), ("due_before=2026-13-01", "due_before"),
     ("year=99999", "year"), ("unit=x", "unit"), ("cursor=%%%", "cursor"), ("cursor=eyJkIjoibiJ9", "cursor"),
     ("page_size=0", "page_size"), ("page_size=1000", "page_size")],
)
def test_bad_list_parameters_are_400_naming_the_parameter(query, field, people, as_user):
    error = error_of(as_user(people["clerk"]).get(f"/api/v1/requests/?{query}"), 400)
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_malformed_json_is_400(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["clerk"]).post(f"/api/v1/requests/{req.pk}/accept/", "{not json",
                                             content_type="application/json")
    assert error_of(response, 400)["code"] == "parse_error"


def test_a_workflow_rule_is_400_on_its_field_and_nothing_is_saved(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["clerk"]).post(
        f"/api/v1/requests/{req.pk}/request-correction/",
        {"requested_on": "2026-11-10", "items": "补充材料", "period_until": "2026-11-09"}, format="json",
    )
    error = error_of(response, 400)
    assert list(error["fields"]) == ["period_until"]
    req.refresh_from_db()
    assert (req.status, req.version, req.correction_rounds) == ("registered", 0, 0)


def test_missing_input_names_every_missing_field(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    error = error_of(as_user(people["clerk"]).post(f"/api/v1/requests/{req.pk}/request-correction/", {},
                                                   format="json"), 400)
    assert set(error["fields"]) == {"requested_on", "items", "period_until"}


def test_an_invalid_transition_is_409(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["clerk"]).post(f"/api/v1/requests/{req.pk}/archive/",
                                             {"delivery_method": "邮寄", "delivered_on": "2026-11-03"},
                                             format="json")
    assert error_of(response, 409)["code"] == "invalid_transition"


def test_a_stale_version_is_409_and_writes_nothing(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    services.start_review(req, actor=people["reviewer"])
    response = as_user(people["reviewer"]).post(f"/api/v1/requests/{req.pk}/accept/", {"version": 0}, format="json")
    assert error_of(response, 409)["code"] == "concurrent_change"
    req.refresh_from_db()
    assert (req.status, req.version) == ("reviewing", 1)
    assert RequestEvent.objects.filter(request=req).count() == 2


def test_a_role_without_the_action_is_403(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["legal"]).post(f"/api/v1/requests/{req.pk}/accept/", {}, format="json")
    assert error_of(response, 403)["code"] == "permission_denied"


def test_unknown_api_paths_and_methods_answer_in_the_error_shape(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    api = as_user(people["clerk"])
    assert error_of(api.get("/api/v1/nothing-here/"), 404)["code"] == "not_found"
    assert error_of(api.get("/api/v1/requests/abc/"), 404)["code"] == "not_found"
    assert error_of(api.get("/api/v1/requests/99999999999999999999/"), 404)["code"] == "not_found"
    assert error_of(api.put(f"/api/v1/requests/{req.pk}/", {}, format="json"), 405)["code"] == "method_not_allowed"
    response = api.post(f"/api/v1/requests/{req.pk}/accept/", "x", content_type="text/csv")
    assert error_of(response, 415)["code"] == "unsupported_media_type"


def test_session_writes_without_csrf_are_403(people, tree):
    req = registered(people["clerk"], tree["dept"])
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(people["clerk"])
    assert browser.get(f"/api/v1/requests/{req.pk}/").status_code == 200
    error = error_of(browser.post(f"/api/v1/requests/{req.pk}/accept/", {}, format="json"), 403)
    assert "CSRF" in error["message"]


def test_the_api_is_throttled_with_429_and_retry_after(people, as_user, settings):
    settings.GONGKAI_API_RATE_USER = "3/minute"
    api = as_user(people["clerk"])
    for _ in range(3):
        assert api.get("/api/v1/units/").status_code == 200
    response = api.get("/api/v1/units/")
    assert error_of(response, 429)["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_an_integrity_error_from_bad_input_is_400_not_500(people, tree, as_user):
    registered(people["clerk"], tree["dept"], ref="金东发改公开〔2026〕第0001号")
    response = as_user(people["clerk"]).post(
        "/api/v1/requests/",
        {"unit": tree["dept"].pk, "ref": "金东发改公开〔2026〕第0001号", "applicant_type": "natural_person",
         "applicant_name": "赵六", "channel": "in_person", "submitted_on": "2026-11-02", "content": "x"},
        format="json",
    )
    assert list(error_of(response, 400)["fields"]) == ["ref"]


def test_an_oversized_json_body_is_413(people, tree, as_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["clerk"]).patch(f"/api/v1/requests/{req.pk}/", {"content": "x" * 2000},
                                              format="json")
    assert error_of(response, 413)["code"] == "too_large"
    req.refresh_from_db()
    assert req.content != "x" * 2000


def test_an_oversized_form_body_is_413(people, tree, as_user, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    req = registered(people["clerk"], tree["dept"])
    response = as_user(people["clerk"]).patch(f"/api/v1/requests/{req.pk}/", {"content": "x" * 2000},
                                              format="multipart")
    assert error_of(response, 413)["code"] == "too_large"
    req.refresh_from_db()
    assert req.content != "x" * 2000


def test_a_browser_asking_for_html_gets_json(people, tree):
    req = registered(people["clerk"], tree["dept"])
    browser = APIClient()
    browser.force_login(people["clerk"])
    response = browser.get(f"/api/v1/requests/{req.pk}/", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
