"""文号: per unit, family and year, taken only on issue, never given twice — also by two threads at once."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from documents import services
from documents.models import Document, LetterCounter

from .records import replied


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "send_now", lambda task, *args: True)


@pytest.mark.parametrize(("prefix", "family", "year", "seq", "number"), [
    ("金东公", "复", 2026, 12, "金东公复〔2026〕12号"),
    ("金东发改", "补", 2025, 1, "金东发改补〔2025〕1号"),
    ("多湖", "延", 2024, 305, "多湖延〔2024〕305号"),
])
def test_the_number_is_written_as_gb_t_9704_writes_it(prefix, family, year, seq, number):
    assert services.format_number(prefix, family, year, seq) == number


@pytest.mark.django_db
def test_numbers_count_per_unit_family_and_year(tree):
    dept, town = tree["dept"], tree["town"]
    taken = [services.take_number(dept, "复", 2026), services.take_number(dept, "复", 2026),
             services.take_number(dept, "补", 2026), services.take_number(dept, "复", 2027),
             services.take_number(town, "复", 2026)]
    assert taken == [1, 2, 1, 1, 1]


@pytest.mark.django_db
def test_a_lost_counter_continues_after_the_highest_stored_number(people, tree):
    req = replied(people["clerk"], tree["dept"])
    services.issue_document(req, "reply", actor=people["clerk"])
    LetterCounter.objects.all().delete()  # e.g. restored from an older backup
    assert services.take_number(tree["dept"], "复", 2026) == 2


@pytest.mark.django_db
def test_a_letter_takes_the_number_of_its_date_s_year_not_of_the_day_it_is_issued(people, tree):
    # a reply is dated its reply date (another `on` is refused): issued in January, a December reply is 2026's
    req = replied(people["clerk"], tree["dept"], replied_on=date(2026, 3, 16))
    doc = services.issue_document(req, "reply", actor=people["clerk"], today=date(2027, 1, 4))
    assert doc.number == "金东发改复〔2026〕1号"
    receipt = services.issue_document(req, "receipt", actor=people["clerk"], on=date(2027, 1, 4), today=date(2027, 1, 4))
    assert receipt.number == "金东发改收〔2027〕1号"


@pytest.mark.django_db
def test_a_delivery_receipt_carries_the_reply_s_number_and_takes_none(people, tree):
    from disclosure import services as disclosure_services

    req = replied(people["clerk"], tree["dept"])
    with pytest.raises(services.WorkflowError):
        services.issue_document(req, "delivery_receipt", actor=people["clerk"])  # no reply issued yet
    reply = services.issue_document(req, "reply", actor=people["clerk"])
    disclosure_services.archive(req, actor=people["clerk"], delivery_method="EMS 1234", delivered_on=date(2026, 3, 18),
                                today=date(2026, 3, 20))
    receipt = services.issue_document(req, "delivery_receipt", actor=people["clerk"])
    assert receipt.number == reply.number and receipt.seq is None
    assert LetterCounter.objects.get(family="复").last == 1


@pytest.fixture
def needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.mark.usefixtures("needs_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("fresh_counter", [True, False], ids=["first-of-the-year", "counter-exists"])
def test_two_clerks_issuing_at_the_same_moment_get_different_numbers(fresh_counter, people, tree):
    """Two threads on two PostgreSQL connections: one number each, no gap, no duplicate."""
    reqs = [replied(people["clerk"], tree["dept"], applicant_name=name) for name in ("张三", "李四")]
    if not fresh_counter:
        other = replied(people["clerk"], tree["dept"], applicant_name="王五")
        services.issue_document(other, "reply", actor=people["clerk"])
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def run(i):
        try:
            barrier.wait(10)
            results[i] = services.issue_document(reqs[i], "reply", actor=[people["clerk"], people["head"]][i]).seq
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    assert not errors, errors
    start = 0 if fresh_counter else 1
    assert sorted(results) == [start + 1, start + 2]
    seqs = sorted(Document.objects.filter(family="复").values_list("seq", flat=True))
    assert seqs == list(range(1, start + 3))
    assert LetterCounter.objects.get(unit=tree["dept"], family="复", year=2026).last == start + 2
