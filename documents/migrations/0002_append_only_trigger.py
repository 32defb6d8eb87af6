"""On PostgreSQL the database itself keeps issued documents as they were issued: no DELETE, and an
UPDATE may only add the PDF once (pdf was NULL) or record a conversion error — the DOCX, number,
date, addressee, issuer and verification code never change. SQLite is left without the trigger
(the model and its QuerySet refuse the same), as for the audit log."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION documents_document_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'documents_document is append-only (DELETE refused)';
    END IF;
    IF (NEW.kind, NEW.request_id, NEW.unit_id, NEW.number, NEW.family, NEW.year, NEW.seq, NEW.addressee,
        NEW.dated_on, NEW.docx, NEW.docx_sha256, NEW.issued_by_id, NEW.issued_at, NEW.replaces_id,
        NEW.reissue_reason, NEW.verification_code, NEW.consultation_id, NEW.fee_notice_id)
       IS DISTINCT FROM
       (OLD.kind, OLD.request_id, OLD.unit_id, OLD.number, OLD.family, OLD.year, OLD.seq, OLD.addressee,
        OLD.dated_on, OLD.docx, OLD.docx_sha256, OLD.issued_by_id, OLD.issued_at, OLD.replaces_id,
        OLD.reissue_reason, OLD.verification_code, OLD.consultation_id, OLD.fee_notice_id) THEN
        RAISE EXCEPTION 'an issued document never changes (UPDATE of its content refused)';
    END IF;
    IF OLD.pdf IS NOT NULL AND (NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256) THEN
        RAISE EXCEPTION 'an issued document''s PDF is stored once (UPDATE refused)';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER documents_document_append_only
    BEFORE UPDATE OR DELETE ON documents_document
    FOR EACH ROW EXECUTE FUNCTION documents_document_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS documents_document_append_only ON documents_document;
DROP FUNCTION IF EXISTS documents_document_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_documents")]
    operations = [migrations.RunPython(create, drop)]
