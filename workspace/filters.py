"""The request list's 督办 filter: the exact requests behind each figure of the board.

Registered on the request admin by WorkspaceConfig.ready() (one class appended to its list_filter),
so the changelist's own filters stay where they are written.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import figure_q

FIGURE_LABELS = (
    ("open", _("未办结")),
    ("overdue", _("已逾期未办结")),
    ("due_week", _("本周到期未办结")),
    ("late_year", _("本年逾期答复")),
)


class BoardFigureFilter(admin.SimpleListFilter):
    title = _("督办统计")
    parameter_name = "board"

    def lookups(self, request, model_admin):
        return FIGURE_LABELS

    def queryset(self, request, queryset):
        value = self.value()
        if value in dict(FIGURE_LABELS):
            return queryset.filter(figure_q(value, timezone.localdate()))
        return queryset
