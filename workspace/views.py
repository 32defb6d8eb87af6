"""The staff home page (我的待办, the admin's index) and the 督办 board, inside the admin's chrome."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from disclosure.access import access_for
from disclosure.workcalendar import load_work_calendar

from . import selectors
from .chart import line_chart

REQUEST_LIST = "admin:disclosure_disclosurerequest_changelist"


def _chrome(request, title: str) -> dict:
    return {**admin.site.each_context(request), "title": title}


def home(request):
    """我的待办: what is needed next, most urgent first; the admin's app list under 全部功能."""
    access = access_for(request.user)
    today = timezone.localdate()
    calendar = load_work_calendar()
    groups = selectors.my_groups(access, today, calendar)
    context = {
        **_chrome(request, gettext("我的待办")),
        "today": today,
        "groups": groups,
        "total": sum(g.count for g in groups),
        "unit_totals": selectors.unit_totals(access, today, calendar),
        "acting": bool(access.acting_unit_ids),
        "may_see_board": selectors.may_see_board(access),
        "list_url": reverse(REQUEST_LIST),
        "app_list": admin.site.get_app_list(request),
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "workspace/home.html", context)


BOARD_COLUMNS = (
    ("name", _("单位")),
    ("open", _("未办结")),
    ("overdue", _("已逾期")),
    ("due_week", _("本周到期")),
    ("late_year", _("本年逾期答复")),
    ("avg_used", _("本年平均用时（工作日）")),
)


def board(request):
    """督办: every visible unit's open and overdue work, a 30-day trend and the escalations sent."""
    access = access_for(request.user)
    if not selectors.may_see_board(access):
        raise PermissionDenied
    today = timezone.localdate()
    calendar = load_work_calendar()
    sort = request.GET.get("o", "overdue")
    sort = sort if sort in selectors.SORT_KEYS else "overdue"
    descending = request.GET.get("d", "desc" if sort != "name" else "asc") != "asc"
    rows = selectors.board_rows(access, today, calendar, sort=sort, descending=descending)
    list_url = reverse(REQUEST_LIST)

    def figure_url(code: str, unit_id: int | None = None) -> str:
        params = {"board": code}
        if unit_id is not None:
            params["unit"] = unit_id
        return f"{list_url}?{urlencode(params)}"

    table = [
        {
            "row": row,
            "cells": [(getattr(row, code), figure_url(code, row.unit.pk), code) for code in selectors.BOARD_FIGURES],
        }
        for row in rows
    ]
    totals = [
        (sum(getattr(r, code) for r in rows), figure_url(code), code) for code in selectors.BOARD_FIGURES
    ]
    replied = sum(r.replied_year for r in rows if r.avg_used is not None)
    weighted = sum(r.avg_used * r.replied_year for r in rows if r.avg_used is not None)
    headers = []
    for code, label in BOARD_COLUMNS:
        active = code == sort
        next_dir = ("asc" if descending else "desc") if active else ("asc" if code == "name" else "desc")
        headers.append({
            "label": label, "active": active, "descending": descending,
            "url": "?" + urlencode({"o": code, "d": next_dir}),
        })
    trend = selectors.trend(access, today)
    chart = line_chart(trend.days, [
        (gettext("收到申请"), "received", trend.received),
        (gettext("办结"), "concluded", trend.concluded),
        (gettext("逾期未办结"), "overdue", trend.overdue),
    ])
    escalations, escalation_totals = selectors.escalations(access, today)
    context = {
        **_chrome(request, gettext("督办")),
        "today": today,
        "headers": headers,
        "table": table,
        "totals": totals,
        "total_avg": round(weighted / replied, 1) if replied else None,
        "chart": chart,
        "escalations": escalations,
        "escalation_totals": escalation_totals,
        "year": today.year,
    }
    request.current_app = admin.site.name
    return TemplateResponse(request, "workspace/board.html", context)
