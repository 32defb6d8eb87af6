"""One message per person (or group robot) and channel per sweep: the digest of its alerts.

The rows stay one per alert in the outbox (each keyed, each with its status); a digest is only how
the claimed rows of one group are worded and sent together, grouped by urgency, most urgent first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import AlertKind, Notification

# Sections of a digest, most urgent first: (title, kinds).
SECTIONS = (
    (_("超期督办"), frozenset({AlertKind.ESCALATED})),
    (_("答复已超期"), frozenset({AlertKind.OVERDUE})),
    (_("期限届满，待处理"), frozenset({
        AlertKind.CORRECTION_NOTICE_LATE, AlertKind.CONSULTATION_LAPSED, AlertKind.CORRECTION_PERIOD_LAPSED,
        AlertKind.FEE_PERIOD_LAPSED,
    })),
    (_("答复期限临近"), frozenset({AlertKind.REMINDER})),
)
ROBOT_MAX_ITEMS = 30  # a robot text message holds about 4,000 characters
PERSON_MAX_ITEMS = 500  # an e-mail or notification a person can still read; the rest: log in
_TAG = re.compile(r"^【[^】]*】\s*")


@dataclass
class DigestMessage:
    """Duck-types the Alert attributes the channel senders read (subject, body, recipient, unit, key)."""

    subject: str
    body: str
    link: str
    recipient: object
    unit: object
    unit_id: int | None
    key: str
    bulletin_id: None = None
    alert_ids: list[int] = field(default_factory=list)
    address: str = ""  # an applicant's address (notifications/applicants.py); digests go to staff only

    @property
    def recipient_id(self) -> int | None:
        return getattr(self.recipient, "pk", None)


def _overview_link() -> str:
    try:
        path = reverse("admin:disclosure_disclosurerequest_changelist")
    except NoReverseMatch:
        path = "/admin/disclosure/disclosurerequest/"
    return settings.GONGKAI_SITE_URL + path


def _line(alert, due_word: str) -> str:
    """One request of the digest, formatted here rather than by template tags per item (a digest of
    a thousand lines rendered item by item cost a tenth of a second)."""
    return f"  · {_TAG.sub('', alert.subject)}（{due_word} {alert.deadline:%Y-%m-%d}）\n    {alert.link}"


def digest_day(alerts) -> date | None:
    try:
        return date.fromisoformat(alerts[0].digest.split("|", 1)[0])
    except (ValueError, IndexError):
        return None


def digest_message(alerts: list) -> DigestMessage:
    """One alert is sent as it is; two or more as the digest (templates digest_subject/_body.txt)."""
    first = alerts[0]
    keys = " ".join(a.key for a in alerts)
    ids = [a.pk for a in alerts]
    if len(alerts) == 1:
        return DigestMessage(subject=first.subject, body=first.body, link=first.link, recipient=first.recipient,
                             unit=first.unit, unit_id=first.unit_id, key=keys, alert_ids=ids)
    robot = first.recipient_id is None
    sections, shown = [], 0
    due_word = str(_("期限"))
    for title, kinds in SECTIONS:
        items = [_line(a, due_word) for a in alerts if a.kind in kinds]
        if not items:
            continue
        room = max((ROBOT_MAX_ITEMS if robot else PERSON_MAX_ITEMS) - shown, 0)
        items, more = items[:room], max(len(items) - room, 0)
        shown += len(items)
        sections.append({"title": title, "text": "\n".join(items), "more": more,
                         "count": sum(1 for a in alerts if a.kind in kinds)})
    context = {
        "day": digest_day(alerts),
        "total": len(alerts),
        "sections": sections,
        "recipient": first.recipient,
        "unit": first.unit,
        "overview": _overview_link(),
        "robot": robot,
    }
    subject = " ".join(render_to_string("notifications/digest_subject.txt", context).split())
    body = render_to_string("notifications/digest_body.txt", context).strip()
    return DigestMessage(subject=subject[:300], body=body, link=context["overview"], recipient=first.recipient,
                         unit=first.unit, unit_id=first.unit_id, key=keys, alert_ids=ids)


def send_in_app_digest(message: DigestMessage) -> Notification:
    """Called inside the transaction that marks the rows sent: the notification exists iff they are."""
    return Notification.objects.create(
        user=message.recipient, alert_id=message.alert_ids[0], message=f"{message.subject}\n{message.body}",
        link=message.link,
    )
