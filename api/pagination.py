"""Keyset ("cursor") pagination: no COUNT(*), no OFFSET.

Each page is one indexed range query, so page 10,000 of a million rows costs what page 1 costs.
A cursor names a position between rows and a direction: `n` (the rows after it) or `p` (before
it), then the sort key of the row it was taken from. It is opaque to clients, but its form is
published (the schema's `pattern`) and every string of that form is a position, valid whether or
not a row still sits there: the schema says exactly what the validation accepts.
"""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination(BasePagination):
    """The page size and cursor parameters, the links and their schema; subclasses order and cut."""

    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    cursor_pattern = ""  # a full-match regex; its groups are handed to _position()

    def _bad(self, field: str, message: str):
        raise serializers.ValidationError({field: [message]})

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw in (None, ""):
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            self._bad(self.page_size_query_param, _("每页条数应为1至%(max)d之间的整数。") % {"max": self.max_page_size})
        return size

    def _cursor(self, request):
        """(direction, position) of the request's cursor, or None without one."""
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        match = re.fullmatch(self.cursor_pattern, raw)
        if match is None:
            self._bad(self.cursor_query_param, _("分页游标无效，请使用上一次响应中的 next 或 previous 链接。"))
        direction, *key = match.groups()
        return direction, self._position(*key)

    def _position(self, *groups):
        raise NotImplementedError

    def _link(self, cursor):
        if cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"next": self._link(self.next_cursor), "previous": self._link(self.previous_cursor),
                         "results": data})

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param, "in": "query", "required": False,
                "description": "分页游标（取自上一页的 next/previous 链接，不必自行构造）；省略或留空为第一页。",
                "schema": {"type": "string", "pattern": "^(?:" + self.cursor_pattern + ")?$"},
            },
            {
                "name": self.page_size_query_param, "in": "query", "required": False,
                "description": f"每页条数，1–{self.max_page_size}，默认 {self.page_size}。",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    newest_first: tuple[str, ...] = ()  # the page order; oldest_first is its reverse
    oldest_first: tuple[str, ...] = ()

    def _bounds(self, position) -> tuple[Q, Q]:
        """The rows after and before `position` in newest-first order."""
        raise NotImplementedError

    def _key(self, row) -> str:
        raise NotImplementedError

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        cursor = self._cursor(request)
        has_before = has_after = False
        if cursor is None:
            rows = list(queryset.order_by(*self.newest_first)[: size + 1])
            has_after = len(rows) > size
            rows = rows[:size]
        elif cursor[0] == "n":
            rows = list(queryset.filter(self._bounds(cursor[1])[0]).order_by(*self.newest_first)[: size + 1])
            has_after, has_before = len(rows) > size, True
            rows = rows[:size]
        else:
            rows = list(queryset.filter(self._bounds(cursor[1])[1]).order_by(*self.oldest_first)[: size + 1])
            has_before, has_after = len(rows) > size, True
            rows = rows[:size][::-1]
        self.next_cursor = "n" + self._key(rows[-1]) if has_after and rows else None
        self.previous_cursor = "p" + self._key(rows[0]) if has_before and rows else None
        return rows


class ReceivedKeysetPagination(KeysetPagination):
    """Over (-received_on, -id). Cursor: direction, the day's ordinal (date.toordinal), ".", the id;
    an ordinal past the calendar's ends stands for its first or last day."""

    cursor_pattern = r"([np])([0-9]{1,7})\.([0-9]{1,18})"
    newest_first = ("-received_on", "-id")
    oldest_first = ("received_on", "id")

    def _position(self, ordinal, pk):
        day = date.fromordinal(min(max(int(ordinal), 1), date.max.toordinal()))
        return day, int(pk)

    def _bounds(self, position):
        received_on, pk = position
        # the bound on received_on alone lets the planner range-scan its index
        return (Q(received_on__lte=received_on) & (Q(received_on__lt=received_on) | Q(id__lt=pk)),
                Q(received_on__gte=received_on) & (Q(received_on__gt=received_on) | Q(id__gt=pk)))

    def _key(self, row):
        return f"{row.received_on.toordinal()}.{row.pk}"


class IdKeysetPagination(KeysetPagination):
    """Newest first by id (ids grow with the creation time). Cursor: direction and an id."""

    cursor_pattern = r"([np])([0-9]{1,18})"
    newest_first = ("-id",)
    oldest_first = ("id",)

    def _position(self, pk):
        return int(pk)

    def _bounds(self, pk):
        return Q(id__lt=pk), Q(id__gt=pk)

    def _key(self, row):
        return str(row.pk)
