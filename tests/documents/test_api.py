"""The letters routes of letters.md: GET …/letters/, GET …/letters/{kind}/, POST …/issue/, GET letters/{id}/file/."""

import io

import pytest
from docx import Document as Docx

from documents import pdf, services
from documents.models import Document, LetterCounter
from security.models import AuditEntry

from .records import handling, replied, with_prefix


@pytest.fixture(autouse=True)
def setup(tree, monkeypatch):
    with_prefix(tree["dept"])
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)


@pytest.fixture
def reply_req(people, tree):
    return replied(people["clerk"], tree["dept"])


def url(req, tail=""):
    return f"/api/v1/requests/{req.pk}/letters/{tail}"


def test_the_list_has_the_drafts_available_now_and_no_issued_documents_yet(reply_req, people, as_user):
    response = as_user(people["clerk"]).get(url(reply_req))
    assert response.status_code == 200
    body = response.json()
    assert body["issued"] == []
    kinds = {d["kind"]: d for d in body["drafts"]}
    assert kinds["reply"]["can_issue"] is True and kinds["reply"]["missing"] == []
    assert "extension_notice" not in kinds


def test_a_draft_as_txt_and_docx_takes_no_number(reply_req, people, as_user):
    client = as_user(people["clerk"])
    txt = client.get(url(reply_req, "reply/"))
    assert txt.status_code == 200 and txt["Content-Type"].startswith("text/plain")
    assert "答复书" in txt.content.decode("utf-8")
    docx = client.get(url(reply_req, "reply/"), {"format": "docx"})
    assert docx.status_code == 200 and "attachment" in docx["Content-Disposition"]
    assert "答复书" in "\n".join(p.text for p in Docx(io.BytesIO(docx.content)).paragraphs)
    assert not LetterCounter.objects.exists()


def test_a_draft_pdf_without_libreoffice_is_503_saying_what_to_install(reply_req, people, as_user, monkeypatch):
    def missing(data, *, timeout):
        raise pdf.PdfUnavailable("未安装 LibreOffice：" + pdf.INSTALL_HINT)

    monkeypatch.setattr(pdf, "docx_to_pdf", missing)
    response = as_user(people["clerk"]).get(url(reply_req, "reply/"), {"format": "pdf"})
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "pdf_unavailable" and "libreoffice-writer-nogui" in error["message"]


def test_issue_takes_the_number_and_the_file_route_serves_the_stored_bytes_audited(reply_req, people, as_user):
    client = as_user(people["clerk"])
    response = client.post(url(reply_req, "reply/issue/"), {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == "金东发改复〔2026〕1号" and body["pdf_state"] == "pending"
    document = Document.objects.get(pk=body["id"])
    file = client.get(f"/api/v1/letters/{document.pk}/file/")
    assert file.status_code == 200 and file.content == bytes(document.docx)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DOWNLOAD, target_id=str(document.pk)).count() == 1
    # the kind's route now answers the issued document, as issued
    issued = client.get(url(reply_req, "reply/"), {"format": "docx"})
    assert issued.content == bytes(document.docx)
    pending = client.get(f"/api/v1/letters/{document.pk}/file/", {"format": "pdf"})
    assert pending.status_code == 503 and "正在生成" in pending.json()["error"]["message"]
    listed = client.get(url(reply_req)).json()
    assert [d["number"] for d in listed["issued"]] == [document.number]


def test_a_second_issue_is_refused_and_a_reissue_names_the_first(reply_req, people, as_user):
    client = as_user(people["clerk"])
    first = client.post(url(reply_req, "reply/issue/"), {}, format="json").json()
    again = client.post(url(reply_req, "reply/issue/"), {}, format="json")
    assert again.status_code == 400 and first["number"] in again.json()["error"]["message"]
    no_reason = client.post(url(reply_req, "reply/issue/"), {"replaces": first["id"]}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    second = client.post(url(reply_req, "reply/issue/"), {"replaces": first["id"], "reason": "地址有误"}, format="json")
    assert second.status_code == 201 and second.json()["replaces"] == first["id"]


def test_a_letter_that_does_not_apply_is_400_with_the_reason_and_no_number(people, tree, as_user):
    req = handling(people["clerk"], tree["dept"])
    client = as_user(people["clerk"])
    for kind in ("extension_notice", "reply", "delay_notice"):
        response = client.post(url(req, f"{kind}/issue/"), {}, format="json")
        assert response.status_code == 400, response.content
        assert response.json()["error"]["message"]
        assert client.get(url(req, f"{kind}/")).status_code == 400
    assert not Document.objects.exists() and not LetterCounter.objects.exists()


@pytest.mark.parametrize(("path", "query"), [
    ("nonsense/", {}), ("reply/", {"format": "exe"}), ("fee_notice/", {"target": "abc"}),
    ("consultation_letter/", {"target": "999999"}), ("reply/", {"format": "\x00"}),
])
def test_bad_input_is_an_error_in_the_api_s_shape_never_a_500(reply_req, people, as_user, path, query):
    response = as_user(people["clerk"]).get(url(reply_req, path), query)
    assert response.status_code in (400, 404), response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}


@pytest.mark.parametrize("body", [{"on": "2026-13-45"}, {"target": "x"}, {"replaces": 999999, "reason": "x"},
                                  {"reason": "x" * 600}])
def test_bad_issue_input_is_400(reply_req, people, as_user, body):
    response = as_user(people["clerk"]).post(url(reply_req, "reply/issue/"), body, format="json")
    assert response.status_code == 400, response.content
    assert not Document.objects.exists()


def test_a_supervisor_reads_but_cannot_issue(reply_req, people, as_user):
    client = as_user(people["supervisor"])
    assert client.get(url(reply_req)).status_code == 200
    assert client.post(url(reply_req, "reply/issue/"), {}, format="json").status_code == 403
    assert not Document.objects.exists()


def test_the_schema_documents_the_letters_routes(client, people):
    client.force_login(people["clerk"])  # the schema is for signed-in staff only (issue 14)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    body = response.content.decode()
    for route in ("/api/v1/requests/{id}/letters/", "/api/v1/requests/{id}/letters/{kind}/",
                  "/api/v1/requests/{id}/letters/{kind}/issue/", "/api/v1/letters/{id}/file/"):
        assert route.replace("{id}", "{pk}") in body or route in body, route


def test_a_failed_pdf_can_be_sent_again(reply_req, people, as_user, monkeypatch):
    client = as_user(people["clerk"])
    document = Document.objects.get(pk=client.post(url(reply_req, "reply/issue/"), {}, format="json").json()["id"])
    document.fail_pdf("超时")
    failed = client.get(f"/api/v1/letters/{document.pk}/file/", {"format": "pdf"})
    assert failed.status_code == 503 and "超时" in failed.json()["error"]["message"]
    sent = []
    monkeypatch.setattr(services, "send_now", lambda task, *args: sent.append(args) or True)
    response = client.post(f"/api/v1/letters/{document.pk}/retry-pdf/")
    assert response.status_code == 202 and sent == [(document.pk,)]
    assert as_user(people["supervisor"]).post(f"/api/v1/letters/{document.pk}/retry-pdf/").status_code == 403
