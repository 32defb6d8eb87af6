"""The 文书 panel on a request's admin page, issuing with a step, and the unit's own templates."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from docx import Document as Docx

from disclosure.models import RequestEvent
from documents import render, services
from documents.models import Document, LetterTemplate
from security.models import AuditEntry

from .records import handling, replied


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)


def change_url(req):
    return reverse("admin:disclosure_disclosurerequest_change", args=[req.pk])


def admin_url(name, *args):
    return reverse(f"admin:disclosure_disclosurerequest_{name}", args=args)


def test_the_panel_offers_the_drafts_and_issues_with_a_number(client, people, tree):
    req = replied(people["clerk"], tree["dept"])
    client.force_login(people["clerk"])
    page = client.get(change_url(req)).content.decode()
    assert 'id="gk-letters"' in page and 'data-kind="reply"' in page and "出具（取文号）" in page
    draft = client.get(admin_url("letter_draft", req.pk, "reply", "txt"))
    assert draft.status_code == 200 and "答复书" in draft.content.decode()
    response = client.post(admin_url("letter_issue", req.pk, "reply"))
    assert response.status_code == 302
    document = Document.objects.get(request=req)
    page = client.get(change_url(req)).content.decode()
    assert document.number in page and "待生成" in page and "重新出具" in page


def test_a_download_of_an_issued_document_is_audited_and_an_event(client, people, tree):
    req = replied(people["clerk"], tree["dept"])
    document = services.issue_document(req, "reply", actor=people["clerk"])
    client.force_login(people["supervisor"])  # reading is allowed to the supervisor, and recorded
    response = client.get(admin_url("letter_file", req.pk, document.pk, "docx"))
    assert response.status_code == 200 and response.content == bytes(document.docx)
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD, target_id=str(document.pk)).exists()
    assert RequestEvent.objects.filter(request=req, action="download_document", actor=people["supervisor"]).exists()


def test_a_failed_pdf_shows_its_reason_and_a_retry(client, people, tree, monkeypatch):
    req = replied(people["clerk"], tree["dept"])
    document = services.issue_document(req, "reply", actor=people["clerk"])
    document.fail_pdf("LibreOffice 未安装")
    client.force_login(people["clerk"])
    page = client.get(change_url(req)).content.decode()
    assert "LibreOffice 未安装" in page and 'value="重试"' in page
    sent = []
    monkeypatch.setattr(services, "send_now", lambda task, *args: sent.append(args) or True)
    response = client.post(admin_url("letter_retry", req.pk, document.pk))
    assert response.status_code == 302 and sent == [(document.pk,)]
    pdf = client.get(admin_url("letter_file", req.pk, document.pk, "pdf"), follow=True)
    assert "LibreOffice 未安装" in pdf.content.decode()  # told why, on the page, not a 500


def test_a_reissue_needs_a_reason_and_names_the_replaced_document(client, people, tree):
    req = replied(people["clerk"], tree["dept"])
    first = services.issue_document(req, "reply", actor=people["clerk"])
    client.force_login(people["clerk"])
    refused = client.post(admin_url("letter_reissue", req.pk, first.pk), {"reason": ""}, follow=True)
    assert "须写明理由" in refused.content.decode()
    client.post(admin_url("letter_reissue", req.pk, first.pk), {"reason": "地址写错"})
    second = Document.objects.exclude(pk=first.pk).get()
    assert second.replaces == first
    assert "地址写错" in client.get(change_url(req)).content.decode()


def test_a_letter_that_cannot_be_issued_is_a_message_not_a_500(client, people, tree):
    req = handling(people["clerk"], tree["dept"])
    client.force_login(people["clerk"])
    response = client.post(admin_url("letter_issue", req.pk, "extension_notice"), follow=True)
    assert response.status_code == 200
    assert not Document.objects.exists()
    assert client.get(admin_url("letter_draft", req.pk, "nonsense", "txt")).status_code == 404


def test_the_step_issues_its_letter_when_ticked(client, people, tree):
    req = handling(people["clerk"], tree["dept"], submitted_on=timezone.localdate(), today=timezone.localdate())
    client.force_login(people["head"])
    url = admin_url("action", req.pk, "approve_extension")
    form = client.get(url).content.decode()
    assert 'name="issue_letter"' in form and "延期答复告知书" in form
    today = timezone.localdate().isoformat()
    response = client.post(url, {"seen_version": req.version, "days": "10", "approved_on": today, "notified_on": today,
                                 "reason": "需调取档案", "issue_letter": "on"})
    assert response.status_code == 302
    document = Document.objects.get(request=req)
    assert document.kind == "extension_notice" and document.number.startswith("金东发改延〔")


def test_the_head_s_sign_off_issues_the_reply(client, people, tree):
    from disclosure import services as disclosure_services

    req = handling(people["clerk"], tree["dept"], submitted_on=timezone.localdate(), today=timezone.localdate())
    disclosure_services.submit_for_legal_review(req, actor=people["clerk"], outcome="granted", reply_data={})
    disclosure_services.approve_legal_review(req, actor=people["legal"])
    client.force_login(people["head"])
    req.refresh_from_db()
    response = client.post(admin_url("action", req.pk, "reply"), {
        "seen_version": req.version, "replied_on": timezone.localdate().isoformat(), "issue_letter": "on"})
    assert response.status_code == 302
    req.refresh_from_db()
    document = Document.objects.get(request=req, kind="reply")
    assert req.status == "replied" and req.reply_data["letter_number"] == document.number
    assert document.issued_by == people["head"]


def test_a_supervisor_cannot_issue(client, people, tree):
    req = replied(people["clerk"], tree["dept"])
    client.force_login(people["supervisor"])
    assert client.post(admin_url("letter_issue", req.pk, "reply")).status_code == 403
    assert "出具（取文号）" not in client.get(change_url(req)).content.decode()


def _template(text: str) -> bytes:
    doc = Docx(io.BytesIO(render.default_template("reply")))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_a_unit_template_is_checked_on_upload_and_used_for_its_letters(client, people, tree):
    client.force_login(people["admin"])
    add = reverse("admin:documents_lettertemplate_add")
    page = client.get(add).content.decode()
    assert "{{ number }}" in page and "{{ remedy }}" in page  # the fields a template may use
    bad = SimpleUploadedFile("bad.docx", _template("{{ applicant_id_number }}"))
    response = client.post(add, {"unit": tree["dept"].pk, "kind": "reply", "upload": bad})
    assert response.status_code == 200
    assert "applicant_id_number" in response.content.decode()
    assert not LetterTemplate.objects.exists()
    broken = SimpleUploadedFile("broken.docx", b"PK\x03\x04 not a docx")
    response = client.post(add, {"unit": tree["dept"].pk, "kind": "reply", "upload": broken})
    assert response.status_code == 200 and not LetterTemplate.objects.exists()
    good = SimpleUploadedFile("ours.docx", _template("金东区发展和改革局信笺 {{ number }}"))
    response = client.post(add, {"unit": tree["dept"].pk, "kind": "reply", "upload": good})
    assert response.status_code == 302, response.content.decode()[:2000]
    req = replied(people["clerk"], tree["dept"])
    document = services.issue_document(req, "reply", actor=people["clerk"])
    text = "\n".join(p.text for p in Docx(io.BytesIO(bytes(document.docx))).paragraphs)
    assert f"金东区发展和改革局信笺 {document.number}" in text


def test_only_system_admins_upload_templates(client, people):
    client.force_login(people["clerk"])
    assert client.get(reverse("admin:documents_lettertemplate_add")).status_code == 403


def test_the_archive_form_names_the_document_delivered(client, people, tree):
    req = replied(people["clerk"], tree["dept"])
    document = services.issue_document(req, "reply", actor=people["clerk"])
    client.force_login(people["clerk"])
    form = client.get(admin_url("action", req.pk, "archive")).content.decode()
    assert f"送达的文书：政府信息公开申请答复书（{document.number}）" in form
