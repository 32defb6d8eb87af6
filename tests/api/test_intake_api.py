"""The staff API of online submissions (portal.md): listed with ?status=submitted for the staff who
see their unit, confirmed (POST confirm-receipt) or rejected, and invisible to every other unit."""

import pytest
from django.utils import timezone

from disclosure import services
from disclosure.models import DisclosureRequest

APPLICATION = {
    "applicant_type": "natural_person", "applicant_name": "赵六", "applicant_id_number": "110101199003070038",
    "phone": "13900139000", "email": "", "address": "", "content": "申请公开某项目环评批复",
    "provision_form": "paper", "delivery_method": "pickup",
}


@pytest.fixture
def submission(tree):
    req, _code = services.submit_application(unit=tree["dept"], data=APPLICATION, now=timezone.now())
    return req


def test_the_unit_lists_its_submissions(people, submission, as_user):
    listed = as_user(people["clerk"]).get("/api/v1/requests/?status=submitted")
    assert listed.status_code == 200, listed.content
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [submission.pk] and rows[0]["status"] == "submitted"
    detail = as_user(people["clerk"]).get(f"/api/v1/requests/{submission.pk}/")
    assert detail.status_code == 200 and detail.json()["ref"] == ""


@pytest.mark.parametrize("who", ["other_clerk", "town_clerk"])
def test_other_units_never_see_a_submission(people, submission, as_user, who):
    api = as_user(people[who])
    assert api.get("/api/v1/requests/?status=submitted").json()["results"] == []
    assert api.get(f"/api/v1/requests/{submission.pk}/").status_code == 404
    assert api.post(f"/api/v1/requests/{submission.pk}/confirm-receipt/", {}, format="json").status_code == 404
    assert api.post(f"/api/v1/requests/{submission.pk}/reject-submission/", {"reason": "x"},
                    format="json").status_code == 404
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_confirm_receipt_registers_it_today(people, submission, as_user):
    today = timezone.localdate()
    response = as_user(people["clerk"]).post(
        f"/api/v1/requests/{submission.pk}/confirm-receipt/", {"version": submission.version}, format="json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "registered" and data["received_on"] == today.isoformat()
    assert data["ref"] and data["due_on"] and data["version"] == submission.version + 1
    again = as_user(people["clerk"]).post(f"/api/v1/requests/{submission.pk}/confirm-receipt/", {}, format="json")
    assert again.status_code == 409


def test_confirm_receipt_with_a_stale_version_or_a_bad_date(people, submission, as_user):
    api = as_user(people["clerk"])
    url = f"/api/v1/requests/{submission.pk}/confirm-receipt/"
    assert api.post(url, {"version": submission.version + 3}, format="json").status_code == 409
    bad = api.post(url, {"received_on": "not a date"}, format="json")
    assert bad.status_code == 400 and "received_on" in bad.content.decode()
    earlier = api.post(url, {"received_on": "2000-01-01", "reason": "x"}, format="json")
    assert earlier.status_code == 400 and "received_on" in earlier.content.decode()
    submission.refresh_from_db()
    assert submission.status == "submitted" and submission.ref == ""


def test_reject_needs_a_reason(people, submission, as_user):
    api = as_user(people["head"])
    url = f"/api/v1/requests/{submission.pk}/reject-submission/"
    assert api.post(url, {}, format="json").status_code == 400
    response = api.post(url, {"reason": "同一申请重复提交"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert DisclosureRequest.objects.get(pk=submission.pk).reply_data["reason"] == "同一申请重复提交"


def test_a_legal_reviewer_may_not_confirm(people, submission, as_user):
    response = as_user(people["legal"]).post(f"/api/v1/requests/{submission.pk}/confirm-receipt/", {}, format="json")
    assert response.status_code == 403
