"""The ledger import plans outside the write transaction (SQLite's one write lock) and re-plans under
it when a request it read was changed in between; the INSERTs it compiled beforehand write the same
rows a plain bulk_create would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F

from disclosure.ledger import import_ledger
from disclosure.ledger import requests as ledger_requests
from disclosure.models import DisclosureRequest, RequestEvent

from ..ledger_samples import ID_NUMBER, ROWS, ledger_csv

pytestmark = pytest.mark.django_db


def test_new_requests_are_written_from_statements_compiled_before_the_transaction(tree, monkeypatch):
    depth = {}  # transactions open (the test's own included) when compiling and when writing
    prepare, flush = ledger_requests._Writes.prepare, ledger_requests._Writes.flush

    def watched_prepare(self):
        depth["prepare"] = len(connection.atomic_blocks)
        prepare(self)

    def watched_flush(self):
        depth["flush"] = len(connection.atomic_blocks)
        depth["precompiled"] = self.prepared is not None
        flush(self)

    monkeypatch.setattr(ledger_requests._Writes, "prepare", watched_prepare)
    monkeypatch.setattr(ledger_requests._Writes, "flush", watched_flush)
    result = import_ledger(ledger_csv(), source_name="a.csv")
    assert result.created == len(ROWS)
    assert depth["prepare"] == depth["flush"] - 1  # compiled outside the import's transaction
    assert depth["precompiled"] is connection.features.can_return_rows_from_bulk_insert
    stored = DisclosureRequest.objects.get(ref="FG-2025-001")
    assert stored.applicant_id_number == ID_NUMBER  # encrypted on the way in, readable on the way out
    assert RequestEvent.objects.filter(request=stored, action="import").count() == 1
    assert import_ledger(ledger_csv(), source_name="a.csv").unchanged == len(ROWS)


def test_a_request_changed_between_plan_and_write_is_planned_again_under_the_lock(tree, monkeypatch):
    import_ledger(ledger_csv(), source_name="first.csv")
    target = DisclosureRequest.objects.get(ref="FG-2026-001")
    prepare = ledger_requests._Writes.prepare
    plans = []
    original_plan = ledger_requests._plan_ledger

    def counting_plan(*args, **kwargs):
        plans.append(kwargs["lock"])
        return original_plan(*args, **kwargs)

    def someone_edits_meanwhile(self):
        prepare(self)
        if len(plans) == 1:  # after the first plan: another user's edit commits
            DisclosureRequest.objects.filter(pk=target.pk).update(version=F("version") + 1, content="别人刚改的内容")

    monkeypatch.setattr(ledger_requests, "_plan_ledger", counting_plan)
    monkeypatch.setattr(ledger_requests._Writes, "prepare", someone_edits_meanwhile)
    rows = [(ref, unit, received, id_number, "13911112222" if ref == "FG-2026-001" else contact, concluded, result)
            for ref, unit, received, id_number, contact, concluded, result in ROWS]
    result = import_ledger(ledger_csv(rows), source_name="second.csv")
    assert plans == [False, True]  # planned outside, found stale, planned again inside
    target.refresh_from_db()
    assert target.applicant_contact == "13911112222"
    assert target.version == 2  # the edit's version 1, then this import's: nothing overwritten unseen
    assert result.updated >= 1


def test_a_busy_database_at_the_statistics_refresh_does_not_fail_an_import_that_committed(tree, monkeypatch, caplog):
    from django.db import OperationalError

    class Busy:
        vendor = connection.vendor

        def cursor(self):
            raise OperationalError("database is locked")

    monkeypatch.setattr(ledger_requests, "connection", Busy())
    result = import_ledger(ledger_csv(), source_name="a.csv")
    assert result.created == len(ROWS)
    assert DisclosureRequest.objects.count() == len(ROWS)
    assert "planner statistics not refreshed" in caplog.text
