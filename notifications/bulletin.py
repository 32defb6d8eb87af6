"""月月通报: on the first working day of a month, the previous month's figures per unit.

Per unit: new requests (received in the month), concluded (concluded in the month), on time
(concluded on or before the stored reply deadline), the on-time rate, and the list of requests
overdue as of the compile day. Counts are one SQL aggregation per figure group.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count
from openpyxl import Workbook
from openpyxl.styles import Font

from disclosure import deadlines as dl
from disclosure.access import access_for
from disclosure.models import DisclosureRequest, StaffRole
from disclosure.periods import Period, concluded_in, on_time, received_in
from disclosure.spreadsheets import neutralise_workbook
from disclosure.workcalendar import load_work_calendar

from .directory import Directory, request_link, site_link
from .models import AlertKind, MonthlyBulletin
from .outbox import Outbox, SweepReport, fan_out

HEADERS = ["单位", "新收申请", "办结", "按期办结", "按期办结率", "当前超期件数", "超期申请（编号/答复期限）"]


def first_workday(year: int, month: int, calendar: dl.WorkCalendar) -> date:
    day = date(year, month, 1)
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def compile_rows(month: date, as_of: date, directory: Directory) -> list[dict]:
    period = Period.of_month(month.year, month.month)
    received = dict(
        DisclosureRequest.objects.received().filter(received_in(period))
        .values_list("unit").annotate(n=Count("pk")).values_list("unit", "n")
    )
    concluded = {
        row["unit"]: row
        for row in DisclosureRequest.objects.filter(concluded_in(period))
        .values("unit")
        .annotate(n=Count("pk"), on_time=Count("pk", filter=on_time()))
    }
    overdue: dict[int, list[dict]] = {}
    for pk, unit_id, ref, due_on in (
        DisclosureRequest.objects.overdue(as_of).order_by("due_on", "pk").values_list("pk", "unit_id", "ref", "due_on")
    ):
        overdue.setdefault(unit_id, []).append({"id": pk, "ref": ref or f"#{pk}", "due_on": due_on.isoformat()})
    rows = []
    for unit in sorted(directory.units.values(), key=lambda u: u.path):
        done = concluded.get(unit.pk, {"n": 0, "on_time": 0})
        rows.append({
            "unit_id": unit.pk,
            "unit": unit.name,
            "path": unit.path,
            "new": received.get(unit.pk, 0),
            "concluded": done["n"],
            "on_time": done["on_time"],
            "on_time_rate": round(done["on_time"] / done["n"], 4) if done["n"] else None,
            "overdue": overdue.get(unit.pk, []),
        })
    return rows


def render_xlsx(bulletin: MonthlyBulletin, rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{bulletin.month:%Y-%m}"
    ws.append([f"{bulletin.month:%Y年%m月}政府信息公开申请办理情况通报（{bulletin.compiled_on:%Y-%m-%d} 编制）"])
    ws["A1"].font = Font(bold=True)
    ws.append(HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([
            row["unit"], row["new"], row["concluded"], row["on_time"],
            row["on_time_rate"] if row["on_time_rate"] is not None else "—",
            len(row["overdue"]),
            "；".join(f"{o['ref']}（{o['due_on']}）" for o in row["overdue"]),
        ])
        if row["on_time_rate"] is not None:
            ws.cell(row=ws.max_row, column=5).number_format = "0.0%"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["G"].width = 60
    neutralise_workbook(wb)  # unit names and references come from user input
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rows_visible_to(user, rows: list[dict]) -> list[dict]:
    access = access_for(user)
    if access.is_admin:
        return rows
    return [
        r for r in rows
        if r["unit_id"] in access.acting_unit_ids or any(r["path"].startswith(p) for p in access.supervised_paths)
    ]


def summary_text(bulletin: MonthlyBulletin, rows: list[dict]) -> str:
    lines = [f"{bulletin.month:%Y年%m月}政府信息公开申请办理情况（{bulletin.compiled_on:%Y-%m-%d} 编制）：", ""]
    for r in rows:
        rate = f"{r['on_time_rate']:.1%}" if r["on_time_rate"] is not None else "—"
        lines.append(f"【{r['unit']}】新收{r['new']}件，办结{r['concluded']}件，按期办结率{rate}，"
                     f"当前超期{len(r['overdue'])}件")
        for o in r["overdue"][:20]:
            lines.append(f"  · {o['ref']} 答复期限 {o['due_on']}  {request_link(o['id'])}")
    lines += ["", "详见附件。"]
    return "\n".join(lines)


def monthly_bulletin(today: date, *, calendar: dl.WorkCalendar | None = None, dry_run: bool = False,
                     directory: Directory | None = None) -> SweepReport:
    """From the first working day of a month on, compile last month's bulletin once and send it."""
    calendar = calendar or load_work_calendar()
    outbox = Outbox(dry_run=dry_run)
    if today < first_workday(today.year, today.month, calendar):
        return SweepReport(today=today, created=[], dry_run=dry_run)
    month = previous_month(today)
    directory = directory or Directory.load()
    bulletin = MonthlyBulletin.objects.filter(month=month).first()
    if bulletin is None:
        bulletin = MonthlyBulletin(month=month, compiled_on=today, rows=compile_rows(month, today, directory))
        bulletin.xlsx = render_xlsx(bulletin, bulletin.rows)
        if not dry_run:
            try:
                with transaction.atomic():
                    bulletin.save()
            except IntegrityError:  # a concurrent run compiled it first
                bulletin = MonthlyBulletin.objects.get(month=month)
    recipients = (
        {user for (_unit, role), users in directory.unit_roles.items() if role in (StaffRole.Role.SUPERVISOR,
                                                                                   StaffRole.Role.HEAD)
         for user in users}
        | directory.admins
    )
    planned = []
    for user_id in sorted(recipients):
        rows = rows_visible_to(directory.users[user_id], bulletin.rows)
        if not rows:
            continue
        planned += fan_out(
            directory, user_ids=[user_id], robot_units=[], unit_id=None, kind=AlertKind.BULLETIN, deadline=month,
            subject=f"【月月通报】{month:%Y年%m月}政府信息公开申请办理情况",
            body=summary_text(bulletin, rows),
            link=site_link(f"/admin/notifications/monthlybulletin/{bulletin.pk}/change/") if bulletin.pk else "",
            bulletin_id=bulletin.pk,
        )
    with transaction.atomic():
        outbox.write(planned)
    return SweepReport(today=today, created=outbox.created, dry_run=dry_run)
