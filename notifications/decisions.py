"""Tell the people a request now waits for: the unit's legal reviewers when a draft reply is
submitted for 法制审核, its heads when a reply is submitted for 签发 (directly or after legal review).
Event-triggered (signals.py), in the transaction of the action, sent after commit; one alert per
person, channel and day, so a draft returned and resubmitted the same day is not announced twice."""

from __future__ import annotations

from datetime import date

from disclosure.models import StaffRole, Unit, User
from disclosure.workflow import Action, Status

from .delivery import enqueue
from .directory import Directory, label, request_link
from .models import Alert, AlertKind, PersonPreference, UnitPreference
from .outbox import Outbox, fan_out
from .texts import AlertTexts

# the state a request enters → who it waits for there, and the kind of alert they get
WAITING_FOR = {
    Status.LEGAL_REVIEW: (StaffRole.Role.LEGAL_REVIEWER, AlertKind.AWAITING_LEGAL_REVIEW),
    Status.SIGN_OFF: (StaffRole.Role.HEAD, AlertKind.AWAITING_SIGN_OFF),
}
ENTERING = {Action.SUBMIT_FOR_LEGAL_REVIEW, Action.SUBMIT_FOR_SIGN_OFF, Action.APPROVE_LEGAL_REVIEW}


def _directory(user_ids: set[int], unit_id: int) -> Directory:
    """The recipients' channels (four small queries, no staff tables)."""
    return Directory(
        units={u.pk: u for u in Unit.objects.filter(pk=unit_id)},
        users={u.pk: u for u in User.objects.filter(pk__in=user_ids, is_active=True)},
        unit_roles={}, supervisor_roles=[], admins=set(),
        person_prefs={p.user_id: p for p in PersonPreference.objects.filter(user_id__in=user_ids)},
        unit_prefs={p.unit_id: p for p in UnitPreference.objects.filter(unit_id=unit_id)},
    )


def notify_waiting(req, *, action: str, actor_id: int | None, on: date) -> list[int]:
    """Alerts to the people `req` now waits for (never the one who moved it there); their ids."""
    if action not in ENTERING or req.status not in WAITING_FOR:
        return []
    role, kind = WAITING_FOR[Status(req.status)]
    user_ids = set(
        StaffRole.objects.filter(unit_id=req.unit_id, role=role, user__is_active=True).values_list("user_id", flat=True)
    ) - {actor_id}
    if not user_ids:
        return []
    link = request_link(req.pk)
    texts = AlertTexts()
    subject, body = texts.render(
        kind, label=label(req), outcome=req.get_outcome_display(), link=link,
        deadline=texts.part("deadline_clause", due_on=req.due_on) if req.due_on else "",
    )
    planned = fan_out(
        _directory(user_ids, req.unit_id), user_ids=user_ids, robot_units=[], unit_id=req.unit_id, kind=kind,
        request_id=req.pk, deadline=on, link=link, subject=subject, body=body,
    )
    outbox = Outbox()
    outbox.write(planned)
    ids = list(Alert.objects.filter(key__in=[p.key for p in outbox.created]).values_list("pk", flat=True))
    enqueue(ids)
    return ids
