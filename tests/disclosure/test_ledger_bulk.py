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


# --- converting a column at a time (bench figures in the README) ----------------------------------


@pytest.mark.django_db
def test_a_columns_parameters_are_what_get_db_prep_save_gives_each_value():
    from datetime import date

    from disclosure.ledger.bulk import CONVERT_CHUNK, RowWriter

    varying = ("unit_id", "ref", "ref_year", "received_on", "concluded_on", "due_is_provisional",
               "extension_days", "applicant_contact")
    writer = RowWriter(DisclosureRequest, connection, varying=varying)
    rows = [
        {"unit_id": 1, "ref": "A-1", "ref_year": 2025, "received_on": date(2025, 3, 3), "concluded_on": None,
         "due_is_provisional": False, "extension_days": 0, "applicant_contact": ""},
        # types the plain path does not take straight: Django's own conversion for those values
        {"unit_id": "2", "ref": "A-2", "ref_year": "2025", "received_on": "2025-03-04", "concluded_on": date(2025, 4, 1),
         "due_is_provisional": True, "extension_days": 20, "applicant_contact": CONTACT},
    ] * (CONVERT_CHUNK // 2 + 1)  # more than one chunk
    params = writer.params(rows)
    fields = {f.attname: f for f in DisclosureRequest._meta.concrete_fields}
    assert len(params) == len(rows)
    for row, got in zip(rows, params, strict=True):
        for position, name in enumerate(name for name, _convert in writer.var):
            expected = fields[name].get_db_prep_save(row[name], connection)
            if name == "applicant_contact" and row[name]:
                assert decrypt(got[position]) == row[name]  # a new token each time, the same text
            else:
                # the same value of the same type (psycopg's Int2 for a small integer is an int)
                same_type = type(got[position]) is type(expected) or isinstance(expected, int)
                assert got[position] == expected and same_type, (name, row[name])
        assert got[len(writer.var):] == writer.const


@pytest.mark.django_db
def test_the_events_json_is_written_as_django_writes_it():
    from disclosure.ledger.bulk import RowWriter

    writer = RowWriter(RequestEvent, connection, varying=("request_id", "from_status", "to_status", "data"),
                       constants={"action": Action.IMPORT})
    data = [{"source": "台账.csv", "row": 2, "ref": "A-1"}, ["a", 1], {}]
    params = writer.params([{"request_id": 1, "from_status": "", "to_status": "handling", "data": d} for d in data])
    field = RequestEvent._meta.get_field("data")
    at = [name for name, _c in writer.var].index("data")
    for value, row in zip(data, params, strict=True):
        assert str(row[at]) == str(field.get_db_prep_save(value, connection))


def test_the_cyclic_collector_is_paused_for_the_job_and_restored_after_it_even_on_error():
    import gc

    from disclosure.ledger.bulk import cyclic_gc_paused

    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), cyclic_gc_paused():
        1 / 0  # noqa: B018
    assert gc.isenabled()
    gc.disable()
    try:
        with cyclic_gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_an_import_runs_with_the_collector_paused(tree):
    import gc

    seen = []
    import_ledger(ledger_csv(extra=3), progress=lambda phase, done, total: seen.append(gc.isenabled()))
    assert seen and not any(seen)
    assert gc.isenabled()


def test_the_export_reads_every_consultation_of_a_request_in_order(tree, people):
    from datetime import date

    from disclosure import deadlines as dl
    from disclosure import services
    from disclosure.ledger.export import export_rows, ledger_queryset
    from disclosure.workcalendar import load_work_calendar

    clerk = people["clerk"]
    req = services.register_request(
        actor=clerk, unit=tree["dept"], today=date(2025, 3, 3), channel="in_person", submitted_on=date(2025, 3, 3),
        applicant_type="natural_person", applicant_name="张三", content="某文件",
    )
    services.accept(req, actor=people["reviewer"])
    for sent, replied in ((date(2025, 3, 5), date(2025, 3, 12)), (date(2025, 3, 17), date(2025, 3, 20))):
        consultation = services.start_consultation(req, actor=clerk, kind="agency", party="市局", sent_on=sent, today=sent)
        services.record_consultation_reply(consultation, actor=clerk, replied_on=replied, today=replied)
    req.refresh_from_db()
    calendar, today = load_work_calendar(), date(2025, 4, 30)
    [row] = export_rows(ledger_queryset(), calendar=calendar, today=today)
    assert (row["consultation_sent_on"], row["consultation_replied_on"]) == (date(2025, 3, 5), date(2025, 3, 12))
    assert row["working_days_used"] == dl.workdays_used(services.case_dates(req), calendar, today)
    assert row["working_days_used"] < dl.workdays_between(date(2025, 3, 3), today, calendar)  # both pauses left out
    assert row["due_on"] == req.due_on
