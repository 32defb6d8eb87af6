"""An issued document never changes: only its PDF is added, once; the database backs the 文号's uniqueness."""

import pytest
from django.db import IntegrityError, connection, transaction

from documents import services
from documents.models import AppendOnly, Document, new_verification_code

from .records import replied


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)


@pytest.fixture
def document(people, tree):
    return services.issue_document(replied(people["clerk"], tree["dept"]), "reply", actor=people["clerk"])


def test_verification_codes_are_ten_base32_characters_and_differ():
    codes = {new_verification_code() for _ in range(500)}
    assert len(codes) == 500
    assert all(len(c) == 10 and set(c) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for c in codes)


def test_the_bytes_number_and_addressee_cannot_be_changed_or_the_document_deleted(document):
    document.docx = b"forged"
    with pytest.raises(AppendOnly):
        document.save()
    with pytest.raises(AppendOnly):
        document.save(update_fields=["docx"])
    with pytest.raises(AppendOnly):
        Document.objects.filter(pk=document.pk).update(number="伪造〔2026〕1号")
    with pytest.raises(AppendOnly):
        document.delete()
    with pytest.raises(AppendOnly):
        Document.objects.filter(pk=document.pk).delete()
    assert bytes(Document.objects.get(pk=document.pk).docx) != b"forged"


def test_the_pdf_is_stored_once_and_a_later_one_never_replaces_it(document):
    document.fail_pdf("超时")
    assert Document.objects.get(pk=document.pk).pdf_state == "failed"
    assert document.store_pdf(b"%PDF-1 first") is True
    stored = Document.objects.get(pk=document.pk)
    assert stored.pdf_state == "ready" and stored.pdf_error == "" and bytes(stored.pdf) == b"%PDF-1 first"
    assert document.store_pdf(b"%PDF-1 second") is False
    document.fail_pdf("不应记录")
    stored = Document.objects.get(pk=document.pk)
    assert bytes(stored.pdf) == b"%PDF-1 first" and stored.pdf_error == ""


def test_the_database_refuses_a_second_document_with_the_same_number(document):
    copy = {f.attname: getattr(document, f.attname) for f in Document._meta.concrete_fields if f.name != "id"}
    copy["verification_code"] = new_verification_code()
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(**copy)


def test_on_postgresql_the_trigger_refuses_what_the_orm_would_not_do(document):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET number = %s WHERE id = %s", ["伪造", document.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM documents_document WHERE id = %s", [document.pk])
    with transaction.atomic(), connection.cursor() as cursor:  # adding the PDF once is allowed
        cursor.execute("UPDATE documents_document SET pdf = %s, pdf_sha256 = 'x' WHERE id = %s", [b"%PDF", document.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE documents_document SET pdf = %s WHERE id = %s", [b"%PDF other", document.pk])
