"""The queries behind the 我的待办 home page and the 督办 board.

Counts are made in SQL (one aggregate per section); Python loops only over what is bounded whatever
the number of requests: the rows shown (a page of each group), the units, the days of a chart.
The figures of the board and the request list's 督办 filter (workspace/filters.py) share one Q per
figure, so a figure and the list it links to cannot disagree.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import reduce

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from disclosure import deadlines as dl
from disclosure.access import Access
from disclosure.models import Consultation, DisclosureRequest, StaffRole, Unit
from disclosure.periods import Period, concluded_in, received_in
from disclosure.workflow import CLOSING_OUTCOMES, OPEN_STATUSES, Action, Status, available_actions
from notifications.models import Alert, AlertKind

# Online submissions waiting to be confirmed (状态“待确认”, added with the applicants' portal): until
# that status exists the string matches no row, and the group stays empty.
SUBMITTED = str(getattr(Status, "SUBMITTED", "submitted"))
HAS_SUBMITTED = hasattr(Status, "SUBMITTED")  # the group is shown once the state exists
OPEN_VALUES = sorted({str(s) for s in OPEN_STATUSES})
SOON_DAYS = 5  # "due within 5 working days"
ROWS_PER_GROUP = 15
TREND_DAYS = 30
NOTHING = Q(pk__isnull=True)  # a condition no row meets (an empty IN list, said safely)

ROLE_CLERK, ROLE_REVIEWER = StaffRole.Role.CLERK, StaffRole.Role.REVIEWER
ROLE_LEGAL, ROLE_HEAD = StaffRole.Role.LEGAL_REVIEWER, StaffRole.Role.HEAD
REGISTERING_ROLES = frozenset({ROLE_CLERK, ROLE_REVIEWER, ROLE_HEAD})

# The one action each state waits for, best first: the first the user may take is offered.
NEXT_ACTIONS: dict[str, tuple[str, ...]] = {
    "submitted": (Action.CONFIRM_RECEIPT,),
    Status.REGISTERED: (Action.ACCEPT, Action.START_REVIEW),
    Status.REVIEWING: (Action.ACCEPT, Action.REQUEST_CORRECTION),
    Status.AWAITING_CORRECTION: (Action.RECORD_CORRECTION,),
    Status.HANDLING: (Action.SUBMIT_FOR_LEGAL_REVIEW, Action.REPLY),
    Status.CONSULTING: (Action.RECORD_CONSULTATION_REPLY,),
    Status.LEGAL_REVIEW: (Action.APPROVE_LEGAL_REVIEW,),
    Status.SIGN_OFF: (Action.REPLY,),
}


def _units(ids) -> Q:
    return Q(unit_id__in=sorted(ids)) if ids else NOTHING


def soon_horizon(today: date, calendar: dl.WorkCalendar) -> date:
    """The last day that is still "within 5 working days" of today."""
    return dl.add_workdays(today, SOON_DAYS, calendar)


def week_of(today: date) -> tuple[date, date]:
    """Monday to Sunday of today's week (as the request list's 本周到期 filter)."""
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


# --- 我的待办 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSpec:
    code: str
    label: str
    hint: str
    tone: str  # "red", "amber", "blue", "grey": the row colour


GROUPS = (
    GroupSpec("overdue", _("已逾期"), _("已超过答复期限，请立即办理"), "red"),
    GroupSpec("legal", _("待我法制审核"), _("答复草稿已提交法制审核"), "blue"),
    GroupSpec("sign_off", _("待我签发"), _("法制审核已通过，等待签发答复"), "blue"),
    GroupSpec("review", _("待我审核"), _("新登记的申请，审核是否受理或告知补正"), "blue"),
    GroupSpec("correction", _("补正期限将满"), _("补正期限已届满或5个工作日内届满"), "amber"),
    GroupSpec("consultation", _("征求意见期限将满"), _("征求意见的15个工作日已届满或5个工作日内届满"), "amber"),
    GroupSpec("due_soon", _("5个工作日内到期"), _("答复期限在5个工作日内"), "amber"),
    GroupSpec("submitted", _("网上申请待确认"), _("申请人网上提交，确认后登记"), "grey"),
)


@dataclass
class Scope:
    """Whose requests are "mine", and which wait for a step of one of my roles."""

    user_id: int
    clerk_units: set[int]
    reviewer_units: set[int]
    legal_units: set[int]
    head_units: set[int]

    @classmethod
    def of(cls, access: Access) -> Scope:
        def holding(role):
            return {unit for unit, roles in access.roles.items() if role in roles}

        return cls(
            user_id=access.user_id or 0,
            clerk_units=holding(ROLE_CLERK),
            reviewer_units=holding(ROLE_REVIEWER),
            legal_units=holding(ROLE_LEGAL),
            head_units=holding(ROLE_HEAD),
        )

    @property
    def registering_units(self) -> set[int]:
        return self.clerk_units | self.reviewer_units | self.head_units

    def group_conditions(self, today: date, horizon: date) -> dict[str, Q]:
        """One Q per group, in order of urgency: a request belongs to the first it fits (group_of)."""
        mine = Q(handler_id=self.user_id) | (Q(handler__isnull=True) & _units(self.clerk_units))
        review = Q(status__in=[Status.REGISTERED, Status.REVIEWING]) & _units(self.reviewer_units)
        legal = Q(status=Status.LEGAL_REVIEW) & _units(self.legal_units)
        sign_off = Q(status=Status.SIGN_OFF) & _units(self.head_units)
        lapsing_consultation = Exists(
            Consultation.objects.filter(request=OuterRef("pk"), replied_on__isnull=True, due_on__lte=horizon)
        )
        raw = {
            # the head answers for every late request of the unit (the sweep alerts them too)
            "overdue": (mine | review | legal | sign_off | _units(self.head_units))
            & Q(status__in=OPEN_VALUES, due_on__lt=today),
            "legal": legal,
            "sign_off": sign_off,
            "review": review,
            "correction": mine & Q(status=Status.AWAITING_CORRECTION, correction_period_until__lte=horizon),
            "consultation": mine & Q(status=Status.CONSULTING) & Q(lapsing_consultation),
            "due_soon": mine & Q(status__in=OPEN_VALUES, due_on__gte=today, due_on__lte=horizon),
            "submitted": Q(status=SUBMITTED) & _units(self.registering_units),
        }
        return raw


@dataclass
class Row:
    request: DisclosureRequest
    days_left: int | None  # working days to the reply deadline; None when the clock is stopped
    watch_on: date | None  # the date this group is about (correction period, consultation's end)
    action: str | None
    action_label: str

    @property
    def overdue_days(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


@dataclass
class Group:
    spec: GroupSpec
    count: int
    rows: list[Row] = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.count - len(self.rows), 0)


def next_action(access: Access, req: DisclosureRequest) -> str | None:
    """The one action the request waits for, if this user may take it (no query)."""
    allowed = available_actions(req.status, access.roles_in(req.unit_id), is_admin=access.is_admin) \
        if req.status in NEXT_ACTIONS else []
    return next((a for a in NEXT_ACTIONS.get(req.status, ()) if a in allowed), None)


def my_groups(access: Access, today: date, calendar: dl.WorkCalendar) -> list[Group]:
    """The user's open requests by what is needed next: two queries whatever the numbers — the counts,
    and the first rows of every group at once (ranked within its group by a window function)."""
    scope = Scope.of(access)
    horizon = soon_horizon(today, calendar)
    conditions = scope.group_conditions(today, horizon)
    if not HAS_SUBMITTED:
        conditions.pop("submitted")
    base = access.visible_requests(DisclosureRequest.objects.filter(status__in=[*OPEN_VALUES, SUBMITTED]))
    # Each request in the first group it fits (the most urgent): a CASE takes the first WHEN that holds.
    group_of = Case(*(When(q, then=Value(code)) for code, q in conditions.items()), default=Value(""),
                    output_field=CharField())
    mine = base.filter(reduce(operator.or_, conditions.values())).annotate(ws_group=group_of)
    counts = dict(mine.values_list("ws_group").annotate(n=Count("pk")).order_by())
    groups = {spec.code: Group(spec=spec, count=counts.get(spec.code, 0)) for spec in GROUPS if spec.code in conditions}
    if any(group.count for group in groups.values()):
        first_consultation_due = Consultation.objects.filter(request=OuterRef("pk"), replied_on__isnull=True) \
            .order_by("due_on").values("due_on")[:1]
        rows = (
            mine.annotate(
                ws_rank=Window(RowNumber(), partition_by=[F("ws_group")],
                               order_by=[F("due_on").asc(nulls_first=True), F("received_on").asc(), F("pk").asc()]),
                consultation_due_on=Subquery(first_consultation_due),
            )
            .filter(ws_rank__lte=ROWS_PER_GROUP)
            .select_related("unit", "handler")
            .only("pk", "ref", "applicant_name", "status", "due_on", "due_is_provisional",
                  "correction_period_until", "unit__name", "unit__id", "handler__full_name",
                  "handler__username", "received_on")
            .order_by("ws_rank")
        )
        for req in rows:
            action = next_action(access, req)
            watch = {"correction": req.correction_period_until,
                     "consultation": req.consultation_due_on}.get(req.ws_group)
            groups[req.ws_group].rows.append(Row(
                request=req,
                days_left=dl.workdays_left(req.due_on, today, calendar) if req.due_on else None,
                watch_on=watch,
                action=action,
                action_label=str(Action(action).label) if action else str(_("查看并办理")),
            ))
    return list(groups.values())


@dataclass
class UnitTotals:
    unit: Unit
    open: int
    overdue: int
    due_soon: int
    unassigned: int


def unit_totals(access: Access, today: date, calendar: dl.WorkCalendar) -> list[UnitTotals]:
    """The open work of the user's units (all they see when they act in none): two queries, the
    counts over the open requests only (the unit-status-deadline index), not every request ever."""
    horizon = soon_horizon(today, calendar)
    units = list(
        (Unit.objects.filter(pk__in=sorted(access.acting_unit_ids)) if access.acting_unit_ids
         else access.visible_units()).order_by("path")
    )
    counts = {
        row["unit_id"]: row
        for row in DisclosureRequest.objects.filter(status__in=OPEN_VALUES, unit__in=[u.pk for u in units])
        .values("unit_id")
        .annotate(
            n_open=Count("pk"),
            n_overdue=Count("pk", filter=Q(due_on__lt=today)),
            n_soon=Count("pk", filter=Q(due_on__gte=today, due_on__lte=horizon)),
            n_unassigned=Count("pk", filter=Q(handler_id__isnull=True)),
        )
        .order_by()
    } if units else {}
    empty = {"n_open": 0, "n_overdue": 0, "n_soon": 0, "n_unassigned": 0}
    return [
        UnitTotals(u, c["n_open"], c["n_overdue"], c["n_soon"], c["n_unassigned"])
        for u in units
        for c in [counts.get(u.pk, empty)]
    ]


def may_see_board(access: Access) -> bool:
    """督办 is for supervisors, heads and admins."""
    return access.is_admin or bool(access.supervised_paths) or any(ROLE_HEAD in r for r in access.roles.values())


# --- 督办 board ---------------------------------------------------------------------------------

BOARD_FIGURES = ("open", "overdue", "due_week", "late_year")


def replied_in_year(year: int, prefix: str = "") -> Q:
    """Replied (not closed) with the reply dated in `year`, half-open [1 Jan, 1 Jan next)."""
    p = prefix
    return (
        concluded_in(Period.of_year(year), p)
        & Q(**{f"{p}status__in": [Status.REPLIED, Status.ARCHIVED]})
        & ~Q(**{f"{p}outcome__in": sorted(CLOSING_OUTCOMES)})
    )


def figure_q(code: str, today: date, prefix: str = "") -> Q:
    """The requests behind one figure of the board (also the request list's 督办 filter)."""
    p = prefix
    is_open = Q(**{f"{p}status__in": OPEN_VALUES})
    if code == "open":
        return is_open
    if code == "overdue":
        return is_open & Q(**{f"{p}due_on__lt": today})
    if code == "due_week":
        monday, sunday = week_of(today)
        return is_open & Period.between(monday, sunday).q(f"{p}due_on")
    if code == "late_year":
        return replied_in_year(today.year, p) & Q(**{f"{p}concluded_on__gt": F(f"{p}due_on")})
    raise ValueError(code)


@dataclass
class BoardRow:
    unit: Unit
    depth: int
    open: int
    overdue: int
    due_week: int
    late_year: int
    replied_year: int
    avg_used: float | None  # working days from the clock start to the reply, this year's replies

    @property
    def indent(self) -> str:
        return "\u3000" * self.depth


SORT_KEYS = ("name", *BOARD_FIGURES, "avg_used")


def workday_ordinals(first: date, last: date, calendar: dl.WorkCalendar) -> dict[date, int]:
    """Each day → the number of working days from `first` up to it: workdays_between(a, b) = o[b] − o[a]."""
    ordinals, n, day = {}, 0, first
    while day <= last:
        if calendar.is_workday(day):
            n += 1
        ordinals[day] = n
        day += timedelta(days=1)
    return ordinals


def board_rows(access: Access, today: date, calendar: dl.WorkCalendar, *, sort: str = "overdue",
               descending: bool = True) -> list[BoardRow]:
    """Per visible unit: five queries whatever the number of requests or units, each over an indexed
    set (the open requests; this year's replies), never a join of the units with every request."""
    units = list(access.visible_units())
    in_units = Q() if access.is_admin else Q(unit_id__in=[u.pk for u in units])
    open_counts = {
        row["unit_id"]: row
        for row in DisclosureRequest.objects.filter(figure_q("open", today), in_units)
        .values("unit_id")
        .annotate(
            **{f"n_{code}": Count("pk", filter=figure_q(code, today)) for code in ("open", "overdue", "due_week")}
        )
        .order_by()
    }
    replied = DisclosureRequest.objects.filter(replied_in_year(today.year), in_units)
    reply_counts = {
        row["unit_id"]: row
        for row in replied.values("unit_id")
        .annotate(n_replied=Count("pk"), n_late_year=Count("pk", filter=figure_q("late_year", today)))
        .order_by()
    }
    # Average working days used, exactly and in SQL: the sum over replies of o[reply] − o[start]
    # is Σ o[reply] − Σ o[start], so counts by (unit, day) are enough — bounded by units × days.
    replied = replied.filter(clock_start_on__isnull=False)
    ends = list(replied.values_list("unit_id", "concluded_on").annotate(n=Count("pk")).order_by())
    starts = list(replied.values_list("unit_id", "clock_start_on").annotate(n=Count("pk")).order_by())
    used: dict[int, int] = {}
    replied_with_start: dict[int, int] = {}
    for unit_id, _day, n in ends:
        replied_with_start[unit_id] = replied_with_start.get(unit_id, 0) + n
    if ends:
        first = min(day for _, day, _ in starts)
        ordinals = workday_ordinals(first, max(day for _, day, _ in ends), calendar)
        for unit_id, day, n in ends:
            used[unit_id] = used.get(unit_id, 0) + ordinals[day] * n
        for unit_id, day, n in starts:
            used[unit_id] = used.get(unit_id, 0) - ordinals[day] * n
    rows = []
    for u in units:
        opened, answered = open_counts.get(u.pk, {}), reply_counts.get(u.pk, {})
        replied_n = replied_with_start.get(u.pk, 0)
        rows.append(BoardRow(
            unit=u, depth=max(u.path.count("/") - 2, 0), open=opened.get("n_open", 0),
            overdue=opened.get("n_overdue", 0), due_week=opened.get("n_due_week", 0),
            late_year=answered.get("n_late_year", 0), replied_year=answered.get("n_replied", 0),
            avg_used=round(used[u.pk] / replied_n, 1) if replied_n else None,
        ))
    if sort not in SORT_KEYS:
        sort = "overdue"
    if sort == "name":
        rows.sort(key=lambda r: r.unit.path, reverse=descending)
    else:
        # units without a figure (no reply this year) go last either way
        rows.sort(key=lambda r: (getattr(r, sort) is None, -(getattr(r, sort) or 0) if descending
                                 else (getattr(r, sort) or 0), r.unit.path))
    return rows


@dataclass
class Trend:
    days: list[date]
    received: list[int]
    concluded: list[int]
    overdue: list[int]  # open and past the deadline at the end of each day


def trend(access: Access, today: date, days: int = TREND_DAYS) -> Trend:
    """The last `days` days: received and concluded per day, and the overdue backlog at each day's end."""
    first = today - timedelta(days=days - 1)
    span = [first + timedelta(days=i) for i in range(days)]
    visible = access.visible_requests()
    window = Period.between(first, today)
    received = dict(visible.filter(received_in(window))
                    .values_list("received_on").annotate(n=Count("pk")).order_by())
    concluded = dict(visible.filter(concluded_in(window))
                     .values_list("concluded_on").annotate(n=Count("pk")).order_by())
    # Overdue on day d (as the list's 已逾期 filter showed it that day): the deadline was before d
    # and the request was not concluded by the end of d — deadlines as they stand now.
    # Only what is open now or was concluded within the window can have been overdue in it: two
    # aggregates over two indexed sets (status, concluded_on), not every request ever past its deadline.
    still_open = visible.filter(status__in=OPEN_VALUES, due_on__lt=today).aggregate(
        **{f"d{i}": Count("pk", filter=Q(due_on__lt=day)) for i, day in enumerate(span)}
    )
    concluded_since = visible.filter(concluded_on__gt=first).exclude(status__in=OPEN_VALUES).aggregate(
        **{f"d{i}": Count("pk", filter=Q(due_on__lt=day, concluded_on__gt=day)) for i, day in enumerate(span)}
    )
    backlog = {key: (still_open[key] or 0) + (concluded_since[key] or 0) for key in still_open}
    return Trend(
        days=span,
        received=[received.get(d, 0) for d in span],
        concluded=[concluded.get(d, 0) for d in span],
        overdue=[backlog[f"d{i}"] or 0 for i in range(days)],
    )


@dataclass
class Escalation:
    alert: Alert
    channels: list[str]
    acknowledged_at: object | None  # when the recipient read it in the app, if they did
    still_overdue: bool


def escalations(access: Access, today: date, limit: int = 30) -> tuple[list[Escalation], dict[str, int]]:
    """The 超期督办 alerts sent about visible units, newest first, one row per recipient and deadline,
    whether each was read (acknowledged) in the app; and the totals. Two queries."""
    alerts = Alert.objects.filter(kind=AlertKind.ESCALATED).filter(access.unit_filter("unit__"))
    totals = alerts.aggregate(
        total=Count("pk", filter=Q(channel="in_app")),
        acknowledged=Count("pk", filter=Q(channel="in_app", notification__read_at__isnull=False)),
    )
    recent = (
        alerts.select_related("unit", "recipient", "notification", "request")
        .only("pk", "kind", "deadline", "channel", "status", "created_at", "sent_at", "subject",
              "unit__name", "recipient__full_name", "recipient__username", "notification__read_at",
              "request__ref", "request__status", "request__due_on", "request_id")
        .order_by("-created_at", "-pk")[: limit * 3]
    )
    merged: dict[tuple, Escalation] = {}
    for alert in recent:
        key = (alert.request_id, alert.deadline, alert.recipient_id or f"unit{alert.unit_id}")
        note = getattr(alert, "notification", None)
        read_at = note.read_at if note is not None else None
        row = merged.get(key)
        if row is None:
            req = alert.request
            row = merged[key] = Escalation(
                alert=alert, channels=[], acknowledged_at=read_at,
                still_overdue=req is not None and req.status in OPEN_VALUES and req.due_on is not None
                and req.due_on < today,
            )
        row.channels.append(alert.get_channel_display())
        row.acknowledged_at = row.acknowledged_at or read_at
    return list(merged.values())[:limit], {k: v or 0 for k, v in totals.items()}
