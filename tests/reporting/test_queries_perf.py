"""The lean aggregation queries count exactly what the cell definitions (the Q objects the drill-down
lists use) count, and read the year's rows through indexes rather than every request."""

from datetime import date

import pytest
from django.db import connection

from disclosure.workflow import Status
from reporting import queries as q
from reporting import services
from reporting import tables as t
from tests.factories import RequestFactory

YEAR = 2025
P = q.Period(YEAR)

# (received, concluded, due): the year boundaries, open cases, late replies, and records whose dates
# are wrong (concluded before received) — the lean conditions must agree with the definitions on all.
CASES = [
    (date(2025, 3, 3), date(2025, 3, 20), date(2025, 4, 1)),  # new, concluded on time
    (date(2025, 1, 1), date(2025, 12, 31), date(2025, 2, 1)),  # received 1 January, replied late on 31 December
    (date(2025, 12, 2), date(2025, 12, 31), date(2025, 12, 31)),  # replied on its deadline, 31 December
    (date(2025, 3, 3), date(2025, 5, 20), date(2025, 4, 1)),  # new, replied late
    (date(2025, 12, 31), date(2026, 1, 2), date(2026, 1, 30)),  # new, carried out
    (date(2025, 12, 1), None, date(2025, 12, 29)),  # new, open and overdue on 31 December
    (date(2025, 12, 1), None, None),  # open without a deadline yet
    (date(2024, 12, 31), date(2025, 1, 1), date(2025, 1, 20)),  # carried in, concluded 1 January
    (date(2024, 11, 2), date(2026, 2, 1), date(2024, 12, 20)),  # carried in and out, overdue
    (date(2023, 5, 5), None, date(2023, 6, 5)),  # open for two years
    (date(2024, 3, 3), date(2024, 12, 31), date(2025, 1, 10)),  # concluded last year: not counted
    (date(2026, 1, 5), date(2026, 1, 9), date(2026, 2, 1)),  # next year's: not counted
    (date(2025, 6, 1), date(2024, 6, 1), date(2025, 7, 1)),  # wrong dates: concluded before received
    (date(2025, 6, 1), date(2025, 6, 20), None),  # concluded without a deadline
]


@pytest.fixture
def requests(tree):
    for i, (received, concluded, due) in enumerate(CASES):
        RequestFactory(
            unit=tree["dept"] if i % 2 else tree["town"], received_on=received, submitted_on=received,
            concluded_on=concluded, outcome="granted" if concluded else "", due_on=due,
            status=Status.REPLIED if concluded else Status.HANDLING,
            applicant_type=t.APPLICANT_COLUMNS[i % 3], channel=["letter", "online"][i % 2],
        )
    return q.requests_in(tree["root"])


@pytest.mark.django_db
def test_year_counts_agree_with_the_cell_definitions(requests):
    rows = q.year_counts(requests, P)
    year = requests.filter(q.q_relevant(P))
    definitions = {
        "new": q.q_new(P),
        "carried_in": q.q_carried_in(P),
        "concluded": q.q_concluded(P),
        "carried_out": q.q_carried_out(P),
        "overdue": q.q_overdue_open(P) | q.q_replied_late(P),
    }
    for key, where in definitions.items():
        assert sum(r[key] for r in rows) == year.filter(where).count(), key
    assert sum(r["overdue"] for r in rows) == requests.filter(q.q_overdue_or_late(P)).count()


@pytest.mark.django_db
def test_year_counts_keep_each_applicant_type_and_channel_apart(requests):
    rows = q.year_counts(requests, P)
    for row in rows:
        group = requests.filter(
            q.q_relevant(P), applicant_type=row["applicant_type"], outcome=row["outcome"], channel=row["channel"],
            unit__kind=row["unit__kind"],
        )
        assert row["new"] == group.filter(q.q_new(P)).count()
        assert row["carried_in"] == group.filter(q.q_carried_in(P)).count()


def _proceeding(unit, filed, decided, outcome, *, kind="reconsideration", after=None):
    fields = {f"{kind}_filed_on": filed, f"{kind}_decided_on": decided, f"{kind}_outcome": outcome}
    if kind == "litigation":
        fields["litigation_after_reconsideration"] = after
    return RequestFactory(
        unit=unit, received_on=date(2023, 1, 5), submitted_on=date(2023, 1, 5), concluded_on=date(2023, 2, 1),
        outcome="granted", status=Status.REPLIED, **fields,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("rule", t.TABLE4_RULES)
def test_table4_reads_only_the_proceedings_the_rule_counts_and_every_cell_matches_its_list(tree, rule):
    unit = tree["dept"]
    _proceeding(unit, date(2025, 3, 1), date(2025, 6, 1), "upheld")  # filed and decided in Y
    _proceeding(unit, date(2025, 10, 1), None, "")  # filed in Y, pending
    _proceeding(unit, date(2024, 10, 1), date(2025, 2, 1), "corrected")  # filed earlier, decided in Y
    _proceeding(unit, date(2024, 5, 1), date(2024, 9, 1), "other")  # decided before Y: never counted
    _proceeding(unit, date(2022, 5, 1), None, "")  # undecided for years
    _proceeding(unit, date(2024, 5, 1), None, "upheld")  # outcome without a date counts as decided
    _proceeding(unit, date(2026, 1, 3), None, "")  # next year's
    _proceeding(unit, date(2025, 4, 1), date(2026, 3, 1), "upheld", kind="litigation", after=True)
    _proceeding(unit, date(2023, 4, 1), date(2025, 3, 1), "other", kind="litigation", after=False)
    scope = q.requests_in(tree["root"])
    table4 = t.build_table4(q.table4_counts(scope, P, rule))
    for group in t.TABLE4_GROUPS:
        for column in t.TABLE4_COLUMNS:
            listed = services.requests_for_table4_cell(tree["root"], YEAR, group, column, rule=rule).count()
            assert table4[group][column] == listed, (group, column)
    counted = scope.filter(q.q_table4_relevant(P, rule)).count()
    assert counted == (6 if rule == t.TABLE4_RULE_DEFAULT else 3)  # not the two decided before Y, nor next year's


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan; PostgreSQL seq-scans tables this small")
def test_the_year_query_reads_requests_through_indexes_not_a_full_scan(requests, monkeypatch):
    captured = []
    monkeypatch.setattr(q, "plain_rows", lambda qs: captured.append(qs.query.sql_with_params()) or [])
    q.year_counts(requests, P)
    sql, params = captured[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert "SCAN disclosure_disclosurerequest" not in plan, plan
