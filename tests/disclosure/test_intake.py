"""The applicants' side (portal.md): online submission, lookup, public status, online correction, and
the staff's confirm_receipt / reject_submission arrows."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosure import services
from disclosure.models import Attachment, DisclosureRequest, RequestEvent
from disclosure.services import intake
from disclosure.workflow import InvalidTransition, Status, WorkflowError
from reporting.queries import Period, requests_in, year_counts

VALID_ID = "110101199003070038"  # check digit correct (GB 11643)


def application(**overrides):
    data = {
        "applicant_type": "natural_person",
        "applicant_name": "张三",
        "applicant_id_number": VALID_ID,
        "phone": "138 0013-8000",
        "email": "zhang@example.com",
        "address": "金华市金东区某路1号",
        "content": "申请公开2025年某道路改造工程的立项批复文件。",
        "provision_form": "email",
        "delivery_method": "online",
    }
    data.update(overrides)
    return data


NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)  # a Monday


@pytest.fixture
def submitted(tree):
    return services.submit_application(unit=tree["dept"], data=application(), now=NOW)


# --- tracking codes (pure) -----------------------------------------------------------------------


def test_tracking_codes_carry_80_bits_in_four_groups():
    code = intake.new_tracking_code()
    assert len(code) == 19 and code.count("-") == 3
    raw = intake.normalise_code(code)
    assert len(raw) == 16 and set(raw) <= set(intake.CODE_ALPHABET) and len(intake.CODE_ALPHABET) == 32
    assert len({intake.new_tracking_code() for _i in range(200)}) == 200


def test_codes_are_read_forgivingly_and_hashed_with_a_key(settings):
    assert intake.normalise_code(" k7q2-m9xd 4tra-pz3f ") == "K7Q2M9XD4TRAPZ3F"
    assert intake.normalise_code("O0I1L") == "00111"
    digest = intake.tracking_hash("K7Q2-M9XD-4TRA-PZ3F")
    assert digest == intake.tracking_hash("k7q2m9xd4trapz3f") and len(digest) == 64
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert intake.tracking_hash("K7Q2-M9XD-4TRA-PZ3F") != digest


# --- submit_application ------------------------------------------------------------------------


def test_a_submission_is_submitted_with_no_number_nor_deadline(submitted, tree):
    req, code = submitted
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED and req.channel == "online" and req.unit == tree["dept"]
    assert req.ref == "" and req.due_on is None and req.submitted_on == date(2026, 3, 2)
    assert req.applicant_phone == "13800138000" and req.applicant_email == "zhang@example.com"
    assert "13800138000" in req.applicant_contact and "金东区某路1号" in req.applicant_contact
    assert req.requested_delivery == "online" and req.provision_form == "email"
    # only the keyed hash is stored, never the code
    assert req.tracking_hash == intake.tracking_hash(code)
    assert not DisclosureRequest.objects.filter(tracking_hash=intake.normalise_code(code)).exists()
    event = req.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == ("submit", "", "submitted", None)


def test_two_submissions_of_one_unit_both_wait_without_a_number(tree):
    a, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    b, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    assert a.ref == b.ref == "" and a.tracking_hash != b.tracking_hash


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant_type": "alien"}, "applicant_type"),
        ({"applicant_name": ""}, "applicant_name"),
        ({"applicant_name": "<script>alert(1)</script>"}, "applicant_name"),
        ({"applicant_name": "名" * 201}, "applicant_name"),
        ({"applicant_id_number": "110101199003070039"}, "applicant_id_number"),  # wrong check digit
        ({"applicant_id_number": ""}, "applicant_id_number"),
        ({"phone": ""}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"email": "not-an-address"}, "email"),
        ({"content": ""}, "content"),
        ({"content": "字" * 300_000}, "content"),
        ({"provision_form": "carrier pigeon"}, "provision_form"),
        ({"delivery_method": ""}, "delivery_method"),
        ({"delivery_method": "email", "email": ""}, "email"),
        ({"applicant_name": ["a", "list"]}, "applicant_name"),
        ({"content": {"a": 1}}, "content"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(tree, overrides, field):
    with pytest.raises(ValidationError) as caught:
        services.submit_application(unit=tree["dept"], data=application(**overrides), now=NOW)
    assert field in caught.value.message_dict
    assert not DisclosureRequest.objects.exists()


def test_an_organisation_may_give_its_credit_code(tree):
    req, _code = services.submit_application(
        unit=tree["dept"], data=application(applicant_type="commercial", applicant_id_number="91330100MA27XK8W12"),
        now=NOW,
    )
    assert req.applicant_id_number == "91330100MA27XK8W12"


def test_attachments_are_checked_as_staff_attachments_and_stored(tree):
    pdf = SimpleUploadedFile("身份证.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n", content_type="application/pdf")
    req, _code = services.submit_application(unit=tree["dept"], data=application(), attachments=[pdf], now=NOW)
    attachment = Attachment.objects.get(request=req)
    assert attachment.name == "身份证.pdf" and attachment.uploaded_by is None
    assert req.events.filter(action="attach").count() == 1


def test_a_disguised_attachment_is_refused_and_nothing_saved(tree):
    fake = SimpleUploadedFile("scan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    with pytest.raises(ValidationError) as caught:
        services.submit_application(unit=tree["dept"], data=application(), attachments=[fake], now=NOW)
    assert "attachments" in caught.value.message_dict
    assert not DisclosureRequest.objects.exists() and not Attachment.objects.exists()


# --- lookup_application ------------------------------------------------------------------------


def test_lookup_needs_the_code_and_the_phone(submitted):
    req, code = submitted
    assert services.lookup_application(tracking_code=code, phone="13800138000") == req
    assert services.lookup_application(tracking_code=code.lower().replace("-", " "), phone="138-0013-8000") == req
    assert services.lookup_application(tracking_code=code, phone="13800138001") is None
    assert services.lookup_application(tracking_code=code, phone="") is None
    assert services.lookup_application(tracking_code=intake.new_tracking_code(), phone="13800138000") is None
    assert services.lookup_application(tracking_code="short", phone="13800138000") is None
    assert services.lookup_application(tracking_code="", phone="") is None


def test_a_rejected_submission_is_not_found(submitted, people):
    req, code = submitted
    services.reject_submission(req, actor=people["clerk"], reason="内容为空白，不是政府信息公开申请。", today=date(2026, 3, 2))
    assert services.lookup_application(tracking_code=code, phone="13800138000") is None


# --- public_status -------------------------------------------------------------------------------


def test_the_status_of_a_submission_shows_no_number_nor_id(submitted):
    req, _code = submitted
    status = services.public_status(req)
    assert status["status"] == "submitted" and status["status_label"] == "已提交待确认"
    assert status["ref"] is None and status["received_on"] is None and status["due_on"] is None
    assert status["unit"] == "金东区发展和改革局" and status["letters"] == [] and status["can_correct"] is False
    assert VALID_ID not in repr(status) and "13800138000" not in repr(status)


def test_the_status_after_confirmation_correction_and_extension(submitted, people):
    req, code = submitted
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    status = services.public_status(req)
    assert status["status"] == "registered" and status["status_label"] == "已受理"
    assert status["ref"] == req.ref and status["received_on"] == date(2026, 3, 3) and status["due_on"] == req.due_on
    services.request_correction(req, actor=people["clerk"], requested_on=date(2026, 3, 4), items="请写明文号",
                                period_until=date(2026, 3, 20), today=date(2026, 3, 4))
    status = services.public_status(req)
    assert status["status"] == "awaiting_correction" and status["status_label"] == "需要补正"
    assert status["can_correct"] is True and status["correction_items"] == "请写明文号"


# --- confirm_receipt / reject_submission ----------------------------------------------------------


def test_confirmation_receives_numbers_and_starts_the_clock(submitted, people):
    req, _code = submitted
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    req.refresh_from_db()
    assert req.status == Status.REGISTERED
    assert req.received_on == req.confirmed_on == date(2026, 3, 3)
    assert req.ref and req.ref_year == 2026 and req.ref_seq == 1
    assert req.due_on is not None and req.due_on > date(2026, 3, 3)
    event = req.events.get(action="confirm_receipt")
    assert (event.from_status, event.to_status, event.actor) == ("submitted", "registered", people["clerk"])
    assert event.data["received_on"] == "2026-03-03"


def test_another_receipt_day_needs_a_reason(submitted, people):
    req, _code = submitted
    with pytest.raises(WorkflowError) as caught:
        services.confirm_receipt(req, actor=people["clerk"], received_on=date(2026, 3, 2), today=date(2026, 3, 4))
    assert caught.value.field == "reason"
    with pytest.raises(WorkflowError) as caught:
        services.confirm_receipt(req, actor=people["clerk"], received_on=date(2026, 3, 1), reason="x",
                                 today=date(2026, 3, 4))
    assert caught.value.field == "received_on"  # before the submission
    services.confirm_receipt(req, actor=people["clerk"], received_on=date(2026, 3, 2), reason="周一已电话确认",
                             today=date(2026, 3, 4))
    req.refresh_from_db()
    assert req.received_on == date(2026, 3, 2) and req.receipt_override_reason == "周一已电话确认"


def test_confirmation_numbers_follow_the_units_registered_requests(tree, people):
    registered = services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="李四",
        channel="in_person", submitted_on=date(2026, 3, 2), content="某文件", today=date(2026, 3, 2),
    )
    a, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    b, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    services.confirm_receipt(a, actor=people["clerk"], today=date(2026, 3, 3))
    services.confirm_receipt(b, actor=people["clerk"], today=date(2026, 3, 3))
    assert [registered.ref_seq, a.ref_seq, b.ref_seq] == [1, 2, 3]


def test_only_staff_of_the_unit_confirm(submitted, people):
    req, _code = submitted
    for who in ("other_clerk", "town_clerk", "supervisor", "legal"):
        with pytest.raises(services.NotPermitted):
            services.confirm_receipt(req, actor=people[who], today=date(2026, 3, 3))
    req.refresh_from_db()
    assert req.status == Status.SUBMITTED


def test_a_confirmed_request_cannot_be_confirmed_again(submitted, people):
    req, _code = submitted
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    with pytest.raises(InvalidTransition):
        services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    with pytest.raises(InvalidTransition):
        services.reject_submission(req, actor=people["clerk"], reason="重复", today=date(2026, 3, 3))


def test_a_stale_version_is_refused(submitted, people):
    req, _code = submitted
    with pytest.raises(services.write.ConcurrentChange):
        services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3), expected_version=req.version + 1)


def test_rejection_needs_a_reason_and_leaves_no_number(submitted, people):
    req, _code = submitted
    with pytest.raises(WorkflowError) as caught:
        services.reject_submission(req, actor=people["clerk"], reason="  ", today=date(2026, 3, 2))
    assert caught.value.field == "reason"
    services.reject_submission(req, actor=people["head"], reason="同一申请重复提交。", today=date(2026, 3, 2))
    req.refresh_from_db()
    assert req.status == Status.REJECTED and req.ref == "" and req.concluded_on is None and req.due_on is None
    assert req.reply_data["reason"] == "同一申请重复提交。"


def test_submissions_do_not_change_the_annual_report(tree, people):
    services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="李四",
        channel="in_person", submitted_on=date(2026, 3, 2), content="某文件", today=date(2026, 3, 2),
    )
    before = year_counts(requests_in(tree["root"]), Period(2026))
    waiting, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    rejected, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    services.reject_submission(rejected, actor=people["clerk"], reason="空白", today=date(2026, 3, 2))
    assert year_counts(requests_in(tree["root"]), Period(2026)) == before
    assert not DisclosureRequest.objects.open().filter(pk__in=[waiting.pk, rejected.pk]).exists()
    services.confirm_receipt(waiting, actor=people["clerk"], today=date(2026, 3, 3))
    assert year_counts(requests_in(tree["root"]), Period(2026)) != before


# --- submit_correction ----------------------------------------------------------------------------


def _awaiting_correction(submitted, people):
    req, code = submitted
    services.confirm_receipt(req, actor=people["clerk"], today=date(2026, 3, 3))
    services.request_correction(req, actor=people["clerk"], requested_on=date(2026, 3, 4), items="请写明文号",
                                period_until=date(2026, 3, 20), today=date(2026, 3, 4))
    return req, code


def test_an_online_correction_waits_for_the_clerk_and_restarts_the_clock(submitted, people):
    req, code = _awaiting_correction(submitted, people)
    services.submit_correction(req=req, tracking_code=code, data={"content": "文号为金东发改〔2025〕12号"},
                               now=datetime(2026, 3, 5, 2, 0, tzinfo=UTC))
    req.refresh_from_db()
    assert req.status == Status.AWAITING_CORRECTION and req.online_correction_at is not None
    assert services.public_status(req)["can_correct"] is False
    assert services.public_status(req)["correction_pending"] is True
    event = req.events.get(action="submit_correction")
    assert event.actor is None and event.data["content"] == "文号为金东发改〔2025〕12号"
    with pytest.raises(ValidationError):  # once per round
        services.submit_correction(req=req, tracking_code=code, data={"content": "again"})
    services.record_correction(req, actor=people["clerk"], received_on=date(2026, 3, 6), today=date(2026, 3, 6))
    req.refresh_from_db()
    assert req.status == Status.REVIEWING and req.correction_received_on == date(2026, 3, 6)
    assert req.online_correction_at is None and req.clock_start_on == date(2026, 3, 6)


def test_no_correction_without_a_notice_or_with_a_wrong_code(submitted, people):
    req, code = submitted
    with pytest.raises(ValidationError):
        services.submit_correction(req=req, tracking_code=code, data={"content": "补正"})
    req, code = _awaiting_correction(submitted, people)
    with pytest.raises(ValidationError) as caught:
        services.submit_correction(req=req, tracking_code=intake.new_tracking_code(), data={"content": "补正"})
    assert "tracking_code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.submit_correction(req=req, tracking_code=code, data={"content": ""})
    assert "content" in caught.value.message_dict
    assert not RequestEvent.objects.filter(action="submit_correction").exists()


def test_submissions_are_no_rows_of_the_ledger(tree, people):
    from disclosure.ledger.export import ledger_queryset

    waiting, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    rejected, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    confirmed, _c = services.submit_application(unit=tree["dept"], data=application(), now=NOW)
    services.reject_submission(rejected, actor=people["clerk"], reason="空白", today=date(2026, 3, 2))
    services.confirm_receipt(confirmed, actor=people["clerk"], today=date(2026, 3, 3))
    assert list(ledger_queryset(year=2026)) == [confirmed]
    assert list(ledger_queryset(unit=tree["root"])) == [confirmed]
