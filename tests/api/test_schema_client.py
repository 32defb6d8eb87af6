"""A client that knows only the published schema: it finds each operation by its operationId,
signs in for a token, takes a request through its whole life, and every response it gets is
checked against the schema."""

import json
import re

import pytest
from django.core.wsgi import get_wsgi_application
from werkzeug.test import Client

from .builders import published_schema, schemathesis_schema

PASSWORD = "Gongkai-test-2026"


class SchemaClient:
    def __init__(self):
        self.http = Client(get_wsgi_application())
        self.schema = schemathesis_schema(self.http.application)
        raw = published_schema()
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, item in raw["paths"].items() for method, op in item.items()
        }
        self.headers = {}

    def call(self, operation_id, body=None, expect=200, query=None, **path):
        method, template = self.operations[operation_id]
        url = re.sub(r"\{(\w+)\}", lambda m: str(path[m.group(1)]), template)
        response = self.http.open(url, method=method, headers=self.headers, query_string=query,
                                  data=json.dumps(body) if body is not None else None,
                                  content_type="application/json", environ_base={"HTTP_HOST": "localhost"})
        assert response.status_code == expect, (operation_id, response.status_code, response.get_data()[:500])
        self.schema.find_operation_by_id(operation_id).validate_response(response)
        return response.get_json() if response.data else None


@pytest.mark.usefixtures("keep_test_connection")
def test_a_schema_only_client_does_a_request_s_whole_life(people, tree):
    api = SchemaClient()
    tokens = {name: api.call("auth_token_create", {"username": name, "password": PASSWORD}, expect=201)["token"]
              for name in ("clerk", "reviewer", "legal", "head")}

    def as_(name):  # the clerk registers and drafts, the reviewer accepts, legal reviews, the head signs
        api.headers = {"Authorization": f"Token {tokens[name]}"}

    as_("clerk")
    [unit] = api.call("units_list")
    req = api.call("requests_create", {
        "unit": unit["id"], "applicant_type": "natural_person", "applicant_name": "陈七", "channel": "letter",
        "post_kind": "signed", "submitted_on": "2026-10-30", "signed_for_on": "2026-11-02",
        "content": "申请公开某道路工程的环评批复",
    }, expect=201)
    assert req["received_on"] == "2026-11-02"  # 条例第三十一条: signed post counts from signing

    def step(operation_id, body=None):
        nonlocal req
        req = api.call(operation_id, {**(body or {}), "version": req["version"]}, id=req["id"])
        return req

    step("requests_start_review_create")
    step("requests_request_correction_create",
         {"requested_on": "2026-11-03", "items": "请明确工程名称", "period_until": "2026-11-17"})
    step("requests_record_correction_create", {"received_on": "2026-11-05"})
    as_("reviewer")
    step("requests_accept_create")
    as_("clerk")
    consultation = api.call("requests_consultations_create",
                            {"kind": "third_party", "party": "某建设公司", "sent_on": "2026-11-06"},
                            expect=201, id=req["id"])
    req = api.call("requests_retrieve", id=req["id"])
    api.call("consultations_reply_create", {"replied_on": "2026-11-09", "consents": False,
                                            "opinion": "涉及商业秘密", "version": req["version"]},
             id=consultation["id"])
    req = api.call("requests_retrieve", id=req["id"])
    step("requests_submit_legal_review_create",
         {"outcome": "partial", "reply_data": {"reason": "涉及商业秘密", "withheld_parts": "工程造价明细"}})
    as_("legal")
    step("requests_approve_legal_review_create", {"note": "同意"})
    as_("head")
    step("requests_reply_create", {"replied_on": "2026-11-12"})
    as_("clerk")
    step("requests_archive_create", {"delivery_method": "邮寄", "delivered_on": "2026-11-13"})
    assert req["status"] == "archived"
    events = api.call("requests_events_list", id=req["id"])
    assert [e["action"] for e in events][-3:] == ["reply", "issue_document", "archive"]  # 签发 issues the 答复书
    # and the year's report counts it: one new request, answered with partial disclosure
    report = api.call("reports_annual_retrieve", query={"year": 2026, "unit": unit["code"]})
    assert report["unit"]["code"] == unit["code"]
    assert report["table3"]["rows"]["new"][-1] == 1 and report["table3"]["rows"]["partial"][-1] == 1
    # stale version → 409 in the documented error shape
    as_("reviewer")
    error = api.call("requests_accept_create", {"version": 0}, expect=409, id=req["id"])
    assert error["error"]["code"] in ("invalid_transition", "concurrent_change")
    as_("clerk")
    api.call("auth_token_destroy", expect=204)
    api.call("units_list", expect=401)
