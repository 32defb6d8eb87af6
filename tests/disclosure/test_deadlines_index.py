"""The O(1) working-day arithmetic (the calendar's ordinal index) gives exactly what the day-by-day
walk gave, kept here as the reference: every start date 2019–2027 and seeded random spans, on the
official calendar, on a calendar with unloaded years, and on a broken one. Pure: no database."""

import random
from datetime import date, timedelta

import chinese_calendar
import pytest

from disclosure import deadlines as dl
from disclosure.deadlines import MAX_WALK, ONE_DAY, CalendarError, Walk, WorkCalendar

OFFICIAL = WorkCalendar(
    holidays=frozenset(chinese_calendar.holidays),
    extra_workdays=frozenset(chinese_calendar.workdays),
    known_years=frozenset(range(2004, 2027)),
)
# 2023 and 2025 "not loaded": their days fall back to Monday–Friday less the fixed-date holidays.
PARTLY_LOADED = WorkCalendar(
    holidays=frozenset(d for d in chinese_calendar.holidays if d.year not in (2023, 2025)),
    extra_workdays=frozenset(d for d in chinese_calendar.workdays if d.year not in (2023, 2025)),
    known_years=frozenset(range(2004, 2027)) - {2023, 2025},
)
CALENDARS = {"official": OFFICIAL, "partly_loaded": PARTLY_LOADED, "empty": WorkCalendar()}
EVERY_DAY = [date(2019, 1, 1) + timedelta(days=i) for i in range((date(2028, 1, 1) - date(2019, 1, 1)).days)]


# --- the reference: the day-by-day implementation as it was -----------------------------------------

def ref_walk(start, n, calendar, skip=()):
    if n < 0:
        raise ValueError("n must not be negative")
    walk = Walk(end=start)
    day = start
    counted = 0
    while counted < n:
        day += ONE_DAY
        if day - start > MAX_WALK:
            raise CalendarError("ten years")
        if not calendar.is_known(day):
            walk.provisional = True
        if not calendar.is_workday(day):
            if day.weekday() < 5 or day in calendar.holidays:
                walk.skipped_holidays.append(day)
            continue
        if day in skip:
            walk.skipped_paused.append(day)
            continue
        counted += 1
    walk.end = day
    return walk


def ref_between(start, end, calendar, skip=()):
    if end < start:
        return -ref_between(end, start, calendar, skip)
    count, day = 0, start
    while day < end:
        day += ONE_DAY
        if calendar.is_workday(day) and day not in skip:
            count += 1
    return count


def ref_in(first, last, calendar):
    days, day = set(), first
    while day <= last:
        if calendar.is_workday(day):
            days.add(day)
        day += ONE_DAY
    return days


@pytest.fixture(autouse=True)
def fresh_indexes():
    dl.clear_calendar_indexes()
    yield
    dl.clear_calendar_indexes()


@pytest.mark.parametrize("name", CALENDARS)
def test_every_start_date_2019_to_2027_matches_the_walk(name):
    calendar = CALENDARS[name]
    for start in EVERY_DAY:
        for n in (0, 1, dl.CORRECTION_NOTICE_DAYS, dl.CONSULTATION_DAYS, dl.REPLY_DAYS, 40):
            assert dl.walk_workdays(start, n, calendar) == ref_walk(start, n, calendar), (start, n)


@pytest.mark.parametrize("name", CALENDARS)
def test_counts_from_every_date_2019_to_2027_match(name):
    calendar = CALENDARS[name]
    rng = random.Random(20261202)
    for start in EVERY_DAY:
        end = start + timedelta(days=rng.randint(-90, 90))
        assert dl.workdays_between(start, end, calendar) == ref_between(start, end, calendar), (start, end)


@pytest.mark.parametrize("name", CALENDARS)
def test_random_spans_with_paused_days_match(name):
    calendar = CALENDARS[name]
    rng = random.Random(12)
    for _ in range(3000):
        start = date(2018, 6, 1) + timedelta(days=rng.randint(0, 365 * 10))
        end = start + timedelta(days=rng.randint(-400, 800))
        n = rng.randint(0, 120)
        # paused days: a few runs of consecutive days around the span, weekends and holidays included
        skip = set()
        for _ in range(rng.randint(0, 3)):
            first = start + timedelta(days=rng.randint(-10, 60))
            skip |= {first + timedelta(days=i) for i in range(rng.randint(1, 25))}
        assert dl.walk_workdays(start, n, calendar, skip=skip) == ref_walk(start, n, calendar, skip), (start, n)
        assert dl.add_workdays(start, n, calendar, skip=skip) == ref_walk(start, n, calendar, skip).end
        assert dl.workdays_between(start, end, calendar, skip=skip) == ref_between(start, end, calendar, skip)
        lo, hi = sorted((start, end))
        assert dl.workdays_in(lo, hi, calendar) == ref_in(lo, hi, calendar)


def test_far_dates_grow_the_index():
    # the index is built around the first dates asked about; later, distant ones grow it
    assert dl.add_workdays(date(2024, 3, 1), 20, OFFICIAL) == ref_walk(date(2024, 3, 1), 20, OFFICIAL).end
    for start in (date(1990, 2, 1), date(2090, 7, 1), date(2004, 1, 1), date(2040, 12, 30)):
        assert dl.walk_workdays(start, 20, OFFICIAL) == ref_walk(start, 20, OFFICIAL)
        assert dl.workdays_between(date(2024, 3, 1), start, OFFICIAL) == ref_between(date(2024, 3, 1), start, OFFICIAL)


def test_a_calendar_edit_is_a_new_index():
    day = date(2030, 10, 8)  # a Tuesday of an unloaded year
    before = WorkCalendar(known_years=frozenset({2030}))
    assert dl.add_workdays(date(2030, 10, 7), 1, before) == day
    edited = WorkCalendar(holidays=frozenset({day}), known_years=frozenset({2030}))
    assert dl.add_workdays(date(2030, 10, 7), 1, edited) == day + ONE_DAY
    assert dl.add_workdays(date(2030, 10, 7), 1, before) == day


def test_the_index_is_built_once_per_calendar_version():
    calendar = WorkCalendar(known_years=frozenset({2030}))
    dl.add_workdays(date(2030, 3, 1), 20, calendar)
    index = dl.calendar_index(calendar, date(2030, 3, 1).toordinal(), date(2030, 3, 1).toordinal())
    same_contents = WorkCalendar(known_years=frozenset({2030}))  # a fresh load of the same calendar
    dl.workdays_between(date(2030, 3, 1), date(2030, 4, 1), same_contents)
    assert dl.calendar_index(same_contents, date(2030, 3, 2).toordinal(), date(2030, 4, 1).toordinal()) is index


def test_a_calendar_without_working_days_still_stops():
    broken = WorkCalendar(holidays=frozenset(date(2029, 1, 1) + timedelta(days=i) for i in range(366 * 12)),
                          known_years=frozenset(range(2029, 2041)))
    with pytest.raises(CalendarError):
        dl.add_workdays(date(2029, 1, 1), 1, broken)
    with pytest.raises(CalendarError):
        ref_walk(date(2029, 1, 1), 1, broken)
    # a long but finite stretch of holidays is walked over as before
    gap = WorkCalendar(holidays=frozenset(date(2029, 1, 1) + timedelta(days=i) for i in range(800)),
                       known_years=frozenset(range(2029, 2033)))
    assert dl.walk_workdays(date(2028, 12, 30), 3, gap) == ref_walk(date(2028, 12, 30), 3, gap)
    assert dl.workdays_between(date(2028, 12, 1), date(2031, 6, 1), gap) == ref_between(date(2028, 12, 1), date(2031, 6, 1), gap)


def test_negative_n_is_refused():
    with pytest.raises(ValueError):
        dl.add_workdays(date(2024, 1, 1), -1, OFFICIAL)
