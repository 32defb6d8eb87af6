"""Working days and statutory deadlines (statute.md §4, §6.3). Pure: no database."""

from datetime import date, timedelta

import chinese_calendar
import pytest

from disclosure.deadlines import (
    CalendarError,
    CaseDates,
    Interval,
    WorkCalendar,
    add_workdays,
    compute_deadline,
    paused_days,
    walk_workdays,
    workdays_between,
    workdays_left,
    workdays_used,
)

OFFICIAL = WorkCalendar(
    holidays=frozenset(chinese_calendar.holidays),
    extra_workdays=frozenset(chinese_calendar.workdays),
    known_years=frozenset(range(2004, 2027)),
)
# A plain Monday–Friday year, loaded (so no fixed-date fallback): easy to count by hand.
PLAIN_2030 = WorkCalendar(known_years=frozenset({2030}))
D = date.fromisoformat


def test_installed_package_covers_2004_to_2026():
    years = {d.year for d in chinese_calendar.holidays}
    assert min(years) == 2004
    assert max(years) == 2026


# statute.md §4, "Checked examples": receipt → +7 (补正 notice), +20 (reply), +20 more (extended).
SECTION_4 = [
    ("2019-05-15", "2019-05-24", "2019-06-13", "2019-07-11"),
    ("2019-09-27", "2019-10-12", "2019-10-30", "2019-11-27"),
    ("2019-09-28", "2019-10-12", "2019-10-30", "2019-11-27"),
    ("2020-01-20", "2020-02-06", "2020-02-25", "2020-03-24"),
    ("2025-09-26", "2025-10-13", "2025-10-30", "2025-11-27"),
]


@pytest.mark.parametrize(("receipt", "notice", "reply", "extended"), SECTION_4)
def test_statute_table_add_workdays(receipt, notice, reply, extended):
    assert add_workdays(D(receipt), 7, OFFICIAL) == D(notice)
    assert add_workdays(D(receipt), 20, OFFICIAL) == D(reply)
    assert add_workdays(D(reply), 20, OFFICIAL) == D(extended)


@pytest.mark.parametrize(("receipt", "notice", "reply", "extended"), SECTION_4)
def test_statute_table_compute_deadline(receipt, notice, reply, extended):
    plain = compute_deadline(CaseDates(received_on=D(receipt)), OFFICIAL)
    assert (plain.correction_due_on, plain.base_due_on, plain.due_on) == (D(notice), D(reply), D(reply))
    assert plain.clock_start_on == D(receipt)
    assert not plain.is_provisional
    longer = compute_deadline(CaseDates(received_on=D(receipt), extension_days=20), OFFICIAL)
    assert (longer.base_due_on, longer.due_on, longer.extension_days) == (D(reply), D(extended), 20)


def test_national_day_2019_counts_the_make_up_saturday_and_skips_the_week_off():
    assert OFFICIAL.is_workday(D("2019-10-12"))  # Saturday, 调休上班
    assert OFFICIAL.is_workday(D("2019-09-29"))  # Sunday, 调休上班
    assert not any(OFFICIAL.is_workday(date(2019, 10, d)) for d in range(1, 8))
    walk = walk_workdays(D("2019-09-27"), 7, OFFICIAL)
    assert walk.end == D("2019-10-12")
    assert {date(2019, 10, d) for d in (1, 2, 3, 4, 7)} <= set(walk.skipped_holidays)
    assert D("2019-10-12") not in walk.skipped_holidays


def test_spring_festival_2020_extension_days_are_not_working_days():
    extension = [D("2020-01-31"), D("2020-02-01"), D("2020-02-02")]
    assert not any(OFFICIAL.is_workday(d) for d in extension)
    assert OFFICIAL.is_workday(D("2020-01-19"))  # Sunday, 调休上班
    walk = walk_workdays(D("2020-01-20"), 7, OFFICIAL)
    assert walk.end == D("2020-02-06")
    assert D("2020-01-31") in walk.skipped_holidays
    # Without the State Council's extension the Friday would count and the notice be due a day earlier.
    unextended = WorkCalendar(
        holidays=OFFICIAL.holidays - set(extension),
        extra_workdays=OFFICIAL.extra_workdays,
        known_years=OFFICIAL.known_years,
    )
    assert add_workdays(D("2020-01-20"), 7, unextended) == D("2020-02-05")


def test_receipt_on_a_weekend_counts_from_the_next_working_day_not_one_later():
    saturday = D("2019-09-28")
    assert add_workdays(saturday, 20, OFFICIAL) == D("2019-10-30")
    # chinesecalendar's find_workday counts the next working day itself as day 0 (statute.md §4 pitfall).
    assert chinese_calendar.find_workday(20, saturday) == D("2019-10-31")


# A hand-built calendar: 2030-03-06 (Wed) a holiday, 2030-03-09 (Sat) a make-up working day.
TINY = WorkCalendar(
    holidays=frozenset({D("2030-03-06")}), extra_workdays=frozenset({D("2030-03-09")}), known_years=frozenset({2030})
)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2030-03-04", 0, "2030-03-04"),
        ("2030-03-04", 1, "2030-03-05"),
        ("2030-03-04", 2, "2030-03-07"),  # skips the Wednesday holiday
        ("2030-03-04", 4, "2030-03-09"),  # the make-up Saturday counts
        ("2030-03-04", 5, "2030-03-11"),  # the Sunday does not
        ("2030-03-06", 1, "2030-03-07"),  # a start on a holiday changes nothing
        ("2030-03-09", 1, "2030-03-11"),
        ("2030-03-10", 1, "2030-03-11"),
    ],
)
def test_add_workdays_on_a_hand_built_calendar(start, n, expected):
    assert add_workdays(D(start), n, TINY) == D(expected)


def test_add_workdays_refuses_a_negative_count():
    with pytest.raises(ValueError):
        add_workdays(D("2030-03-04"), -1, TINY)


def test_add_workdays_skips_excluded_days():
    assert add_workdays(D("2030-03-04"), 2, PLAIN_2030, skip={D("2030-03-05")}) == D("2030-03-07")


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        ("2029-01-01", False),  # Monday, 元旦
        ("2029-05-01", False),  # Tuesday
        ("2029-05-02", False),  # Wednesday
        ("2029-05-03", True),
        ("2029-10-01", False),  # Monday
        ("2029-10-03", False),  # Wednesday
        ("2029-10-04", True),  # the rest of Golden Week is unknown until the schedule is loaded
        ("2029-10-06", False),  # Saturday
        ("2029-02-13", True),  # Spring Festival is not a fixed date: counted until loaded
    ],
)
def test_unloaded_year_is_monday_to_friday_less_fixed_holidays(day, is_workday):
    assert OFFICIAL.is_workday(D(day)) is is_workday


def test_loaded_year_ignores_the_fixed_date_fallback():
    assert PLAIN_2030.is_workday(D("2030-10-01"))  # loaded, and (here) nobody declared it a holiday


def test_deadline_running_into_unloaded_2027_is_provisional():
    deadline = compute_deadline(CaseDates(received_on=D("2026-12-15")), OFFICIAL)
    # 16–18, 21–25, 28–31 Dec (12), 1 Jan skipped, 4–8 Jan (17), 11–13 Jan (20)
    assert deadline.due_on == D("2027-01-13")
    assert deadline.correction_due_on == D("2026-12-24")
    assert D("2027-01-01") in deadline.skipped_holidays
    assert deadline.is_provisional


def test_deadline_inside_unloaded_2027_uses_national_day_fallback():
    deadline = compute_deadline(CaseDates(received_on=D("2027-09-28")), OFFICIAL)
    assert deadline.correction_due_on == D("2027-10-08")  # 29, 30 Sep; 1 Oct (Fri) off; 4–8 Oct
    assert deadline.is_provisional


def test_deadline_inside_a_loaded_year_is_not_provisional():
    assert not compute_deadline(CaseDates(received_on=D("2026-03-02")), OFFICIAL).is_provisional


def test_far_unknown_year_does_not_crash():
    deadline = compute_deadline(CaseDates(received_on=D("2100-06-01"), extension_days=20), OFFICIAL)
    assert deadline.due_on > D("2100-06-01")
    assert deadline.is_provisional


# --- 补正: the clock restarts (第三十条) ---------------------------------------------------------


def test_no_reply_deadline_while_waiting_for_a_correction():
    deadline = compute_deadline(
        CaseDates(received_on=D("2030-03-04"), correction_requested_on=D("2030-03-08")), PLAIN_2030
    )
    assert deadline.clock_stopped
    assert (deadline.clock_start_on, deadline.base_due_on, deadline.due_on) == (None, None, None)
    assert deadline.correction_due_on == D("2030-03-13")  # the notice deadline still shows


def test_correction_restarts_the_clock_from_the_corrected_receipt():
    deadline = compute_deadline(
        CaseDates(
            received_on=D("2030-03-04"),
            correction_requested_on=D("2030-03-08"),
            correction_received_on=D("2030-03-15"),
        ),
        PLAIN_2030,
    )
    assert deadline.clock_start_on == D("2030-03-15")
    assert deadline.due_on == D("2030-04-12")  # 20 working days after Friday 15 March
    assert deadline.correction_due_on == D("2030-03-13")


def test_without_correction_the_same_request_is_due_earlier():
    assert compute_deadline(CaseDates(received_on=D("2030-03-04")), PLAIN_2030).due_on == D("2030-04-01")


# --- 征求意见: consultation days are not counted (第三十三条第三款) ----------------------------


@pytest.mark.parametrize(
    ("pauses", "paused", "due"),
    [
        pytest.param((), 0, "2030-04-01", id="none"),
        pytest.param(((("2030-03-06", "2030-03-08")),), 2, "2030-04-03", id="answered-early"),
        pytest.param((("2030-03-06", None),), 15, "2030-04-22", id="unanswered-capped-at-15"),
        pytest.param((("2030-03-06", "2030-04-05"),), 15, "2030-04-22", id="answered-after-cap-only-15"),
        pytest.param(
            (("2030-03-06", "2030-03-12"), ("2030-03-11", "2030-03-14")), 6, "2030-04-09", id="overlapping-not-twice"
        ),
        pytest.param((("2030-03-06", "2030-03-06"),), 0, "2030-04-01", id="answered-same-day"),
    ],
)
def test_consultations_pause_the_reply_clock(pauses, paused, due):
    intervals = tuple(Interval(sent_on=D(s), answered_on=D(a) if a else None) for s, a in pauses)
    deadline = compute_deadline(CaseDates(received_on=D("2030-03-04"), pauses=intervals), PLAIN_2030)
    assert len(deadline.paused_days) == paused
    assert deadline.due_on == D(due)


def test_unanswered_consultation_pauses_until_its_fifteenth_working_day():
    days = paused_days([Interval(sent_on=D("2030-03-06"))], PLAIN_2030)
    assert min(days) == D("2030-03-07")
    assert max(days) == D("2030-03-27")
    assert len(days) == 15


def test_uncapped_interval_pauses_until_answered():
    days = paused_days([Interval(sent_on=D("2030-03-06"), answered_on=D("2030-04-05"), max_days=None)], PLAIN_2030)
    assert len(days) == workdays_between(D("2030-03-06"), D("2030-04-05"), PLAIN_2030) == 22


def test_consultation_pauses_do_not_count_holidays_twice():
    # Sent on the Friday before National Day 2019, answered the Monday after: only working days pause.
    days = paused_days([Interval(sent_on=D("2019-09-27"), answered_on=D("2019-10-08"))], OFFICIAL)
    assert days == {D("2019-09-29"), D("2019-09-30"), D("2019-10-08")}


# --- 延长 (第三十三条第二款) -------------------------------------------------------------------


def test_extension_adds_working_days_after_the_base_deadline():
    deadline = compute_deadline(CaseDates(received_on=D("2030-03-04"), extension_days=10), PLAIN_2030)
    assert deadline.base_due_on == D("2030-04-01")
    assert deadline.due_on == D("2030-04-15")


def test_extension_skips_consultation_days_after_the_base_deadline():
    case = CaseDates(
        received_on=D("2030-03-04"),
        pauses=(Interval(sent_on=D("2030-04-01"), answered_on=D("2030-04-03")),),
        extension_days=5,
    )
    deadline = compute_deadline(case, PLAIN_2030)
    assert deadline.base_due_on == D("2030-04-01")
    assert deadline.due_on == D("2030-04-10")  # 2, 3 Apr paused; 4, 5, 8, 9, 10 counted


# --- 延迟答复 (第三十五条) ---------------------------------------------------------------------


def test_delayed_reply_date_replaces_the_extended_deadline():
    case = CaseDates(received_on=D("2030-03-04"), extension_days=10, delayed_until=D("2030-05-31"))
    deadline = compute_deadline(case, PLAIN_2030)
    assert (deadline.base_due_on, deadline.due_on, deadline.delayed_until) == (
        D("2030-04-01"), D("2030-05-31"), D("2030-05-31"),
    )


def test_delayed_reply_date_never_shortens_the_statutory_deadline():
    # a later restart (a correction) can carry the 20 working days past the date once set
    case = CaseDates(
        received_on=D("2030-03-04"), correction_requested_on=D("2030-03-05"),
        correction_received_on=D("2030-04-15"), delayed_until=D("2030-04-20"),
    )
    assert compute_deadline(case, PLAIN_2030).due_on == D("2030-05-13")


def test_no_delayed_reply_deadline_while_waiting_for_a_correction():
    case = CaseDates(received_on=D("2030-03-04"), correction_requested_on=D("2030-03-05"),
                     delayed_until=D("2030-05-31"))
    assert compute_deadline(case, PLAIN_2030).due_on is None


# --- working days left and used ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "left"),
    [
        ("2030-03-28", 2),
        ("2030-03-29", 1),
        ("2030-03-30", 1),  # Saturday
        ("2030-04-01", 0),  # the deadline itself
        ("2030-04-02", -1),
        ("2030-04-08", -5),
    ],
)
def test_workdays_left(today, left):
    assert workdays_left(D("2030-04-01"), D(today), PLAIN_2030) == left


def test_workdays_used_counts_from_the_day_after_receipt_less_pauses():
    plain = CaseDates(received_on=D("2030-03-04"))
    assert workdays_used(plain, PLAIN_2030, D("2030-03-04")) == 0
    assert workdays_used(plain, PLAIN_2030, D("2030-03-08")) == 4
    paused = CaseDates(
        received_on=D("2030-03-04"), pauses=(Interval(sent_on=D("2030-03-06"), answered_on=D("2030-03-07")),)
    )
    assert workdays_used(paused, PLAIN_2030, D("2030-03-08")) == 3


def test_workdays_used_is_zero_while_waiting_and_restarts_after_correction():
    waiting = CaseDates(received_on=D("2030-03-04"), correction_requested_on=D("2030-03-05"))
    assert workdays_used(waiting, PLAIN_2030, D("2030-03-29")) == 0
    corrected = CaseDates(
        received_on=D("2030-03-04"), correction_requested_on=D("2030-03-05"), correction_received_on=D("2030-03-15")
    )
    assert workdays_used(corrected, PLAIN_2030, D("2030-03-20")) == 3


def test_workdays_used_stops_at_the_conclusion():
    case = CaseDates(received_on=D("2030-03-04"), concluded_on=D("2030-03-08"))
    assert workdays_used(case, PLAIN_2030, D("2030-04-30")) == 4


def test_workdays_between_is_antisymmetric():
    assert workdays_between(D("2030-03-08"), D("2030-03-04"), PLAIN_2030) == -4


def test_a_calendar_without_working_days_stops_instead_of_looping():
    year = date(2030, 1, 1)
    every_day = frozenset(year + timedelta(days=i) for i in range(4000))
    with pytest.raises(CalendarError):
        add_workdays(year, 1, WorkCalendar(holidays=every_day, known_years=frozenset(range(2030, 2042))))


def test_waiting_for_a_correction_has_no_provisional_deadline():
    # issue 13 item 8: the 7-day notice period crosses into unloaded 2027, but while the correction is
    # awaited there is no reply deadline, so nothing about it is provisional
    received = CaseDates(received_on=D("2026-12-28"))
    assert compute_deadline(received, OFFICIAL).is_provisional  # the reply deadline is in 2027
    waiting = CaseDates(received_on=D("2026-12-28"), correction_requested_on=D("2026-12-29"))
    deadline = compute_deadline(waiting, OFFICIAL)
    assert deadline.correction_due_on == D("2027-01-07")  # the notice period did cross the year
    assert (deadline.due_on, deadline.is_provisional) == (None, False)
    corrected = CaseDates(received_on=D("2026-12-28"), correction_requested_on=D("2026-12-29"),
                          correction_received_on=D("2027-01-04"))
    assert compute_deadline(corrected, OFFICIAL).is_provisional  # the clock runs again, into 2027
