"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit log (the ORM and the
admin already do). SQLite is left without the trigger: the test runner empties tables with DELETE there.
Purging old entries under a retention rule means dropping the trigger deliberately, as the owner."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION security_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'security_auditentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER security_auditentry_append_only
    BEFORE UPDATE OR DELETE ON security_auditentry
    FOR EACH ROW EXECUTE FUNCTION security_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS security_auditentry_append_only ON security_auditentry;
DROP FUNCTION IF EXISTS security_auditentry_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("security", "0001_audit_log")]
    operations = [migrations.RunPython(create, drop)]
