"""documents.services: issuing takes the 文号 and stores the DOCX once; refusals leave nothing behind."""

import io
from datetime import UTC, date, datetime

import pytest
from docx import Document as Docx

from disclosure import services as disclosure_services
from disclosure.models import RequestEvent
from disclosure.workflow import WorkflowError
from documents import services
from documents.models import Document, LetterCounter
from security.models import AuditEntry

from .records import TODAY, handling, replied, with_prefix

NOW = datetime(2026, 3, 16, 9, 30, tzinfo=UTC)


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Docx(io.BytesIO(data)).paragraphs)


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The PDF is handed to a worker on commit: record the hand-offs instead of reaching a broker."""
    sent = []
    monkeypatch.setattr(services, "send_now", lambda task, *args: sent.append(args) or True)
    return sent


@pytest.fixture(autouse=True)
def prefixed(tree):
    with_prefix(tree["dept"])


@pytest.fixture
def reply_req(people, tree):
    return replied(people["clerk"], tree["dept"])


def test_issuing_a_reply_takes_the_first_number_of_the_family_and_stores_the_docx(reply_req, people, tree):
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], now=NOW, today=TODAY)
    assert doc.number == "金东发改复〔2026〕1号"
    assert (doc.family, doc.year, doc.seq) == ("复", 2026, 1)
    assert doc.dated_on == date(2026, 3, 16)  # the reply date
    assert doc.addressee == "张三"
    assert doc.docx_sha256 == services.render.sha256(bytes(doc.docx))
    text = docx_text(bytes(doc.docx))
    assert "金东发改复〔2026〕1号" in text and doc.verification_code in text
    assert len(doc.verification_code) == 10
    reply_req.refresh_from_db()
    assert reply_req.reply_data["letter_number"] == "金东发改复〔2026〕1号"
    event = RequestEvent.objects.filter(request=reply_req, action="issue_document").get()
    assert event.data["number"] == doc.number and event.actor == people["clerk"]


def test_without_a_letter_prefix_the_reference_prefix_without_its_kai_is_used(people, tree):
    req = replied(people["clerk"], with_prefix(tree["dept"], "", ref_prefix="金东公开"))
    assert services.issue_document(req, "reply", actor=people["clerk"], today=TODAY).number == "金东公复〔2026〕1号"


def test_the_unit_s_own_prefix_is_used_and_each_family_counts_by_itself(people, tree):
    unit = tree["dept"]
    first = replied(people["clerk"], unit)
    second = replied(people["clerk"], unit, applicant_name="李四")
    a = services.issue_document(first, "reply", actor=people["clerk"], today=TODAY)
    b = services.issue_document(second, "reply", actor=people["clerk"], today=TODAY)
    r = services.issue_document(second, "receipt", actor=people["clerk"], today=TODAY)
    assert [a.number, b.number, r.number] == ["金东发改复〔2026〕1号", "金东发改复〔2026〕2号", "金东发改收〔2026〕1号"]


def test_a_unit_without_any_prefix_is_refused_with_the_field_to_fill_in(people, tree):
    unit = tree["dept"]
    unit.ref_prefix = unit.letter_prefix = ""
    unit.save()
    req = replied(people["clerk"], unit)
    with pytest.raises(WorkflowError) as exc:
        services.issue_document(req, "reply", actor=people["clerk"], today=TODAY)
    assert "文号前缀" in str(exc.value.message)
    assert not Document.objects.exists() and not LetterCounter.objects.filter(last__gt=0).exists()


def test_a_letter_that_does_not_apply_is_a_message_and_takes_no_number(people, tree):
    req = handling(people["clerk"], tree["dept"])
    with pytest.raises(WorkflowError) as exc:
        services.issue_document(req, "extension_notice", actor=people["clerk"], today=TODAY)
    assert exc.value.field == "kind"
    with pytest.raises(WorkflowError):
        services.issue_document(req, "reply", actor=people["clerk"], today=TODAY)
    assert not Document.objects.exists()
    assert not LetterCounter.objects.exists()


def test_a_refused_reply_without_reasons_is_refused_by_the_service_before_any_letter(people, tree):
    req = handling(people["clerk"], tree["dept"])
    with pytest.raises(WorkflowError):
        disclosure_services.submit_for_legal_review(req, actor=people["clerk"], outcome="refused.third_party",
                                                    reply_data={})
    assert not Document.objects.exists()


def test_a_failure_after_the_number_was_taken_rolls_the_number_back(reply_req, people, monkeypatch):
    def broken(ctx, template=None):
        raise RuntimeError("模板损坏")

    monkeypatch.setattr(services.render, "render_docx", broken)
    with pytest.raises(WorkflowError) as exc:
        services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    assert "文书生成失败" in str(exc.value.message)
    assert not Document.objects.exists()
    assert not LetterCounter.objects.filter(last__gt=0).exists()  # the counter's increment was rolled back
    monkeypatch.undo()
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    assert doc.seq == 1  # the number the failed issue took was never stored, so it is the next one


def test_a_second_issue_of_the_same_letter_is_refused_a_reissue_names_the_first(reply_req, people):
    first = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    with pytest.raises(WorkflowError) as exc:
        services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    assert first.number in str(exc.value.message)
    with pytest.raises(WorkflowError) as exc:
        services.reissue_document(first, actor=people["clerk"], reason=" ")
    assert exc.value.field == "reason"
    second = services.reissue_document(first, actor=people["clerk"], reason="申请人姓名有误", today=TODAY)
    assert second.replaces == first and second.seq == 2 and second.reissue_reason == "申请人姓名有误"
    reply_req.refresh_from_db()
    assert reply_req.reply_data["letter_number"] == second.number
    with pytest.raises(WorkflowError):  # the replaced one cannot be reissued again
        services.reissue_document(first, actor=people["clerk"], reason="再次更正")
    assert services.live_document(reply_req, "reply") == second


@pytest.mark.parametrize("who", ["supervisor", "legal", "other_clerk", "town_clerk"])
def test_only_acting_staff_of_the_unit_may_issue(who, reply_req, people):
    with pytest.raises(disclosure_services.NotPermitted):
        services.issue_document(reply_req, "reply", actor=people[who], today=TODAY)
    assert not Document.objects.exists()


def test_the_pdf_is_handed_to_the_worker_only_after_commit(reply_req, people, no_broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    assert no_broker == [(doc.pk,)]


def test_a_download_is_audited_and_an_event(reply_req, people):
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    letter = services.issued_file(doc, "docx")
    services.record_download(doc, "docx", actor=people["clerk"])
    assert letter.data == bytes(doc.docx)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DOWNLOAD)
    assert entry.target_id == str(doc.pk) and entry.detail["number"] == doc.number
    assert RequestEvent.objects.filter(request=reply_req, action="download_document").count() == 1


def test_a_pdf_not_yet_made_or_failed_says_so_and_the_docx_stays(reply_req, people):
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    with pytest.raises(services.PdfNotAvailable) as exc:
        services.issued_file(doc, "pdf")
    assert "正在生成" in str(exc.value.message)
    doc.fail_pdf("soffice 退出码 1")
    with pytest.raises(services.PdfNotAvailable) as exc:
        services.issued_file(Document.objects.get(pk=doc.pk), "pdf")
    assert "soffice 退出码 1" in str(exc.value.message) and "重试" in str(exc.value.message)
    assert services.issued_file(doc, "docx").data == bytes(doc.docx)


def test_sign_reply_issues_the_letter_in_the_same_transaction(people, tree):
    req = handling(people["clerk"], tree["dept"])
    disclosure_services.submit_for_sign_off(req, actor=people["clerk"], outcome="granted", reply_data={})
    doc = services.sign_reply(req, actor=people["head"], outcome="granted", replied_on=date(2026, 3, 16),
                              reply_data={}, today=TODAY)
    req.refresh_from_db()
    assert req.status == "replied" and req.reply_data["letter_number"] == doc.number


def test_sign_reply_whose_letter_cannot_be_issued_is_not_signed(people, tree):
    with_prefix(tree["dept"], "", ref_prefix="")
    req = handling(people["clerk"], tree["dept"])
    disclosure_services.submit_for_sign_off(req, actor=people["clerk"], outcome="granted", reply_data={})
    with pytest.raises(WorkflowError):
        services.sign_reply(req, actor=people["head"], outcome="granted", replied_on=date(2026, 3, 16),
                            reply_data={}, today=TODAY)
    req.refresh_from_db()
    assert req.status == "sign_off" and not Document.objects.exists()


def test_archive_needs_the_issued_reply_and_names_it(reply_req, people):
    with pytest.raises(WorkflowError) as exc:
        disclosure_services.archive(reply_req, actor=people["clerk"], delivery_method="EMS",
                                    delivered_on=date(2026, 3, 18), today=TODAY)
    assert "答复书尚未出具" in str(exc.value.message)
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    disclosure_services.archive(reply_req, actor=people["clerk"], delivery_method="EMS",
                                delivered_on=date(2026, 3, 18), today=TODAY)
    event = reply_req.events.get(action="archive")
    assert event.data["delivered_document"] == doc.number


def test_drafts_list_the_kinds_that_apply_now(reply_req, people):
    kinds = {d.kind for d in services.drafts_available(reply_req, today=TODAY)}
    assert {"receipt", "reply"} <= kinds
    assert "extension_notice" not in kinds and "consultation_letter" not in kinds


def test_a_draft_takes_no_number(reply_req):
    letter = services.draft_file(reply_req, "reply", "txt", today=TODAY)
    assert "答复书" in letter.data.decode("utf-8")
    services.draft_file(reply_req, "reply", "docx", today=TODAY)
    assert not LetterCounter.objects.exists() and not Document.objects.exists()


def test_a_bad_format_or_kind_is_a_field_error(reply_req):
    with pytest.raises(WorkflowError) as exc:
        services.draft_file(reply_req, "reply", "exe")
    assert exc.value.field == "format"
    with pytest.raises(WorkflowError) as exc:
        services.draft_file(reply_req, "nonsense", "txt")
    assert exc.value.field == "kind"


def test_a_ledger_imported_reply_is_a_draft_marked_to_fill_in_and_cannot_be_issued(people, tree):
    from disclosure.ledger import import_ledger

    csv = ("ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,content,concluded_on,result\n"
           "L-1,jd-fgj,letter,2025-03-01,2025-03-03,natural_person,赵六,某项目批复,2025-03-20,refused.third_party\n")
    import_ledger(csv.encode("utf-8"))
    from disclosure.models import DisclosureRequest

    req = DisclosureRequest.objects.get(ref="L-1")
    text = services.draft_file(req, "reply", "txt").data.decode("utf-8")
    assert "【待填写：" in text
    draft = next(d for d in services.drafts_available(req) if d.kind == "reply")
    assert draft.missing and not draft.can_issue
    with pytest.raises(WorkflowError) as exc:
        services.issue_document(req, "reply", actor=people["clerk"])
    assert "还缺少" in str(exc.value.message)
    assert not Document.objects.exists() and not LetterCounter.objects.filter(last__gt=0).exists()
    # and it may be archived without an issued 答复书: its letters are history
    disclosure_services.archive(req, actor=people["clerk"], delivery_method="邮寄", delivered_on=date(2025, 3, 22),
                                today=TODAY)


def test_the_txt_of_an_issued_document_is_what_was_issued_even_after_the_record_changes(reply_req, people):
    doc = services.issue_document(reply_req, "reply", actor=people["clerk"], today=TODAY)
    before = services.issued_file(doc, "txt").data.decode("utf-8")
    assert doc.number in before and "张三" in before
    type(reply_req).objects.filter(pk=reply_req.pk).update(applicant_name="李四")  # a later edit of the record
    assert services.issued_file(Document.objects.get(pk=doc.pk), "txt").data.decode("utf-8") == before
