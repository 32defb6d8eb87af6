"""A request's whole life through the API, as an integration would drive it."""

from disclosure import services
from disclosure.models import DisclosureRequest, RequestEvent

from .builders import registered


def test_a_client_takes_a_request_from_registration_to_archive(people, tree, as_user):
    """The clerk registers and handles, the reviewer accepts, the head signs (issue 9: who decides what)."""
    api = as_user(people["clerk"])
    reviewer, head = as_user(people["reviewer"]), as_user(people["head"])
    created = api.post(
        "/api/v1/requests/",
        {"unit": tree["dept"].pk, "applicant_type": "natural_person", "applicant_name": "王五",
         "applicant_id_number": "33010119800315123X", "channel": "in_person", "submitted_on": "2026-11-02",
         "content": "申请公开2025年度财政预算执行情况"},
        format="json",
    )
    assert created.status_code == 201, created.content
    req = created.json()
    assert (req["status"], req["version"], req["received_on"]) == ("registered", 0, "2026-11-02")
    assert req["deadline"]["due_on"] == req["due_on"]

    def act(path, body, expected_status, client=api):
        response = client.post(f"/api/v1/requests/{req['id']}/{path}/", {**body, "version": req["version"]},
                            format="json")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["status"] == expected_status
        assert data["version"] == req["version"] + 1
        return data

    req = act("start-review", {}, "reviewing")
    req = act("request-correction",
              {"requested_on": "2026-11-03", "items": "请写明所需信息的名称", "period_until": "2026-11-17"},
              "awaiting_correction")
    assert req["deadline"]["clock_stopped"] is True
    req = act("record-correction", {"received_on": "2026-11-05"}, "reviewing")
    assert req["clock_start_on"] == "2026-11-05"
    assert "accept" not in req["available_actions"]  # the clerk registered it (岗位分离) …
    refused = api.post(f"/api/v1/requests/{req['id']}/accept/", {"version": req["version"]}, format="json")
    assert refused.status_code == 403 and "岗位分离" in refused.json()["error"]["message"]
    req = act("accept", {}, "handling", client=reviewer)  # … the reviewer accepts it

    consultation = api.post(f"/api/v1/requests/{req['id']}/consultations/",
                            {"kind": "agency", "party": "市财政局", "sent_on": "2026-11-06",
                             "version": req["version"]}, format="json")
    assert consultation.status_code == 201, consultation.content
    req = api.get(f"/api/v1/requests/{req['id']}/").json()
    assert req["status"] == "consulting"
    answered = api.post(f"/api/v1/consultations/{consultation.json()['id']}/reply/",
                        {"replied_on": "2026-11-10", "consents": True, "version": req["version"]}, format="json")
    assert answered.status_code == 200, answered.content
    assert answered.json()["replied_on"] == "2026-11-10"
    req = api.get(f"/api/v1/requests/{req['id']}/").json()
    assert req["status"] == "handling"
    assert req["deadline"]["paused_days"]  # 第三十三条: consultation time is not counted

    assert "reply" not in req["available_actions"]  # a clerk no longer replies from 办理中
    req = act("submit-sign-off", {"outcome": "granted"}, "sign_off")  # granted: no legal review needed
    assert head.get(f"/api/v1/requests/{req['id']}/").json()["available_actions"] == [
        "record_fee_payment", "approve_extension", "set_delayed_reply", "assign", "return_for_revision", "reply",
        "conclude", "edit",
    ]
    assert api.post(f"/api/v1/requests/{req['id']}/reply/", {"replied_on": "2026-11-12", "version": req["version"]},
                    format="json").status_code == 403
    req = act("reply", {"replied_on": "2026-11-12"}, "replied", client=head)
    assert (req["outcome"], req["concluded_on"]) == ("granted", "2026-11-12")
    req = act("archive", {"delivery_method": "邮寄", "delivered_on": "2026-11-13", "archive_number": "WS-1"},
              "archived")

    events = api.get(f"/api/v1/requests/{req['id']}/events/").json()
    assert [e["action"] for e in events] == [
        "register", "start_review", "request_correction", "record_correction", "accept", "start_consultation",
        "record_consultation_reply", "submit_for_sign_off", "reply", "issue_document", "archive",
    ]
    by = {e["action"]: e["actor"] for e in events}
    assert (by["register"], by["accept"], by["submit_for_sign_off"], by["reply"], by["archive"]) == (
        people["clerk"].pk, people["reviewer"].pk, people["clerk"].pk, people["head"].pk, people["clerk"].pk)
    assert RequestEvent.objects.filter(request_id=req["id"]).count() == 11
    assert DisclosureRequest.objects.get(pk=req["id"]).status == "archived"


def test_legal_review_path_needs_the_legal_reviewer(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    services.accept(req, actor=people["reviewer"])
    clerk, legal, head = as_user(people["clerk"]), as_user(people["legal"]), as_user(people["head"])
    url = f"/api/v1/requests/{req.pk}/"
    skipped = clerk.post(url + "submit-sign-off/",
                         {"outcome": "partial", "reply_data": {"reason": "涉及个人隐私", "withheld_parts": "身份证号"}},
                         format="json")
    assert skipped.status_code == 400 and list(skipped.json()["error"]["fields"]) == ["outcome"]  # adverse
    submitted = clerk.post(url + "submit-legal-review/",
                           {"outcome": "partial", "reply_data": {"reason": "涉及个人隐私", "withheld_parts": "身份证号"}},
                           format="json")
    assert submitted.status_code == 200, submitted.content
    assert clerk.post(url + "approve-legal-review/", {}, format="json").status_code == 403
    approved = legal.post(url + "approve-legal-review/", {"note": "同意"}, format="json")
    assert approved.json()["status"] == "sign_off"
    assert clerk.post(url + "reply/", {"replied_on": "2026-11-20"}, format="json").status_code == 403
    replied = head.post(url + "reply/", {"replied_on": "2026-11-20"}, format="json")
    assert replied.status_code == 200, replied.content
    assert replied.json()["outcome"] == "partial"


def test_patch_changes_only_the_editable_fields_and_leaves_an_event(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    api = as_user(people["clerk"])
    response = api.patch(f"/api/v1/requests/{req.pk}/", {"applicant_name": "张三（更正）", "version": 0},
                         format="json")
    assert response.status_code == 200, response.content
    assert response.json()["applicant_name"] == "张三（更正）"
    assert response.json()["version"] == 1
    assert RequestEvent.objects.filter(request=req, action="edit").count() == 1
    # status and dates are not editable: they are silently not part of the input, never written
    response = api.patch(f"/api/v1/requests/{req.pk}/", {"status": "archived", "received_on": "2020-01-01"},
                         format="json")
    req.refresh_from_db()
    assert (req.status, str(req.received_on)) == ("registered", "2026-11-02")


def test_id_numbers_are_shown_to_the_unit_and_masked_for_supervisors(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    own = as_user(people["clerk"]).get(f"/api/v1/requests/{req.pk}/").json()
    seen_from_above = as_user(people["supervisor"]).get(f"/api/v1/requests/{req.pk}/").json()
    listed = as_user(people["supervisor"]).get("/api/v1/requests/").json()["results"][0]
    assert own["applicant_id_number"] == "33010119800315123X"
    assert seen_from_above["applicant_id_number"] == "330***********123X"
    assert listed["applicant_id_number"] == "330***********123X"
    assert seen_from_above["applicant_contact"] == "138****5678"


def test_a_handler_must_work_in_the_request_s_unit(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    api = as_user(people["reviewer"])
    refused = api.post(f"/api/v1/requests/{req.pk}/assign/", {"handler": people["town_clerk"].pk}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["error"]["fields"]) == ["handler"]
    assigned = api.post(f"/api/v1/requests/{req.pk}/assign/", {"handler": people["legal"].pk}, format="json")
    assert assigned.status_code == 200, assigned.content
    assert (assigned.json()["handler"], assigned.json()["status"]) == (people["legal"].pk, "registered")
    assert as_user(people["clerk"]).post(f"/api/v1/requests/{req.pk}/assign/", {"handler": people["clerk"].pk},
                                         format="json").status_code == 403


def test_fees_extension_revision_and_withdrawal_through_the_api(people, tree, as_user):
    req = registered(people["clerk"], tree["dept"])
    services.accept(req, actor=people["reviewer"])
    clerk, head, legal = as_user(people["clerk"]), as_user(people["head"]), as_user(people["legal"])
    url = f"/api/v1/requests/{req.pk}/"

    fee = clerk.post(url + "fee-notices/", {"amount": "25.00", "basis": "按件计收", "amount_reason": "测试：与标准不同的金额", "notice_on": "2026-11-04"},
                     format="json")
    assert fee.status_code == 201, fee.content
    paid = clerk.post(f"/api/v1/fee-notices/{fee.json()['id']}/pay/", {"paid_on": "2026-11-05", "receipt_number": "P1"},
                      format="json")
    assert (paid.status_code, paid.json()["paid_on"]) == (200, "2026-11-05")
    assert clerk.post(f"/api/v1/fee-notices/{fee.json()['id']}/pay/", {"paid_on": "2026-11-06"},
                      format="json").status_code == 409  # paid once only

    body = {"days": 10, "approved_on": "2026-11-10", "notified_on": "2026-11-10", "reason": "需调取档案"}
    assert clerk.post(url + "approve-extension/", body, format="json").status_code == 403  # heads only
    extended = head.post(url + "approve-extension/", body, format="json").json()
    assert (extended["extension_days"], extended["deadline"]["extension_days"]) == (10, 10)
    assert extended["due_on"] > extended["base_due_on"]

    clerk.post(url + "submit-legal-review/", {"outcome": "granted"}, format="json")
    returned = legal.post(url + "return-for-revision/", {"note": "请补充依据"}, format="json")
    assert returned.json()["status"] == "handling"
    assert legal.post(url + "return-for-revision/", {"note": ""}, format="json").status_code == 400  # note required
    assert legal.post(url + "return-for-revision/", {"note": "再次退回"}, format="json").status_code == 409

    closed = clerk.post(url + "conclude/", {"outcome": "withdrawn", "concluded_on": "2026-11-20", "reason": "申请人撤回"},
                        format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["status"], closed.json()["outcome"]) == ("closed", "withdrawn")
    actions = [e["action"] for e in clerk.get(url + "events/").json()]
    assert actions == ["register", "accept", "issue_fee_notice", "record_fee_payment", "approve_extension",
                       "submit_for_legal_review", "return_for_revision", "conclude"]
