"""Periodic statistics (the seed's 月月通报): for any period (disclosure.periods) and unit, per child
unit — new, concluded by outcome group, open and overdue at the end of the range, on-time rate. Not the statutory
edition: the outcome groups are those of table 三, counted in one SQL query whatever the number of
requests (grouped by the handling unit and outcome; the bucketing into child units runs over those
grouped rows, never over requests)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from disclosure.models import Unit
from disclosure.periods import Period, concluded_in, on_time, received_in

from . import narrative as n
from . import queries as q
from . import tables as t
from .services import row_mapping

GROUP_CODES = tuple(code for code, _l in n.OUTCOME_GROUPS)


def _figures() -> dict:
    return {"new": 0, "concluded": 0, "open": 0, "overdue": 0, "on_time": 0, **{g: 0 for g in GROUP_CODES}}


def on_time_rate(figures: dict) -> Decimal | None:
    """Share of the range's concluded requests answered by their deadline, in percent (one decimal)."""
    if not figures["concluded"]:
        return None
    return (Decimal(figures["on_time"]) * 100 / figures["concluded"]).quantize(Decimal("0.1"), ROUND_HALF_UP)


def period_statistics(unit: Unit, period: Period, mapping: t.RowMapping | None = None) -> list[dict]:
    """[{unit, is_self, figures, on_time_rate}] for the unit's own cases, then each child unit (with its
    subtree), then the total (`unit` None)."""
    mapping = mapping or row_mapping()
    concluded = concluded_in(period)
    still_open = q.q_carried_out(period)  # received by the end and not concluded by then
    rows = q.plain_rows(
        q.requests_in(unit)
        .filter(q.q_relevant(period))
        .values("unit__path", "outcome")
        .annotate(
            new=Count("pk", filter=received_in(period)),
            concluded=Count("pk", filter=concluded),
            on_time=Count("pk", filter=concluded & on_time()),
            open=Count("pk", filter=still_open),
            overdue=Count("pk", filter=still_open & Q(due_on__lt=period.last)),
        )
        .order_by()
    )
    children = list(unit.children.order_by("path"))
    members = [unit, *children]
    figures = {m.path: _figures() for m in members}

    def bucket(path: str) -> str:
        return next((c.path for c in children if path.startswith(c.path)), unit.path)

    for row in rows:
        f = figures[bucket(row["unit__path"])]
        for key in ("new", "concluded", "on_time", "open", "overdue"):
            f[key] += row[key]
        if row["concluded"] and row["outcome"]:
            group = n.outcome_group(mapping.row_for(row["outcome"], t.EDITION_2021))
            f[group] += row["concluded"]
    total = _figures()
    for f in figures.values():
        for key, value in f.items():
            total[key] += value
    result = [
        {
            "unit": m, "is_self": m.pk == unit.pk, "figures": figures[m.path],
            "on_time_rate": on_time_rate(figures[m.path]),
        }
        for m in members
    ]
    result.append({"unit": None, "is_self": False, "figures": total, "on_time_rate": on_time_rate(total)})
    return result
