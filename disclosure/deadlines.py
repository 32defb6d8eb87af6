"""Working days and statutory deadlines (条例 第三十、三十二、三十三、三十四条). Pure: stdlib only.

Nothing here reads the clock or the database: the calendar and "today" are arguments.
A day is a working day when the official schedule says so (holidays and make-up working days,
调休); for a year whose schedule is not loaded, Monday–Friday less the fixed-date public
holidays, and every deadline that touched such a year is marked provisional.

Counting is done on the calendar's ordinal index (CalendarIndex: each day → the working days so far),
built once per calendar and cached in the process, so a deadline is a few lookups, not a walk.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
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


# Days the index covers on either side of the dates asked about when it is first built or grown.
INDEX_MARGIN = 400
# Indexes kept (one per calendar version seen); a calendar edit makes a new WorkCalendar, which is a
# new key, so a stale index is never used, only evicted.
INDEX_CACHE_SIZE = 16
_FIRST_ORDINAL = date.min.toordinal()
_END_ORDINAL = date.max.toordinal() + 1


class CalendarIndex:
    """A calendar as ordinals over the days [lo, hi): for each day the working days counted from `lo`
    up to and including it, the working days in order, and the days a walk reports as skipped
    holidays. Counting and finding the n-th working day become lookups. Immutable once built."""

    __slots__ = ("lo", "hi", "cumulative", "workdays", "holidays", "flags")

    def __init__(self, calendar: WorkCalendar, lo: int, hi: int):
        self.lo, self.hi = lo, hi
        cumulative = []  # cumulative[o - lo]: working days in [lo, o]
        workdays = []  # ordinals of the working days, ascending
        holidays = []  # ordinals of non-working weekdays and of holidays (the walk's skipped_holidays)
        flags = bytearray(hi - lo)
        count = 0
        is_workday, declared = calendar.is_workday, calendar.holidays
        for ordinal in range(lo, hi):
            day = date.fromordinal(ordinal)
            if is_workday(day):
                count += 1
                workdays.append(ordinal)
                flags[ordinal - lo] = 1
            elif day.weekday() < 5 or day in declared:
                holidays.append(ordinal)
            cumulative.append(count)
        self.cumulative, self.workdays, self.holidays, self.flags = cumulative, workdays, holidays, flags

    def covers(self, first: int, last: int) -> bool:
        return self.lo <= first and last < self.hi

    def count(self, ordinal: int) -> int:
        """Working days in [lo, ordinal]."""
        return self.cumulative[ordinal - self.lo]

    def is_workday(self, ordinal: int) -> bool:
        return self.flags[ordinal - self.lo] == 1


_index_lock = threading.Lock()
_indexes: OrderedDict[WorkCalendar, CalendarIndex] = OrderedDict()


def calendar_index(calendar: WorkCalendar, first: int, last: int) -> CalendarIndex:
    """The index of `calendar` covering the ordinals first..last, built once per calendar version
    (the calendar's contents are the key) and grown when asked about days outside it. The index is
    also kept on the calendar object itself, so a caller holding one calendar (an export of a
    million rows) does not compare calendars at every call."""
    index = calendar.__dict__.get("_ordinal_index")
    if index is not None and index.covers(first, last):
        return index
    index = _shared_index(calendar, first, last)
    object.__setattr__(calendar, "_ordinal_index", index)  # not a field: equality and hash ignore it
    return index


def _shared_index(calendar: WorkCalendar, first: int, last: int) -> CalendarIndex:
    with _index_lock:
        index = _indexes.get(calendar)
        if index is not None:
            _indexes.move_to_end(calendar)
            if index.covers(first, last):
                return index
    if index is None:
        lo, hi = first - INDEX_MARGIN, last + 1 + INDEX_MARGIN
    else:  # grow by at least the current span on the side asked, so growth is amortised
        span = index.hi - index.lo
        lo = min(index.lo, first - max(INDEX_MARGIN, span)) if first < index.lo else index.lo
        hi = max(index.hi, last + 1 + max(INDEX_MARGIN, span)) if last >= index.hi else index.hi
    index = CalendarIndex(calendar, max(lo, _FIRST_ORDINAL), min(hi, _END_ORDINAL))
    with _index_lock:
        _indexes[calendar] = index
        _indexes.move_to_end(calendar)
        while len(_indexes) > INDEX_CACHE_SIZE:
            _indexes.popitem(last=False)
    return index


def clear_calendar_indexes() -> None:
    """Forget every built index (tests; a calendar edit does not need it, see INDEX_CACHE_SIZE)."""
    with _index_lock:
        _indexes.clear()


def walk_workdays(start: date, n: int, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> Walk:
    """The n-th working day strictly after `start`, not counting working days in `skip`.

    条例 counts from the day after receipt (次日起计算); a non-working start day changes nothing.
    Lookups in the calendar's index (`calendar_index`), not a walk day by day; the result, the
    skipped days and the provisional flag are those of the walk (tests hold it as the reference).
    """
    if n < 0:
        raise ValueError("n must not be negative")
    if n == 0:
        return Walk(end=start)
    origin = start.toordinal()
    limit = origin + MAX_WALK.days  # the last day a walk may reach
    index = calendar_index(calendar, origin, origin + 2 * n + 14)
    paused: list[int] = []
    skip_ordinals = sorted({d.toordinal() for d in skip if d.toordinal() > origin}) if skip else []
    position = index.count(origin) + n - 1  # index.workdays[position] is the n-th after start
    pending = iter(skip_ordinals)
    candidate = next(pending, None)
    while True:
        while position >= len(index.workdays):
            if index.hi > limit:
                raise CalendarError(f"no {n} working days within ten years after {start.isoformat()}")
            index = calendar_index(calendar, index.lo, min(index.hi + (index.hi - index.lo), limit + 1))
        end = index.workdays[position]
        if end > limit:
            raise CalendarError(f"no {n} working days within ten years after {start.isoformat()}")
        # a paused working day on or before the current end pushes the end one working day on
        if candidate is None or candidate > end:
            break
        if index.is_workday(candidate):
            paused.append(candidate)
            position += 1
        candidate = next(pending, None)
    holidays = index.holidays
    skipped = holidays[bisect_right(holidays, origin):bisect_right(holidays, end)]
    end_day = date.fromordinal(end)
    known = calendar.known_years
    provisional = any(year not in known for year in range(date.fromordinal(origin + 1).year, end_day.year + 1))
    return Walk(
        end=end_day,
        skipped_holidays=[date.fromordinal(o) for o in skipped],
        skipped_paused=[date.fromordinal(o) for o in paused],
        provisional=provisional,
    )


def add_workdays(start: date, n: int, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> date:
    """The n-th working day strictly after `start` (条例 counts from the day after receipt)."""
    return walk_workdays(start, n, calendar, skip=skip).end


def workdays_between(start: date, end: date, calendar: WorkCalendar, *, skip: Collection[date] = ()) -> int:
    """Working days d with start < d <= end, less those in `skip`; negative when end < start."""
    if end < start:
        return -workdays_between(end, start, calendar, skip=skip)
    first, last = start.toordinal(), end.toordinal()
    if first == last:
        return 0
    index = calendar_index(calendar, first, last)
    count = index.count(last) - index.count(first)
    if skip:
        for day in set(skip):
            ordinal = day.toordinal()
            if first < ordinal <= last and index.is_workday(ordinal):
                count -= 1
    return count


def workdays_in(first: date, last: date, calendar: WorkCalendar) -> set[date]:
    """The working days from `first` to `last`, both included."""
    if last < first:
        return set()
    lo, hi = first.toordinal(), last.toordinal()
    index = calendar_index(calendar, lo, hi)
    workdays = index.workdays
    return {date.fromordinal(o) for o in workdays[bisect_left(workdays, lo):bisect_right(workdays, hi)]}


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
            # no reply deadline, so nothing provisional about it (the notice period's own years
            # do not make the empty due date "provisional")
            is_provisional=False,
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
