"""Periods of time, one convention: a half-open range of days [start, end) — the first day counts,
the end is the first day after. A year is [1 January, 1 January next), a month [the 1st, the 1st of
the next month), so no caller adds or subtracts a day at a boundary and nobody writes `__gte`/`__lte`
pairs by hand.

"Received in", "concluded in", "open at the end" and "on time" are the Q objects below, used by the
model's queryset (DisclosureRequest.objects.received_in), the annual compile (reporting.queries), the
periodic statistics (reporting.periodic) and the 月月通报 (notifications.bulletin). Pure: dates in,
Q objects out — no model is imported, so disclosure and reporting can both build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, Q

ONE_DAY = timedelta(days=1)


def _day_after(day: date) -> date:
    """The calendar stops at 9999-12-31: a period reaching it ends there (a day no record carries)."""
    return day if day == date.max else day + ONE_DAY


@dataclass(frozen=True)
class Period:
    """The days d with start <= d < end."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), _day_after(date(year, 12, 31)))

    @classmethod
    def of_month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls(start, _day_after(date(year, 12, 31)) if month == 12 else date(year, month + 1, 1))

    @classmethod
    def between(cls, first: date, last: date) -> Period:
        """From `first` to `last`, both included (as a form or a query string gives a range)."""
        if last < first:
            raise ValueError("end before start")
        return cls(first, _day_after(last))

    @property
    def last(self) -> date:
        """The closing day ("as of 31 December"). An empty period has none."""
        if self.end == self.start:
            raise ValueError("an empty period has no last day")
        return self.end - ONE_DAY

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    def q(self, field: str) -> Q:
        """`field` (a date, possibly across a relation: "request__paid_on") falls in the period."""
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def q_by_end(self, field: str) -> Q:
        """`field` is before the end: on or before the closing day."""
        return Q(**{f"{field}__lt": self.end})


def received_in(period: Period, prefix: str = "") -> Q:
    """Received (the original receipt date; a 补正 does not make a new request) in the period."""
    return period.q(f"{prefix}received_on")


def concluded_in(period: Period, prefix: str = "") -> Q:
    """Concluded (the decision date) in the period, whatever happened later."""
    return period.q(f"{prefix}concluded_on")


def open_at_end(period: Period, prefix: str = "") -> Q:
    """Not concluded by the end of the closing day (says nothing of when it was received)."""
    return Q(**{f"{prefix}concluded_on__isnull": True}) | Q(**{f"{prefix}concluded_on__gte": period.end})


def on_time(prefix: str = "") -> Q:
    """Concluded on or before the stored reply deadline, or without one (nothing to be late for)."""
    return Q(**{f"{prefix}due_on__isnull": True}) | Q(**{f"{prefix}concluded_on__lte": F(f"{prefix}due_on")})


def late(prefix: str = "") -> Q:
    """Concluded after the stored reply deadline (a request without one is never late)."""
    return Q(**{f"{prefix}due_on__isnull": False}) & Q(**{f"{prefix}concluded_on__gt": F(f"{prefix}due_on")})
