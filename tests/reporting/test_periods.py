"""disclosure.periods: one half-open convention for every "in a period" — pure, no database."""

from datetime import date

import pytest
from django.db.models import Q

from disclosure.periods import Period, concluded_in, late, on_time, open_at_end, received_in
from reporting import queries


@pytest.mark.parametrize(
    "year, start, end, last, days",
    [
        (2019, date(2019, 1, 1), date(2020, 1, 1), date(2019, 12, 31), 365),
        (2020, date(2020, 1, 1), date(2021, 1, 1), date(2020, 12, 31), 366),  # leap year
        (2100, date(2100, 1, 1), date(2101, 1, 1), date(2100, 12, 31), 365),  # not a leap year
        (2000, date(2000, 1, 1), date(2001, 1, 1), date(2000, 12, 31), 366),  # leap year (÷400)
    ],
)
def test_a_year_runs_from_1_january_to_the_next_1_january(year, start, end, last, days):
    p = Period.of_year(year)
    assert (p.start, p.end, p.last, p.days) == (start, end, last, days)


@pytest.mark.parametrize(
    "year, month, end, days",
    [
        (2024, 2, date(2024, 3, 1), 29),  # leap February
        (2023, 2, date(2023, 3, 1), 28),
        (2025, 4, date(2025, 5, 1), 30),
        (2025, 1, date(2025, 2, 1), 31),
        (2025, 12, date(2026, 1, 1), 31),  # December ends on the next year's 1 January
    ],
)
def test_a_month_runs_from_its_1st_to_the_next_months_1st(year, month, end, days):
    p = Period.of_month(year, month)
    assert (p.start, p.end, p.days) == (date(year, month, 1), end, days)
    assert p.last.month == month


def test_a_date_range_includes_both_days_it_names():
    p = Period.between(date(2025, 3, 1), date(2025, 3, 31))
    assert p == Period.of_month(2025, 3)
    one_day = Period.between(date(2025, 3, 5), date(2025, 3, 5))
    assert (one_day.days, one_day.last) == (1, date(2025, 3, 5))


def test_a_range_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        Period.between(date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(ValueError):
        Period(date(2025, 3, 2), date(2025, 3, 1))


def test_an_empty_period_contains_nothing_and_has_no_last_day():
    p = Period(date(2025, 3, 2), date(2025, 3, 2))
    assert p.days == 0 and date(2025, 3, 2) not in p
    with pytest.raises(ValueError):
        p.last  # noqa: B018 - the property is what is tested


@pytest.mark.parametrize(
    "day, inside",
    [
        (date(2024, 12, 31), False),
        (date(2025, 1, 1), True),  # the start counts
        (date(2025, 12, 31), True),
        (date(2026, 1, 1), False),  # the end does not
        ("2025-06-01", False),  # not a date
    ],
)
def test_containment_is_start_inclusive_end_exclusive(day, inside):
    assert (day in Period.of_year(2025)) is inside


def test_the_last_representable_day_closes_the_calendar():
    assert Period.of_year(9999).end == date.max
    assert Period.between(date(9999, 1, 1), date.max).end == date.max


def test_the_report_year_of_the_queries_is_the_calendar_year():
    assert queries.Period(2025) == Period.of_year(2025)


def test_the_q_objects_are_half_open_ranges_on_the_named_field():
    p = Period.of_month(2025, 2)
    assert received_in(p) == Q(received_on__gte=date(2025, 2, 1), received_on__lt=date(2025, 3, 1))
    assert concluded_in(p, "request__") == Q(
        request__concluded_on__gte=date(2025, 2, 1), request__concluded_on__lt=date(2025, 3, 1)
    )
    assert p.q("paid_on") == Q(paid_on__gte=date(2025, 2, 1), paid_on__lt=date(2025, 3, 1))
    assert open_at_end(p) == Q(concluded_on__isnull=True) | Q(concluded_on__gte=date(2025, 3, 1))


def test_on_time_and_late_read_the_stored_deadline():
    assert "due_on" in str(on_time()) and "concluded_on__lte" in str(on_time())
    assert "concluded_on__gt" in str(late("x__")) and "x__due_on__isnull" in str(late("x__"))
