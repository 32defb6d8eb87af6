"""Telling the applicant (portal.md): at each step that concerns them — submitted (with the tracking
code), registered, rejected, correction asked, extension, reply issued — one e-mail (when they gave
an address) and one SMS (GONGKAI_SMS_BACKEND) through the same outbox as the staff alerts: written
in the transaction of the step, keyed so it exists once, sent once, retried on failure, listed in
the admin. The text comes from templates/notifications/applicant/<step>.txt, in the site's language;
it links to the public status page and never carries the ID number.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from disclosure.workflow import Action

from .channels import TRACKING_CODE_PLACEHOLDER
from .delivery import enqueue
from .models import Alert, AlertChannel, AlertKind

STEP_TEMPLATES = {
    AlertKind.APPLICANT_SUBMITTED: "submitted",
    AlertKind.APPLICANT_REGISTERED: "registered",
    AlertKind.APPLICANT_REJECTED: "rejected",
    AlertKind.APPLICANT_CORRECTION: "correction",
    AlertKind.APPLICANT_EXTENSION: "extension",
    AlertKind.APPLICANT_REPLIED: "replied",
}


def status_url() -> str:
    try:
        path = reverse("public:status")
    except NoReverseMatch:
        path = "/public/status/"
    return getattr(settings, "GONGKAI_SITE_URL", "") + path


def _subject(kind: str, req) -> str:
    subjects = {
        AlertKind.APPLICANT_SUBMITTED: _("您的政府信息公开申请已提交"),
        AlertKind.APPLICANT_REGISTERED: _("您的政府信息公开申请已受理"),
        AlertKind.APPLICANT_REJECTED: _("您的网上提交未予受理"),
        AlertKind.APPLICANT_CORRECTION: _("您的政府信息公开申请需要补正"),
        AlertKind.APPLICANT_EXTENSION: _("您的政府信息公开申请答复期限延长"),
        AlertKind.APPLICANT_REPLIED: _("您的政府信息公开申请已答复"),
    }
    return f"【{req.unit.name}】{subjects[kind]}"


def applicant_key(request_id: int, kind: str, stage: int, on: date, channel: str) -> str:
    return f"{request_id}|{kind}|{stage}|{on.isoformat()}|applicant|{channel}"


def notify_applicant(req, kind: str, *, on: date, stage: int = 0, context: dict | None = None,
                     tracking_code: str = "") -> list[int]:
    """Write the applicant's messages for one step (none if they gave neither phone nor e-mail) and
    hand them to the workers after commit. Returns the ids of the alerts written now."""
    addresses = [(AlertChannel.EMAIL, req.applicant_email), (AlertChannel.SMS, req.applicant_phone)]
    addresses = [(channel, address) for channel, address in addresses if address]
    if not addresses:
        return []
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(
            f"notifications/applicant/{STEP_TEMPLATES[kind]}.txt",
            {"req": req, "unit": req.unit.name, "status_url": status_url(),
             "tracking_code": TRACKING_CODE_PLACEHOLDER if tracking_code else "", **(context or {})},
        ).strip()
        subject = _subject(kind, req)
    rows = [
        Alert(
            request_id=req.pk, unit_id=req.unit_id, kind=kind, stage=stage, deadline=on, recipient=None,
            channel=channel, key=applicant_key(req.pk, kind, stage, on, channel), subject=subject[:300], body=body,
            link=status_url()[:500], address=address, secret=tracking_code,
        )
        for channel, address in addresses
    ]
    keys = [row.key for row in rows]
    existing = set(Alert.objects.filter(key__in=keys).values_list("key", flat=True))
    new = [row for row in rows if row.key not in existing]
    if not new:
        return []
    Alert.objects.bulk_create(new, ignore_conflicts=True)
    ids = list(Alert.objects.filter(key__in=[row.key for row in new]).values_list("pk", flat=True))
    enqueue(ids)
    return ids


def notify_for_event(event) -> list[int]:
    """The applicant's message for a staff step (notifications.signals), if the step concerns them."""
    req = event.request
    if not (req.applicant_email or req.applicant_phone):
        return []
    data = event.data or {}
    today = timezone.localdate(event.at) if event.at else timezone.localdate()
    action = event.action
    if action == Action.CONFIRM_RECEIPT:
        return notify_applicant(req, AlertKind.APPLICANT_REGISTERED, on=req.received_on)
    if action == Action.REJECT_SUBMISSION:
        return notify_applicant(req, AlertKind.APPLICANT_REJECTED, on=today, context={"reason": data.get("reason", "")})
    if action == Action.REQUEST_CORRECTION:
        return notify_applicant(req, AlertKind.APPLICANT_CORRECTION, on=req.correction_requested_on or today,
                                stage=req.correction_rounds)
    if action in (Action.APPROVE_EXTENSION, Action.SET_DELAYED_REPLY):
        stage = 1 if action == Action.SET_DELAYED_REPLY else 0
        return notify_applicant(req, AlertKind.APPLICANT_EXTENSION, on=req.due_on or today, stage=stage)
    if action == Action.REPLY:
        online = req.requested_delivery in ("online", "email")
        return notify_applicant(req, AlertKind.APPLICANT_REPLIED, on=req.concluded_on or today,
                                context={"downloadable": online})
    return []


APPLICANT_EVENT_ACTIONS = frozenset({
    Action.CONFIRM_RECEIPT, Action.REJECT_SUBMISSION, Action.REQUEST_CORRECTION, Action.APPROVE_EXTENSION,
    Action.SET_DELAYED_REPLY, Action.REPLY,
})
