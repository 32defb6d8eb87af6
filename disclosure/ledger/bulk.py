"""Inserting many rows of one model from plain values, without a model instance per row and without
Django's per-value insert compiler: the ledger import's writes (issue 12). A column whose value is
the same for every row (a default, the import's timestamp, its actor) is converted once; the others
are converted column by column, as bulk_create converts them (get_db_prep_save)."""

from __future__ import annotations

import functools
import gc
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from django.db.models import AutoField

from .. import crypto
from ..crypto import EncryptedCharField

# Most rows per INSERT statement; fewer when the backend caps the parameters of one statement.
WRITE_BATCH = 1000
PG_MAX_PARAMS = 65_535  # the protocol's limit on the parameters of one statement
CONVERT_CHUNK = 10_000  # rows converted column by column at a time (memory: one chunk's columns)

_PLAIN_TYPES = {
    "CharField": (str,), "TextField": (str,), "SlugField": (str,),
    "IntegerField": (int,), "PositiveIntegerField": (int,), "PositiveSmallIntegerField": (int,),
    "SmallIntegerField": (int,), "BigIntegerField": (int,), "BooleanField": (bool,), "ForeignKey": (int,),
    "DateField": date,
}


def converter(field, connection_, *, shared_tokens: dict | None = None):
    """A column's values (a list) → its database parameters, as field.get_db_prep_save gives each,
    converted column by column: a plain type passes straight through (a column of them as it is),
    anything else takes Django's own conversion. One comprehension per column instead of a call
    per value: with thirty-odd columns that is most of an import's conversion time.

    `shared_tokens` (an encrypted field only): equal values in one import share one Fernet token,
    encrypted once — for a column whose equality is public anyway (the ID number: its blind index)."""
    generic = functools.partial(field.get_db_prep_save, connection=connection_)
    if isinstance(field, EncryptedCharField):
        if shared_tokens is None:
            encrypt = crypto.encrypt
            return lambda values: [v if v is None or v == "" else encrypt(str(v)) for v in values]

        def shared(value):
            token = shared_tokens.get(value)
            if token is None:
                token = shared_tokens[value] = crypto.encrypt(str(value))
            return token

        return lambda values: [v if v is None or v == "" else shared(v) for v in values]
    internal = field.get_internal_type()
    if internal == "JSONField":
        adapt_json, encoder = connection_.ops.adapt_json_value, field.encoder
        # a dict or list is what get_db_prep_save would hand to adapt_json_value unchanged
        return lambda values: [adapt_json(v, encoder) if type(v) in (dict, list) else generic(v) for v in values]
    if internal not in _PLAIN_TYPES:
        return lambda values: [generic(v) for v in values]
    plain = _PLAIN_TYPES[internal]
    if plain is date:
        adapt = connection_.ops.adapt_datefield_value
        return lambda values: [adapt(v) if type(v) is date else (None if v is None else generic(v)) for v in values]

    def passthrough(values):
        if all(v is None or type(v) in plain for v in values):
            return values
        return [v if v is None or type(v) in plain else generic(v) for v in values]

    return passthrough


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector over a bulk job. An import holds every row's values
    until it writes them: millions of live dicts and tuples, none in a reference cycle, that each
    young- and old-generation collection would traverse again — a quarter of a 30,000-row import's
    CPU time, for nothing (reference counting frees them when the import lets go of them). Other
    threads' cycles are collected when the job ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def max_rows_per_statement(connection_, columns: int) -> int:
    connection_.ensure_connection()
    if connection_.vendor == "sqlite":
        limit = connection_.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if connection_.connection else 999
    elif connection_.vendor == "postgresql":
        limit = PG_MAX_PARAMS
    else:
        limit = connection_.features.max_query_params or PG_MAX_PARAMS
    return max(1, min(WRITE_BATCH, limit // max(columns, 1)))


class RowWriter:
    """Multi-row INSERT statements of `model` from dicts {attname: value} holding the `varying`
    fields; every other concrete field takes `constants[attname]`, else the model's default (an
    auto_now field: `constants` should name it). RETURNING the ids when asked."""

    def __init__(self, model, connection_, *, varying: Iterable[str], constants: dict | None = None,
                 shared_tokens: dict[str, dict] | None = None):
        opts = model._meta
        fields = [f for f in opts.concrete_fields
                  if not f.generated and not isinstance(f, AutoField) and not f.db_returning]
        varying = set(varying)
        constants = constants or {}
        template = model()
        shared_tokens = shared_tokens or {}
        self.model, self.connection = model, connection_
        self.var = [(f.attname, converter(f, connection_, shared_tokens=shared_tokens.get(f.attname)))
                    for f in fields if f.attname in varying]
        const_fields = [f for f in fields if f.attname not in varying]
        for f in const_fields:
            if f.attname in constants:
                setattr(template, f.attname, constants[f.attname])
        self.const = tuple(f.get_db_prep_save(getattr(template, f.attname) if f.attname in constants or not _is_auto(f)
                                         else f.pre_save(template, True), connection=connection_)
                      for f in const_fields)
        quote = connection_.ops.quote_name
        self.columns = [f.column for f in fields if f.attname in varying] + [f.column for f in const_fields]
        self.table = quote(opts.db_table)
        self.column_sql = ", ".join(quote(c) for c in self.columns)
        self.returning = [f for f in opts.db_returning_fields]
        self.batch = max_rows_per_statement(connection_, len(self.columns))
        mark = "?" if connection_.vendor == "sqlite" else "%s"  # see insert()
        self.row_sql = "(" + ", ".join([mark] * len(self.columns)) + ")"

    def params(self, rows: list[dict]) -> list[tuple]:
        """Each row's parameters, in the statement's column order (the expensive part: converting
        and encrypting; done before the write transaction)."""
        const, out = self.const, []
        for start in range(0, len(rows), CONVERT_CHUNK):  # the columns of a chunk at a time: flat memory
            chunk = rows[start : start + CONVERT_CHUNK]
            columns = [convert([row[name] for row in chunk]) for name, convert in self.var]
            out += [values + const for values in zip(*columns, strict=True)] if columns else [const for _r in chunk]
        return out

    def statements(self, params: list[tuple], *, returning: bool) -> list[tuple[int, int, str, list]]:
        """[(start, end, sql, flat params)] over `params` in batches (qmark placeholders on SQLite)."""
        out = []
        quote = self.connection.ops.quote_name
        tail = (" RETURNING " + ", ".join(quote(f.column) for f in self.returning)) if returning else ""
        for start in range(0, len(params), self.batch):
            chunk = params[start : start + self.batch]
            flat = [value for row in chunk for value in row]
            sql = f"INSERT INTO {self.table} ({self.column_sql}) VALUES {', '.join([self.row_sql] * len(chunk))}{tail}"
            out.append((start, start + len(chunk), sql, flat))
        return out

    def insert(self, params: list[tuple], *, returning: bool = False) -> list:
        """Write the rows; with `returning`, their ids in the rows' order. On PostgreSQL one COPY
        (ids taken from the table's sequence first, in one query), else multi-row INSERT … RETURNING
        in the rows' order, as bulk_create relies on."""
        if self.connection.vendor == "postgresql" and len(self.returning) == 1:
            return self._copy(params, returning=returning)
        ids: list = []
        with self.connection.cursor() as cursor, self.connection.wrap_database_errors:
            for start, end, sql, flat in self.statements(params, returning=returning):
                if self.connection.vendor == "sqlite":
                    # qmark placeholders straight to sqlite3: Django's wrapper would rewrite every
                    # %s of a statement of thousands with a regular expression, each time
                    sqlite3.Cursor.execute(cursor.cursor, sql, flat)
                else:
                    cursor.execute(sql, flat)
                if returning:
                    got = cursor.fetchall()
                    assert len(got) == end - start
                    ids += [row[0] for row in got]
        return ids


    def _copy(self, params: list[tuple], *, returning: bool) -> list:
        quote = self.connection.ops.quote_name
        ids: list = []
        columns = self.column_sql
        with self.connection.cursor() as cursor:
            if returning:
                key = self.returning[0].column
                cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                               [self.model._meta.db_table, key, len(params)])
                ids = sorted(row[0] for row in cursor.fetchall())
                columns = f"{quote(key)}, {columns}"
            with cursor.cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                if returning:
                    for pk, row in zip(ids, params, strict=True):
                        copy.write_row([pk, *row])
                else:
                    for row in params:
                        copy.write_row(row)
        return ids


def _is_auto(field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
