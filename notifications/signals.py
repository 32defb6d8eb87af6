"""Staff actions that notify someone. disclosure.services writes one RequestEvent per action;
listening to it keeps disclosure free of any dependency on notifications."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from disclosure.models import RequestEvent
from disclosure.services.intake import application_submitted
from disclosure.workflow import Action

from .applicants import APPLICANT_EVENT_ACTIONS, notify_applicant, notify_for_event
from .decisions import ENTERING, notify_waiting
from .models import AlertKind
from .services import notify_assignment


@receiver(post_save, sender=RequestEvent, dispatch_uid="notifications.assignment")
def on_request_event(sender, instance: RequestEvent, created: bool, raw: bool = False, **kwargs):
    if raw or not created or instance.action != Action.ASSIGN:
        return
    handler_id = (instance.data or {}).get("handler")
    if not handler_id or handler_id == instance.actor_id:
        return
    # Runs inside the service's transaction: the alert row commits with the assignment, and the
    # broker is only asked after commit (a broker outage leaves the alert pending, never an error).
    notify_assignment(instance.request, handler_id, timezone.localdate())


@receiver(post_save, sender=RequestEvent, dispatch_uid="notifications.applicant_step")
def on_applicant_step(sender, instance: RequestEvent, created: bool, raw: bool = False, **kwargs):
    """Tell the applicant of a step that concerns them (issue 10), in the step's transaction."""
    if raw or not created or instance.action not in APPLICANT_EVENT_ACTIONS:
        return
    notify_for_event(instance)


@receiver(application_submitted, dispatch_uid="notifications.applicant_submitted")
def on_application_submitted(sender, request, tracking_code: str, **kwargs):
    notify_applicant(request, AlertKind.APPLICANT_SUBMITTED, on=request.submitted_on, tracking_code=tracking_code)


@receiver(post_save, sender=RequestEvent, dispatch_uid="notifications.waiting_for_decision")
def on_waiting_for_decision(sender, instance: RequestEvent, created: bool, raw: bool = False, **kwargs):
    """A request now waits for legal review or sign-off: tell the unit's legal reviewers or heads."""
    if raw or not created or instance.action not in ENTERING:
        return
    notify_waiting(instance.request, action=instance.action, actor_id=instance.actor_id, on=timezone.localdate())
