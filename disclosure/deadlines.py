"""Working days and statutory deadlines (条例 第三十、三十二、三十三、三十四条). Pure: stdlib only.

Nothing here reads the clock or the database: the calendar and "today" are arguments.
A day is a working day when the official schedule says so (holidays and make-up working days,
调休); for a year whose schedule is not loaded, Monday–Friday less the fixed-date public
holidays, and every deadline that touched such a year is marked provisional.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

REPLY_DAYS = 20  # 第三十三条第二款
CORRECTION_NOTICE_DAYS = 7  # 第三十条
CONSULTATION_DAYS = 15  # 第三十二条、第三十四条
MAX_EXTENSION_DAYS = 20  # 第三十三条第二款
FEE_PAYMENT_DAYS = 20  # 国办函〔2020〕109号
# Fixed-date public holidays used for years whose official schedule is not loaded.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))

ONE_DAY = timedelta(days=1)
# No statutory period spans this many calendar days; a walk that does has a broken calendar
# (e.g. a CSV that declared every day a holiday) and must stop instead of looping forever.
MAX_WALK = timedelta(days=3660)


class CalendarError(ValueError):
    """The calendar has no working days where the walk needs them."""


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()  # weekend days declared working days (调休)
    known_years: frozenset[int] = frozenset()  # years whose official schedule is loaded

    def is_known(self, day: date) -> bool:
        return day.year in self.known_years

    def is_workday(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        if day.weekday() >= 5:
            return False
        if not self.is_known(day) and (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return True


@dataclass
class Walk:
    """What a walk over the calendar saw: the result, and what it skipped on the way."""

    end: date
    skipped_holidays: list[date] = field(default_factory=list)
    skipped_paused: list[date] = field(default_factory=list)
    provisional: bool = False


def walk_workdays(start: date, n: int, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> Walk:
    """The n-th working day strictly after `start`, not counting working days in `skip`.

    条例 counts from the day after receipt (次日起计算); a non-working start day changes nothing.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    walk = Walk(end=start)
    day = start
    counted = 0
    while counted < n:
        day += ONE_DAY
        if day - start > MAX_WALK:
            raise CalendarError(f"no {n} working days within ten years after {start.isoformat()}")
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


def add_workdays(start: date, n: int, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> date:
    """The n-th working day strictly after `start` (条例 counts from the day after receipt)."""
    return walk_workdays(start, n, calendar, skip=skip).end


def workdays_between(start: date, end: date, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> int:
    """Working days d with start < d <= end, less those in `skip`; negative when end < start."""
    if end < start:
        return -workdays_between(end, start, calendar, skip=skip)
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if calendar.is_workday(day) and day not in skip:
            count += 1
    return count


def workdays_in(first: date, last: date, calendar: WorkCalendar) -> set[date]:
    """The working days from `first` to `last`, both included."""
    days = set()
    day = first
    while day <= last:
        if calendar.is_workday(day):
            days.add(day)
        day += ONE_DAY
    return days


@dataclass(frozen=True)
class Interval:
    """A consultation (or, where configured, a fee notice): sent, and answered if it was."""

    sent_on: date
    answered_on: date | None = None
    max_days: int | None = CONSULTATION_DAYS  # None: no cap (fee notices)


@dataclass(frozen=True)
class CaseDates:
    """The dates of a request that its deadlines depend on."""

    received_on: date
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    pauses: tuple[Interval, ...] = ()
    extension_days: int = 0
    concluded_on: date | None = None
    delayed_until: date | None = None  # 第三十五条: a reasonable later date set by the agency


@dataclass
class Deadline:
    """The computed deadlines of one request, and how they were reached."""

    correction_due_on: date
    clock_start_on: date | None  # None while waiting for a correction: the clock is stopped
    base_due_on: date | None
    due_on: date | None
    extension_days: int
    paused_days: list[date]
    skipped_holidays: list[date]
    is_provisional: bool
    delayed_until: date | None = None

    @property
    def clock_stopped(self) -> bool:
        return self.clock_start_on is None


def paused_days(pauses: Iterable[Interval], calendar: WorkCalendar) -> set[date]:
    """第三十三条第三款: consultation time is not counted.

    From the day after sending up to and including the day the answer arrives, or the last day of
    the consulted party's 15 working days, whichever is earlier. An unanswered consultation pauses
    the clock until its own deadline.
    """
    days: set[date] = set()
    for pause in pauses:
        last = pause.answered_on
        if pause.max_days is not None:
            cap = add_workdays(pause.sent_on, pause.max_days, calendar)
            last = cap if last is None else min(last, cap)
        if last is None or last <= pause.sent_on:
            continue
        days |= workdays_in(pause.sent_on + ONE_DAY, last, calendar)
    return days


def compute_deadline(case: CaseDates, calendar: WorkCalendar) -> Deadline:
    """Reply due = 20 working days after the (last) receipt, pauses excluded, plus the extension, or the
    later date set under 第三十五条.

    第三十条: a correction restarts the clock from the receipt of the corrected application; while
    the correction is awaited there is no reply deadline.
    """
    correction = walk_workdays(case.received_on, CORRECTION_NOTICE_DAYS, calendar)
    provisional = correction.provisional
    waiting = case.correction_requested_on is not None and case.correction_received_on is None
    if waiting:
        return Deadline(
            correction_due_on=correction.end,
            clock_start_on=None,
            base_due_on=None,
            due_on=None,
            extension_days=case.extension_days,
            paused_days=[],
            skipped_holidays=[],
            is_provisional=provisional,
        )
    start = case.correction_received_on or case.received_on
    paused = paused_days(case.pauses, calendar)
    base = walk_workdays(start, REPLY_DAYS, calendar, skip=paused)
    end = base
    if case.extension_days:
        extended = walk_workdays(base.end, case.extension_days, calendar, skip=paused)
        end = Walk(
            end=extended.end,
            skipped_holidays=base.skipped_holidays + extended.skipped_holidays,
            skipped_paused=base.skipped_paused + extended.skipped_paused,
            provisional=base.provisional or extended.provisional,
        )
    due_on = end.end
    if case.delayed_until is not None and case.delayed_until > due_on:
        due_on = case.delayed_until  # 第三十五条: no statutory cap, the agency's date is the deadline
    return Deadline(
        correction_due_on=correction.end,
        clock_start_on=start,
        base_due_on=base.end,
        due_on=due_on,
        delayed_until=case.delayed_until,
        extension_days=case.extension_days,
        paused_days=sorted(end.skipped_paused),
        skipped_holidays=sorted(set(end.skipped_holidays)),
        is_provisional=provisional or end.provisional,
    )


def workdays_left(due_on: date, today: date, calendar: WorkCalendar) -> int:
    """Working days from today to the deadline: 0 on the day itself, negative once it has passed."""
    return workdays_between(today, due_on, calendar)


def workdays_used(case: CaseDates, calendar: WorkCalendar, today: date) -> int:
    """Counted working days from the clock start to the reply (or today), pauses excluded."""
    if case.correction_requested_on is not None and case.correction_received_on is None:
        return 0  # 第三十条: the reply clock starts with the corrected application
    start = case.correction_received_on or case.received_on
    end = case.concluded_on or today
    if end <= start:
        return 0
    return workdays_between(start, end, calendar, skip=paused_days(case.pauses, calendar))
