"""Keyset ("cursor") pagination over (-received_on, -id): no COUNT(*), no OFFSET.

Each page is one indexed range query, so page 10,000 of a million rows costs what page 1 costs.
The cursor is opaque to clients (base64 of the last row's sort key and the direction).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class ReceivedKeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

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

    def _decode(self, raw: str) -> tuple[str, date, int]:
        try:
            data = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"=" * (-len(raw) % 4)))
            direction, received_on, pk = data["d"], date.fromisoformat(data["r"]), int(data["i"])
            if direction not in ("n", "p") or pk < 0:
                raise ValueError(direction)
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeError, AttributeError):
            self._bad(self.cursor_query_param, _("分页游标无效，请使用上一次响应中的 next 或 previous 链接。"))
        return direction, received_on, pk

    @staticmethod
    def _encode(direction: str, row) -> str:
        data = json.dumps({"d": direction, "r": row.received_on.isoformat(), "i": row.pk}, separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self._page_size(request)
        raw = request.query_params.get(self.cursor_query_param)
        has_before = has_after = False
        if not raw:
            rows = list(queryset.order_by("-received_on", "-id")[: size + 1])
            has_after = len(rows) > size
            rows = rows[:size]
        else:
            direction, received_on, pk = self._decode(raw)
            if direction == "n":
                # the bound on received_on alone lets the planner range-scan its index
                after = Q(received_on__lte=received_on) & (Q(received_on__lt=received_on) | Q(id__lt=pk))
                rows = list(queryset.filter(after).order_by("-received_on", "-id")[: size + 1])
                has_after, has_before = len(rows) > size, True
                rows = rows[:size]
            else:
                before = Q(received_on__gte=received_on) & (Q(received_on__gt=received_on) | Q(id__gt=pk))
                rows = list(queryset.filter(before).order_by("received_on", "id")[: size + 1])
                has_before, has_after = len(rows) > size, True
                rows = rows[:size][::-1]
        self.next_cursor = self._encode("n", rows[-1]) if has_after and rows else None
        self.previous_cursor = self._encode("p", rows[0]) if has_before and rows else None
        return rows

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
                "description": "分页游标（取自上一页的 next/previous 链接）。", "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param, "in": "query", "required": False,
                "description": f"每页条数，1–{self.max_page_size}，默认 {self.page_size}。",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

