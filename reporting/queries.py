"""ORM aggregation → plain rows. The one module of `reporting` that reads disclosure's tables.

Counting is "as of" the recorded dates (annual-report.md), never the current status, and happens in
SQL: one query per section whatever the number of requests and units. The Q objects below are the
single definition of what a cell counts; the compile aggregates over them and the drill-down lists
filter by them (requests_for_cell), so the two cannot disagree.
"""

from __future__ import annotations

from datetime import date

from django.db import connections
from django.db.models import Count, F, Q, QuerySet

from disclosure import periods
from disclosure.models import DisclosureRequest, Unit
from disclosure.periods import concluded_in, open_at_end, received_in
from disclosure.workflow import UNRECEIVED_STATUSES

from . import tables as t

# Applicant columns of table 三 are the applicant_type codes themselves.
assert set(t.APPLICANT_COLUMNS) == {c for c, _l in DisclosureRequest._meta.get_field("applicant_type").choices}


def Period(year: int) -> periods.Period:
    """Report year Y: [Y-01-01, (Y+1)-01-01), half-open like every period (disclosure.periods).
    Capitalised because callers built the report year as `Period(Y)` before Period moved down."""
    return periods.Period.of_year(year)


# --- Table 三: what each row counts --------------------------------------------------------------


def q_new(p: periods.Period) -> Q:
    """一: original receipt date in Y (a 补正 does not make a new request)."""
    return received_in(p)


def q_carried_in(p: periods.Period) -> Q:
    """二: received before Y and not concluded before Y-01-01."""
    return Q(received_on__lt=p.start) & (Q(concluded_on__isnull=True) | Q(concluded_on__gte=p.start))


def q_concluded(p: periods.Period) -> Q:
    """三: concluded in Y (the decision date), whatever happened later."""
    return concluded_in(p)


def q_carried_out(p: periods.Period) -> Q:
    """四: received on or before Y-12-31 and not concluded on Y-12-31."""
    return p.q_by_end("received_on") & open_at_end(p)


def q_relevant(p: periods.Period) -> Q:
    """Every request that appears anywhere in table 三 of Y. Written as an OR of terms that each lead
    with an indexed date, so the planner can use (unit, received_on) and (unit, concluded_on) instead
    of reading every request of the subtree (4× faster on SQLite at 100k requests)."""
    return (
        q_new(p)
        | Q(concluded_on__isnull=True, received_on__lt=p.end)
        | Q(concluded_on__gte=p.start, received_on__lt=p.end)
    )


def q_overdue_or_late(p: periods.Period) -> Q:
    """q_overdue_open | q_replied_late, as index-led OR terms on concluded_on (see q_relevant)."""
    return (
        Q(concluded_on__isnull=True, received_on__lt=p.end, due_on__lt=p.last)
        | Q(concluded_on__gte=p.end, received_on__lt=p.end, due_on__lt=p.last)
        | Q(concluded_on__gte=p.start, concluded_on__lt=p.end, due_on__isnull=False, concluded_on__gt=F("due_on"))
    )


def q_overdue_open(p: periods.Period) -> Q:
    """Check 7: still open on Y-12-31 with its deadline already past."""
    return q_carried_out(p) & Q(due_on__lt=p.last)


def q_replied_late(p: periods.Period) -> Q:
    return q_concluded(p) & periods.late()


def q_row(row: str, p: periods.Period, edition: str, mapping: t.RowMapping) -> Q:
    """What one table-三 row counts."""
    fixed = {"new": q_new, "carried_in": q_carried_in, "carried_out": q_carried_out, "total": q_concluded}
    if row in fixed:
        return fixed[row](p)
    if row not in t.OUTCOME_ROWS[edition]:
        raise ValueError(f"row {row!r} is not in the {edition} edition")
    return q_concluded(p) & Q(outcome__in=mapping.outcomes_for(row, edition))


def q_column(column: str) -> Q:
    if column == "total":
        return Q()
    if column not in t.APPLICANT_COLUMNS:
        raise ValueError(f"column {column!r} is not a table-三 column")
    return Q(applicant_type=column)


# --- Table 四: what each cell counts --------------------------------------------------------------

_PROCEEDINGS = {
    "reconsideration": ("reconsideration", Q()),
    "litigation_direct": ("litigation", ~Q(litigation_after_reconsideration=True)),
    "litigation_after_reconsideration": ("litigation", Q(litigation_after_reconsideration=True)),
}


def q_undecided_at(prefix: str, day: date) -> Q:
    """No outcome yet on `day`; an outcome recorded without a decision date counts as decided."""
    return Q(**{f"{prefix}_outcome": ""}) | Q(**{f"{prefix}_decided_on__gt": day})


def q_proceeding_counted(prefix: str, p: periods.Period, rule: str) -> Q:
    """Default rule: filed in Y, or filed earlier and undecided on Y-01-01 (no outcome yet, or decided
    on or after Y-01-01). Alternative: filed in Y.

    Written as an OR of terms that each lead with an indexed column (filing date; decision date;
    filing date of the proceedings without an outcome — partial indexes, see DisclosureRequest.Meta),
    so a year's table 四 reads that year's proceedings, not every one filed before."""
    filed = f"{prefix}_filed_on"
    filed_in_year = p.q(filed)
    if rule == t.TABLE4_RULE_FILED_IN_YEAR:
        return filed_in_year
    filed_by_end = p.q_by_end(filed)
    return (
        filed_in_year
        | (Q(**{f"{prefix}_decided_on__gte": p.start}) & filed_by_end)
        | (Q(**{f"{prefix}_outcome": ""}) & filed_by_end)
    )


def q_table4(group: str, column: str, p: periods.Period, rule: str) -> Q:
    """One table-四 cell: counted under the rule; the column is the outcome as of Y-12-31
    (尚未审结 if undecided then)."""
    prefix, extra = _PROCEEDINGS[group]
    counted = q_proceeding_counted(prefix, p, rule) & extra
    if column == "total":
        return counted
    if column == "pending":
        return counted & q_undecided_at(prefix, p.last)
    return counted & Q(**{f"{prefix}_outcome": column}) & ~q_undecided_at(prefix, p.last)


def q_table4_relevant(p: periods.Period, rule: str) -> Q:
    """Every request with a proceeding that table 四 of Y counts under `rule`: not every proceeding
    ever filed, so a decade of decided cases is not read for one year (each term leads with a
    filing date, which the partial indexes on *_filed_on serve)."""
    return q_proceeding_counted("reconsideration", p, rule) | q_proceeding_counted("litigation", p, rule)


# --- Scope -----------------------------------------------------------------------------------------


def q_scope(unit: Unit, excluded_paths: tuple[str, ...] = ()) -> Q:
    """The unit and everything below it (a prefix match on the joined unit's materialised path),
    without the subtrees whose figures come from an imported report, and without online submissions
    not (or never) received as applications (workflow.UNRECEIVED_STATUSES: 条例第三十一条)."""
    q = Q(unit__path__startswith=unit.path) & ~Q(status__in=UNRECEIVED_STATUSES)
    for path in excluded_paths:
        q &= ~Q(unit__path__startswith=path)
    return q


def requests_in(unit: Unit, excluded_paths: tuple[str, ...] = ()) -> QuerySet:
    return DisclosureRequest.objects.filter(q_scope(unit, excluded_paths))


# --- The aggregation queries ---------------------------------------------------------------------

def plain_rows(qs: QuerySet) -> list[dict]:
    """Run the ORM's SQL and return plain dicts: the counts need none of Django's per-row value
    converters, which cost more than the query itself on small years (a third of a compile)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


GROUPING = ("applicant_type", "outcome", "channel", "unit__kind")


def year_counts(scope: QuerySet, p: periods.Period, by: tuple[str, ...] = GROUPING) -> list[dict]:
    """Table 三's query: per (applicant type, outcome, channel, unit kind) the counts of new, carried
    in, concluded in Y, carried out, and check 7's overdue-or-late requests — one pass over the
    year's rows, each branch of the WHERE led by an index.

    Every aggregate is evaluated for every row, so the pass counts as little as it can: carried in
    is derived (a row of q_relevant is either new or carried in, so carried_in = rows − new), check
    7's overdue open and replied late are one count (only their sum is used), and each condition
    leaves out what q_relevant already guarantees (received on or before Y-12-31). Within
    q_relevant these are exactly q_new, q_carried_out and q_overdue_open | q_replied_late."""
    still_open = open_at_end(p)
    rows = plain_rows(
        scope.filter(q_relevant(p))
        .values(*by)
        .annotate(
            rows=Count("pk"),
            new=Count("pk", filter=Q(received_on__gte=p.start)),
            concluded=Count("pk", filter=q_concluded(p)),
            carried_out=Count("pk", filter=still_open),
            overdue=Count(
                "pk", filter=(still_open & Q(due_on__lt=p.last)) | (q_concluded(p) & Q(concluded_on__gt=F("due_on")))
            ),
        )
        .order_by()
    )
    for row in rows:
        row["carried_in"] = row.pop("rows") - row["new"]
    return rows


TABLE4_GROUPING = ("reconsideration_outcome", "litigation_outcome", "litigation_after_reconsideration")


def table4_counts(scope: QuerySet, p: periods.Period, rule: str, by: tuple[str, ...] = ()) -> list[dict]:
    """Table 四's query: per recorded outcome, how many proceedings count in Y and are decided or
    still pending on Y-12-31 (tables.build_table4 places them). A separate query: folding it into
    year_counts' WHERE makes SQLite's planner give up the date indexes and read every request."""
    aggregates = {}
    for prefix in ("reconsideration", "litigation"):
        counted = q_proceeding_counted(prefix, p, rule)
        aggregates[f"{prefix}_counted"] = Count("pk", filter=counted)
        aggregates[f"{prefix}_pending"] = Count("pk", filter=counted & q_undecided_at(prefix, p.last))
    rows = plain_rows(
        scope.filter(q_table4_relevant(p, rule)).values(*by, *TABLE4_GROUPING).annotate(**aggregates).order_by()
    )
    for row in rows:  # decided by Y-12-31 = counted − pending (one condition fewer per row)
        for prefix in ("reconsideration", "litigation"):
            row[f"{prefix}_decided"] = row.pop(f"{prefix}_counted") - row[f"{prefix}_pending"]
    return rows


def overdue_list(scope: QuerySet, p: periods.Period, limit: int = 20) -> list[dict]:
    """Check 7's listing (the count comes from year_counts): the first `limit` by deadline."""
    rows = (
        scope.filter(q_overdue_or_late(p))
        .order_by("due_on", "pk")
        .values("ref", "pk", "unit__name", "due_on", "concluded_on")[:limit]
    )
    return [
        {
            "ref": r["ref"] or f"#{r['pk']}",
            "unit": r["unit__name"],
            "due_on": r["due_on"].isoformat() if r["due_on"] else "",
            "kind": "逾期答复" if r["concluded_on"] and r["concluded_on"] < p.end else "逾期未答复",
        }
        for r in rows
    ]
