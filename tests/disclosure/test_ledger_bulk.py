"""The ledger import's bulk write path (issue 12): new requests and their events written from plain
values, a fixed number of queries whatever the number of rows, Fernet tokens, and the state rule
taken from the workflow (issue 13)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure.crypto import decrypt, is_token
from disclosure.ledger import import_ledger
from disclosure.models import Consultation, DisclosureRequest, FeeNotice, RequestEvent
from disclosure.workflow import FINER_OPEN, Action, Status, status_for_history

from ..ledger_samples import CONTACT, ID_NUMBER, ROWS, ledger_csv

OPEN_ROW = {"concluded": False, "outcome": "", "waiting_correction": False, "consulting": False}


@pytest.mark.parametrize("current", sorted(FINER_OPEN))
def test_a_finer_open_state_is_kept_where_the_ledger_says_only_handling(current):
    assert status_for_history(**OPEN_ROW, current=current) == current
    assert status_for_history(**{**OPEN_ROW, "consulting": True}, current=current) == Status.CONSULTING


def test_an_archived_request_stays_archived_and_a_new_one_gets_the_history_state():
    concluded = {**OPEN_ROW, "concluded": True, "outcome": "granted"}
    assert status_for_history(**concluded, current=Status.ARCHIVED) == Status.ARCHIVED
    assert status_for_history(**concluded) == status_for_history(**concluded, current=None) == Status.REPLIED


def test_each_new_request_gets_one_import_event_with_its_state_and_the_time_of_the_import(tree, people):
    import_ledger(ledger_csv(extra=20), actor=people["admin"], source_name="bulk.csv")
    requests = list(DisclosureRequest.objects.all())
    events = {e.request_id: e for e in RequestEvent.objects.all()}
    assert len(requests) == len(ROWS) + 20 == len(events) == RequestEvent.objects.count()
    for req in requests:
        event = events[req.pk]
        assert (event.action, event.from_status, event.to_status) == (Action.IMPORT, "", req.status)
        assert event.actor == people["admin"] and event.data["ref"] == req.ref and event.data["source"] == "bulk.csv"
        assert event.at == req.created_at == req.updated_at  # one timestamp for the whole import
    rows = DisclosureRequest.objects.filter(ref__startswith="FG-X-")
    assert Consultation.objects.filter(request__in=rows).count() == FeeNotice.objects.filter(request__in=rows).count() == 20


def test_equal_id_numbers_share_a_token_and_contacts_do_not(tree):
    same_contact = [("A-1", "jd-fgj", "2025-03-03", ID_NUMBER, CONTACT, "", ""),
                    ("A-2", "jd-fgj", "2025-03-04", ID_NUMBER, CONTACT, "", "")]
    import_ledger(ledger_csv(same_contact))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT applicant_id_number, applicant_contact FROM {DisclosureRequest._meta.db_table}")
        stored = cursor.fetchall()
    ids, contacts = {s[0] for s in stored}, {s[1] for s in stored}
    assert len(ids) == 1 and is_token(next(iter(ids))) and decrypt(next(iter(ids))) == ID_NUMBER
    assert len(contacts) == 2 and {decrypt(c) for c in contacts} == {CONTACT}
    assert {r.applicant_id_number for r in DisclosureRequest.objects.all()} == {ID_NUMBER}


def _queries_to_import(content: bytes) -> int:
    with CaptureQueriesContext(connection) as captured:
        import_ledger(content)
    return len(captured)


def test_a_first_import_takes_as_many_queries_for_ten_times_the_rows(tree):
    few = _queries_to_import(ledger_csv([], extra=30))
    many = _queries_to_import(ledger_csv([], extra=300).replace(b"FG-X-", b"FG-Y-"))
    assert DisclosureRequest.objects.count() == 330
    assert many == few
