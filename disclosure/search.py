"""Full-text search of requests: the reference by its start, the applicant's name, the content and
the reply's text (答复要素) anywhere, fast at a million rows.

- PostgreSQL: `UPPER(col::text) LIKE UPPER('%term%')` on each column, each served by its pg_trgm GIN
  index (migrations 0009 and 0013); terms under three characters give no trigram and scan.
- SQLite: the FTS5 table of migration 0013 (trigram tokenizer), `MATCH` for terms of three characters
  or more; shorter terms scan the FTS table with instr() (FTS5's own LIKE misses 2-character CJK
  terms in SQLite 3.40). Without FTS5, LIKE on the request table (the reply's text then unsearched).

Each whitespace-separated term must match (AND), in any of the fields (OR), as Django's admin does.
"""

from __future__ import annotations

import sqlite3

from django.db import connections
from django.db.models import Q, TextField
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils.text import smart_split, unescape_string_literal

TABLE = "disclosure_disclosurerequest"
FTS = "disclosure_request_fts"
FTS_COLUMNS = ("applicant_name", "content", "reply_text")
REPLY_TEXT = "(SELECT group_concat(value, ' ') FROM json_each({row}.reply_data) WHERE type = 'text')"
TRIGGERS = (f"{FTS}_insert", f"{FTS}_update", f"{FTS}_delete")


def terms(search_term: str) -> list[str]:
    found = []
    for bit in smart_split(search_term):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if bit.strip():
            found.append(bit.strip())
    return found


def _probe_trigram() -> bool:
    """Whether this Python's SQLite has FTS5 with the trigram tokenizer (3.34+), asked once, in memory."""
    try:
        probe = sqlite3.connect(":memory:")
        try:
            probe.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        finally:
            probe.close()
    except sqlite3.Error:
        return False
    return True


SQLITE_TRIGRAM = _probe_trigram()


def has_fts(alias: str = "default") -> bool:
    """On SQLite with the trigram tokenizer migration 0013 made the FTS table (no query to ask)."""
    return connections[alias].vendor == "sqlite" and SQLITE_TRIGRAM


def _fts_ids(term: str) -> RawSQL:
    if len(term) >= 3:
        phrase = '"' + term.replace('"', '""') + '"'  # one FTS5 phrase: no operator in a user's term
        return RawSQL(f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s", [phrase])
    where = " OR ".join(f"instr(lower({c}), lower(%s)) > 0" for c in FTS_COLUMNS)
    return RawSQL(f"SELECT rowid FROM {FTS} WHERE {where}", [term] * len(FTS_COLUMNS))


def search_requests(queryset, search_term: str, *, alias: str = "default"):
    """The requests matching every term of `search_term` (see the module docstring)."""
    words = terms(search_term)
    if not words:
        return queryset
    vendor = connections[alias].vendor
    fts = has_fts(alias)
    if vendor == "postgresql":
        queryset = queryset.alias(gk_reply_text=Cast("reply_data", output_field=TextField()))
    for word in words:
        match = Q(ref__istartswith=word)
        if fts:
            match |= Q(pk__in=_fts_ids(word))
        else:
            match |= Q(applicant_name__icontains=word) | Q(content__icontains=word)
            if vendor == "postgresql":
                match |= Q(gk_reply_text__icontains=word)
        queryset = queryset.filter(match)
    return queryset


# --- the SQLite FTS table: created by migration 0013, its triggers re-made after every migrate ------


def install_sqlite_fts(connection) -> bool:
    """Create the FTS table and its triggers where missing; refill the table when a trigger was
    missing (Django's SQLite schema editor rebuilds a table to alter it, dropping its triggers, so a
    later migration of the request table would otherwise leave the index silently stale). Returns
    whether it (re)built the index."""
    if connection.vendor != "sqlite" or not SQLITE_TRIGRAM:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
                       [f"{FTS}%"])
        present = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = %s", [TABLE])
        if cursor.fetchone() is None:
            return False
        if FTS in present and all(t in present for t in TRIGGERS):
            return False
        new_text = REPLY_TEXT.format(row="new")
        values = f"VALUES (new.id, new.applicant_name, new.content, {new_text})"
        columns = f"{FTS} (rowid, applicant_name, content, reply_text)"
        cursor.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({', '.join(FTS_COLUMNS)}, "
                       "tokenize='trigram')")
        cursor.execute(f"DELETE FROM {FTS}")
        cursor.execute(f"INSERT INTO {columns} SELECT id, applicant_name, content, "
                       f"{REPLY_TEXT.format(row=TABLE)} FROM {TABLE}")
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON {TABLE} "
                       f"BEGIN INSERT INTO {columns} {values}; END")
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF applicant_name, content, "
                       f"reply_data ON {TABLE} BEGIN DELETE FROM {FTS} WHERE rowid = old.id; "
                       f"INSERT INTO {columns} {values}; END")
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {TABLE} "
                       f"BEGIN DELETE FROM {FTS} WHERE rowid = old.id; END")
    return True


def drop_sqlite_fts(connection) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for trigger in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        cursor.execute(f"DROP TABLE IF EXISTS {FTS}")
