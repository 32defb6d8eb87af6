"""Uploads checked by content and size; downloads served as attachments with nosniff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from disclosure.models import Attachment

from .builders import registered

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def req(people, tree):
    return registered(people["clerk"], tree["dept"])


def upload(client, req, name, content, description=""):
    return client.post(f"/api/v1/requests/{req.pk}/attachments/",
                       {"file": SimpleUploadedFile(name, content), "description": description}, format="multipart")


def test_a_pdf_is_stored_and_downloaded_as_an_attachment(req, people, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = as_user(people["clerk"])
    response = upload(api, req, "../../申请表.PDF", PDF, "申请表扫描件")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["content_type"], body["size"]) == ("申请表.pdf", "application/pdf", len(PDF))
    download = api.get(f"/api/v1/attachments/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert [a["id"] for a in api.get(f"/api/v1/requests/{req.pk}/attachments/").json()] == [body["id"]]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<html><body>hi</body></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("scan.pdf", b"<html><script>alert(1)</script></html>"),  # says PDF, is HTML
        ("scan.pdf", PDF + b"<script>alert(1)</script>"),  # a polyglot
        ("photo.png", PDF),  # content does not match the name
        ("notes.txt", b"<!DOCTYPE html><p>x</p>"),
        ("photo.png", PNG + b"<script>alert(1)</script>"),  # a polyglot
        ("notes.txt", b"\x00\x01binary"),
        ("run.exe", b"MZ\x90\x00"),
        ("noext", PDF),
        ("empty.pdf", b""),
    ],
)
def test_dangerous_or_mislabelled_uploads_are_refused(name, content, req, people, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = upload(as_user(people["clerk"]), req, name, content)
    assert response.status_code == 400, response.content
    assert "file" in response.json()["error"]["fields"]
    assert not Attachment.objects.exists()


def test_an_oversized_upload_is_413(req, people, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.GONGKAI_ATTACHMENT_MAX_BYTES = 1024
    response = upload(as_user(people["clerk"]), req, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not Attachment.objects.exists()


def test_a_supervisor_cannot_upload(req, people, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert upload(as_user(people["supervisor"]), req, "a.png", PNG).status_code == 403


def test_an_api_upload_writes_an_attach_event(req, people, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = upload(as_user(people["clerk"]), req, "答复书.pdf", PDF)
    assert response.status_code == 201, response.content
    event = req.events.order_by("id").last()
    assert (event.action, event.actor, event.data["attachment"]) == ("attach", people["clerk"], response.json()["id"])
