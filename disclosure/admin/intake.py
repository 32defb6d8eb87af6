"""The staff side of online applications (portal.md): the 待确认 filter with its count on the request
list, and what the page of a submission (or of a request with an online correction) shows."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..access import access_for
from ..models import DisclosureRequest
from ..workflow import Action, Status


class SubmittedFilter(admin.SimpleListFilter):
    """网上申请: the submissions waiting for a clerk to confirm them, counted among those the user sees."""

    title = _("网上申请")
    parameter_name = "online"

    def lookups(self, request, model_admin):
        # one query for both counts, among the requests this user sees
        counts = access_for(request.user).visible_requests(
            DisclosureRequest.objects.filter(
                Q(status=Status.SUBMITTED) | Q(status=Status.AWAITING_CORRECTION, online_correction_at__isnull=False)
            )
        ).aggregate(
            waiting=Count("pk", filter=Q(status=Status.SUBMITTED)),
            corrections=Count("pk", filter=Q(status=Status.AWAITING_CORRECTION)),
        )
        waiting, corrections = counts["waiting"], counts["corrections"]
        return (
            ("submitted", gettext("待确认（%(n)d）") % {"n": waiting}),
            ("correction", gettext("网上补正待确认（%(n)d）") % {"n": corrections}),
        )

    def queryset(self, request, queryset):
        if self.value() == "submitted":
            return queryset.filter(status=Status.SUBMITTED)
        if self.value() == "correction":
            return queryset.filter(status=Status.AWAITING_CORRECTION, online_correction_at__isnull=False)
        return queryset


def intake_panel(obj: DisclosureRequest) -> dict:
    """The change page's panel for an online submission not yet confirmed, or a correction sent online."""
    submitted = obj.status == Status.SUBMITTED
    correction = None
    if obj.status == Status.AWAITING_CORRECTION and obj.online_correction_at is not None:
        event = obj.events.filter(action=Action.SUBMIT_CORRECTION).order_by("-at", "-pk").first()
        correction = {"at": obj.online_correction_at, "content": (event.data.get("content", "") if event else "")}
    if not (submitted or correction or obj.status == Status.REJECTED):
        return {}
    return {
        "gk_intake": {
            "submitted": submitted,
            "rejected": obj.status == Status.REJECTED,
            "rejection_reason": (obj.reply_data or {}).get("reason", "") if obj.status == Status.REJECTED else "",
            "submitted_at": obj.submitted_at,
            "delivery": obj.get_requested_delivery_display(),
            "correction": correction,
        }
    }
