"""A wrong check digit is a field error wherever a request is registered: admin, API, ledger, services."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken
from disclosure import ledger, services
from disclosure.models import DisclosureRequest
from disclosure.workflow import WorkflowError
from tests.api.builders import registered
from tests.disclosure.test_admin import add_form_data

BAD_ID = "330101199003151235"  # the check digit should be 4
GOOD_ID = "330101199003151234"


@pytest.mark.django_db
def test_services_refuse_a_wrong_check_digit_naming_the_field(people, tree):
    with pytest.raises(WorkflowError) as caught:
        registered(people["clerk"], tree["dept"], applicant_id_number=BAD_ID)
    assert caught.value.field == "applicant_id_number" and "第18位应为4" in str(caught.value)
    with pytest.raises(WorkflowError) as caught:
        registered(people["clerk"], tree["dept"], agent_name="李四", agent_id_number=BAD_ID)
    assert caught.value.field == "agent_id_number"
    assert not DisclosureRequest.objects.exists()


@pytest.mark.django_db
def test_a_lower_case_x_is_stored_upper_case(people, tree):
    req = registered(people["clerk"], tree["dept"], applicant_id_number="33010119800315123x")
    req.refresh_from_db()
    assert req.applicant_id_number == "33010119800315123X"


@pytest.mark.django_db
def test_an_edit_checks_a_changed_number_but_not_an_unchanged_old_one(people, tree):
    req = registered(people["clerk"], tree["dept"], applicant_id_number=GOOD_ID)
    with pytest.raises(WorkflowError) as caught:
        services.update_registration(req, actor=people["clerk"], applicant_id_number=BAD_ID)
    assert caught.value.field == "applicant_id_number"
    DisclosureRequest.objects.filter(pk=req.pk).update(applicant_id_number=BAD_ID)  # stored before the check
    req.refresh_from_db()
    services.update_registration(req, actor=people["clerk"], applicant_id_number=BAD_ID, applicant_contact="13900000000")
    req.refresh_from_db()
    assert req.applicant_contact == "13900000000"


@pytest.mark.django_db
def test_the_admin_form_shows_the_error_and_saves_nothing(client, people, tree):
    client.force_login(people["clerk"])
    response = client.post(reverse("admin:disclosure_disclosurerequest_add"),
                           add_form_data(tree["dept"], applicant_id_number=BAD_ID))
    assert response.status_code == 200
    assert "校验位不正确" in response.content.decode()
    assert not DisclosureRequest.objects.exists()


@pytest.mark.django_db
def test_the_api_answers_400_with_the_field(people, tree):
    _, raw = ApiToken.issue(people["clerk"])
    api = APIClient(HTTP_AUTHORIZATION=f"Token {raw}")
    response = api.post("/api/v1/requests/", {
        "unit": tree["dept"].pk, "applicant_type": "natural_person", "applicant_name": "张三",
        "applicant_id_number": BAD_ID, "channel": "in_person", "submitted_on": "2026-11-02",
        "content": "申请公开某项目的批复文件",
    }, format="json")
    assert response.status_code == 400
    assert "applicant_id_number" in str(response.json())
    assert not DisclosureRequest.objects.exists()


@pytest.mark.django_db
def test_a_ledger_row_with_a_wrong_check_digit_is_reported_and_nothing_is_written(tree):
    source = (
        "ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,applicant_id_number,content\n"
        f"L-1,{tree['dept'].code},in_person,2026-11-02,2026-11-02,natural_person,张三,{GOOD_ID},某文件\n"
        f"L-2,{tree['dept'].code},in_person,2026-11-02,2026-11-02,natural_person,李四,{BAD_ID},某文件\n"
    ).encode()
    with pytest.raises(ledger.LedgerInvalid) as caught:
        ledger.import_ledger(source)
    (error,) = caught.value.errors
    assert error.row == 3 and "校验位" in str(error)
    assert not DisclosureRequest.objects.exists()
