"""The staff side of online submissions in the admin: the 待确认 filter and count, the submission's
page, and the confirm and reject forms (portal.md)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from disclosure import services

CHANGELIST = "admin:disclosure_disclosurerequest_changelist"
APPLICATION = {
    "applicant_type": "natural_person", "applicant_name": "钱七", "applicant_id_number": "110101199003070038",
    "phone": "13700137000", "content": "申请公开某路段拓宽工程的批复", "provision_form": "paper",
    "delivery_method": "online",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submission(tree):
    return services.submit_application(unit=tree["dept"], data=APPLICATION, now=timezone.now())[0]


def action_url(req, action):
    return reverse("admin:disclosure_disclosurerequest_action", args=[req.pk, action])


def change_url(req):
    return reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])


def test_the_list_counts_and_filters_the_submissions_waiting(client, tree, people, submission):
    services.submit_application(unit=tree["other"], data=APPLICATION, now=timezone.now())
    client.force_login(people["clerk"])
    page = client.get(reverse(CHANGELIST), {"online": "submitted"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "待确认（1）" in html  # the other district's submission is not counted
    assert list(page.context["cl"].result_list) == [submission]


def test_other_units_neither_count_nor_open_it(client, people, submission):
    client.force_login(people["other_clerk"])
    page = client.get(reverse(CHANGELIST), {"online": "submitted"})
    assert "待确认（0）" in page.content.decode() and list(page.context["cl"].result_list) == []
    assert client.get(change_url(submission)).status_code in (302, 404)
    assert client.post(action_url(submission, "confirm_receipt"),
                       {"seen_version": 0, "received_on": timezone.localdate().isoformat()}).status_code in (302, 404)
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_the_page_of_a_submission_offers_confirm_and_reject_and_no_deadline(client, people, submission):
    client.force_login(people["clerk"])
    page = client.get(change_url(submission))
    assert page.status_code == 200
    codes = [a["code"] for a in page.context["gk_actions"]]
    assert codes == ["confirm_receipt", "reject_submission"]
    html = page.content.decode()
    assert 'id="gk-intake-submitted"' in html and 'id="gk-deadline"' not in html


def test_confirming_through_the_form_registers_it(client, people, submission):
    client.force_login(people["clerk"])
    form = client.get(action_url(submission, "confirm_receipt"))
    assert form.context["form"]["received_on"].value() == timezone.localdate()
    response = client.post(action_url(submission, "confirm_receipt"),
                           {"seen_version": 0, "received_on": timezone.localdate().isoformat(), "reason": ""})
    assert response.status_code == 302 and response.url == change_url(submission)
    submission.refresh_from_db()
    assert submission.status == "registered" and submission.ref and submission.received_on == timezone.localdate()
    page = client.get(change_url(submission))
    assert 'id="gk-deadline"' in page.content.decode()


def test_another_day_without_a_reason_is_refused_on_the_reason_field(client, people, submission):
    client.force_login(people["clerk"])
    earlier = timezone.localdate().replace(year=timezone.localdate().year - 1)
    response = client.post(action_url(submission, "confirm_receipt"),
                           {"seen_version": 0, "received_on": earlier.isoformat()})
    assert response.status_code == 200 and response.context["form"].errors
    submission.refresh_from_db()
    assert submission.status == "submitted"


def test_rejecting_through_the_form_needs_a_reason(client, people, submission):
    client.force_login(people["clerk"])
    refused = client.post(action_url(submission, "reject_submission"), {"seen_version": 0, "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    done = client.post(action_url(submission, "reject_submission"), {"seen_version": 0, "reason": "空白提交"})
    assert done.status_code == 302
    submission.refresh_from_db()
    assert submission.status == "rejected"
    page = client.get(change_url(submission))
    assert 'id="gk-intake-rejected"' in page.content.decode() and page.context["gk_actions"] == []


def test_an_online_correction_is_shown_to_the_clerk(client, people, submission):
    req, code = services.submit_application(unit=submission.unit, data=APPLICATION, now=timezone.now())
    today = timezone.localdate()
    services.confirm_receipt(req, actor=people["clerk"], today=today)
    services.request_correction(req, actor=people["clerk"], requested_on=today, items="请写明文号",
                                period_until=today.replace(year=today.year + 1), today=today)
    services.submit_correction(req=req, tracking_code=code, data={"content": "文号是金东发改〔2025〕3号"})
    client.force_login(people["clerk"])
    listed = client.get(reverse(CHANGELIST), {"online": "correction"})
    assert list(listed.context["cl"].result_list) == [req] and "网上补正待确认（1）" in listed.content.decode()
    page = client.get(change_url(req))
    html = page.content.decode()
    assert 'id="gk-intake-correction"' in html and "金东发改〔2025〕3号" in html
    assert "record_correction" in [a["code"] for a in page.context["gk_actions"]]


def test_a_typo_in_a_submission_can_be_fixed_before_confirming(client, people, submission):
    client.force_login(people["clerk"])
    page = client.get(change_url(submission))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"seen_version": submission.version, "applicant_name": "钱七七", "consultations-TOTAL_FORMS": 0, "consultations-INITIAL_FORMS": 0,
                 "fee_notices-TOTAL_FORMS": 0, "fee_notices-INITIAL_FORMS": 0})
    response = client.post(change_url(submission), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    submission.refresh_from_db()
    assert submission.applicant_name == "钱七七" and submission.status == "submitted"
    assert submission.events.filter(action="edit").exists()
