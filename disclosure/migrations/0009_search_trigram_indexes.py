"""Trigram (pg_trgm) GIN indexes for substring search on PostgreSQL.

Django's icontains / istartswith on PostgreSQL is `UPPER("col"::text) LIKE UPPER('%term%')`, so the
indexes are on that very expression: the API's search and the admin's search both use them, on
ref, applicant_name and content. A B-tree cannot serve a leading wildcard; at a million rows the
search scanned the whole table.

PostgreSQL only (SQLite has no pg_trgm), and not declared in models.py Meta for the same reason, so
`makemigrations --check` stays clean: the state is unchanged, only the database gains indexes.
Terms shorter than three characters give no trigram and fall back to a scan.
"""

from django.db import migrations

TABLE = "disclosure_disclosurerequest"
INDEXES = {
    "disclosure_request_ref_trgm": "ref",
    "disclosure_request_name_trgm": "applicant_name",
    "disclosure_request_content_trgm": "content",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )
    # Statistics of the indexed expressions, so the planner knows a term found in every row is better
    # served by walking the list's order than by the index (without them it guesses 100 rows).
    schema_editor.execute(f"ANALYZE {TABLE}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    # the extension stays: something else may use it, and it costs nothing unused


class Migration(migrations.Migration):
    dependencies = [
        ("disclosure", "0008_request_proceedings_counted_in_year"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
