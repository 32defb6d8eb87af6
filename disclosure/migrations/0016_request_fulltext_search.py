"""Full-text search over the applicant's name, the content and the reply's text (答复要素); and the
报告编制人 staff role.

PostgreSQL: a pg_trgm GIN index on the reply's text, `UPPER(reply_data::text)` — the expression the
admin's search builds (disclosure/search.py); ref, applicant_name and content have theirs since 0009.

SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+), one row per request (rowid = its
id), kept by triggers on insert, update and delete (disclosure/search.py, re-made after every
migrate by apps.py should a table rebuild have dropped them). The reply's values are extracted with
json_each, so the text is searched as written (Django stores JSON on SQLite with \\uXXXX escapes).

Neither is declared in models.py (vendor-specific): `makemigrations --check` stays clean.
"""

from django.db import migrations, models

TABLE = "disclosure_disclosurerequest"
PG_INDEX = "disclosure_request_reply_trgm"


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING gin ((UPPER(("reply_data")::text)) gin_trgm_ops)'
        )
        schema_editor.execute(f"ANALYZE {TABLE}")
    elif connection.vendor == "sqlite":
        from disclosure.search import install_sqlite_fts

        install_sqlite_fts(connection)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    elif connection.vendor == "sqlite":
        from disclosure.search import drop_sqlite_fts

        drop_sqlite_fts(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0015_review_duties"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
        # 报告编制人 (StaffRole.Role.COMPILER), in this migration to keep the branch's migrations to one
        migrations.AlterField(
            model_name="staffrole",
            name="role",
            field=models.CharField(
                choices=[
                    ("clerk", "经办人"), ("reviewer", "审核人"), ("legal_reviewer", "法制审核人"),
                    ("head", "工作机构负责人"), ("supervisor", "督办人"), ("admin", "系统管理员"),
                    ("compiler", "报告编制人"),
                ],
                max_length=20,
                verbose_name="角色",
            ),
        ),
    ]
