"""Polyglot uploads (right header, HTML or script inside) are refused by the shared validator, so the
admin refuses exactly what the API refuses."""

import io
import zipfile
from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from disclosure import services
from disclosure.models import Attachment
from disclosure.uploads import carries_active_markup

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
XMP = b'<?xpacket begin=""?><?xml version="1.0"?><x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>'


def zipped(**members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "refused"),
    [
        (PDF + b"<script>alert(1)</script>", True),
        (PDF + b"< SCRIPT src=x>", True),
        (PNG + b"<html><body onload=x>", True),
        (PDF + b"<!DOCTYPE html>", True),
        (PDF + b"<svg onload=alert(1)>", True),
        (PDF + b"<iframe src=x>", True),
        (PDF, False),
        (PDF + XMP, False),  # PDFs carry XML metadata: not active markup
        (PNG, False),
        (b"%PDF-1.4\n" + b"\x00" * 5000 + b"<script>", False),  # only the first 4 KB are sniffed
        (zipped(**{"[Content_Types].xml": "<Types/>", "word/document.xml": "<html>"}), False),  # zip: compressed
        ("<scripted> 申请".encode(), False),  # a word that begins like a tag name is not one
    ],
)
def test_active_markup_is_recognised_in_the_first_block(data, refused):
    assert carries_active_markup(data) is refused


@pytest.fixture
def req(tree, people):
    return services.register_request(
        actor=people["clerk"], unit=tree["dept"], applicant_type="natural_person", applicant_name="张三",
        channel="in_person", submitted_on=date(2026, 11, 2), content="申请公开某项目的批复文件",
        today=date(2026, 11, 20),
    )


def admin_upload(client, req, name, content):
    return client.post(
        reverse("admin:disclosure_disclosurerequest_attachment_upload", args=[req.pk]),
        {"file": SimpleUploadedFile(name, content), "description": ""},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.pdf", PDF + b"<script>alert(1)</script>"), ("photo.png", PNG + b"<html><script>alert(1)</script>")],
)
def test_the_admin_refuses_polyglots_naming_the_file(name, content, client, people, req, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["clerk"])
    response = admin_upload(client, req, name, content)
    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(name in m and "网页或脚本" in m for m in messages), messages
    assert not Attachment.objects.exists()


def test_the_admin_still_takes_a_pdf_with_xml_metadata(client, people, req, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(people["clerk"])
    admin_upload(client, req, "批复.pdf", PDF + XMP)
    assert Attachment.objects.get().name == "批复.pdf"
