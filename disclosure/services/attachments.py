"""Files in the case record: added by anyone acting in the unit, removed only by an admin, each with
an event that keeps the request's state and version."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import access_for
from ..models import Attachment, DisclosureRequest, RequestEvent
from ..workflow import Action
from .write import Actor, NotPermitted

# --- attachments -------------------------------------------------------------------------------


def _check_can_attach(actor: Actor, req: DisclosureRequest) -> None:
    # the same rule as before attachments had a service: anyone acting in the unit (legal
    # reviewers included), whatever the state — a delivery receipt arrives after the reply
    if not access_for(actor).can_act_on_unit(req.unit_id):
        raise NotPermitted(_("您没有在本单位上传附件的权限。"))


def add_attachment(req: DisclosureRequest, *, actor: Actor, file: Any, name: str, description: str = "",
                   content_type: str = "", extension: str = "", now: datetime | None = None) -> Attachment:
    """A file in the case record, with an "attach" event. `file` is already checked (forms.AttachmentForm):
    it is stored under a random name, the user's file name is only ever shown, never a path."""
    _check_can_attach(actor, req)
    with transaction.atomic():
        attachment = Attachment(
            request=req, name=name, description=(description or "").strip(), content_type=content_type,
            size=file.size, uploaded_by=actor,
        )
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
        attachment.save()
        _attachment_event(req, Action.ATTACH, actor, attachment, now=now)
    return attachment


def remove_attachment(attachment: Attachment, *, actor: Actor, now: datetime | None = None) -> None:
    """Only an admin removes a file from the case record (e.g. uploaded to the wrong request); the
    "detach" event keeps its name, size and uploader."""
    if not access_for(actor).is_admin:
        raise NotPermitted(_("只有系统管理员可以删除附件。"))
    req = attachment.request
    with transaction.atomic():
        _attachment_event(req, Action.DETACH, actor, attachment, now=now)
        storage, stored_name = attachment.file.storage, attachment.file.name
        attachment.delete()
        # the file goes only once the row is gone for good
        def delete_file() -> None:
            if stored_name:
                storage.delete(stored_name)

        transaction.on_commit(delete_file)


def _attachment_event(
    req: DisclosureRequest, action: str, actor: Actor, attachment: Attachment, *, now: datetime | None
) -> None:
    # not a transition: the request's state and version stay, so nobody's open form goes stale
    RequestEvent.objects.create(
        request=req, actor=actor if getattr(actor, "pk", None) else None, action=action,
        from_status=req.status, to_status=req.status,
        data={"attachment": attachment.pk, "name": attachment.name, "size": attachment.size,
              "uploaded_by": attachment.uploaded_by_id},
        at=now or timezone.now(),
    )
