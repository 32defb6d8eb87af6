"""Admin forms, a module per job: registering a request (registration), one small form per workflow
action (actions), an attachment (attachments), the working-day calendar (calendar). A form translates
input and calls one service; what an uploaded file's bytes are is disclosure.uploads'.

The names are re-exported here, so `from disclosure.forms import ACTION_FORMS` reads as before.
"""

from .actions import ACTION_FORMS, ActionForm, BulkAssignForm, RecordConsultationReplyForm
from .attachments import AttachmentForm
from .calendar import CalendarCSVForm, CalendarPackageForm
from .registration import (
    APPLICANT_FIELDS,
    CONTENT_FIELDS,
    EDITABLE_AFTER_REGISTRATION,
    RECEIPT_FIELDS,
    DateInput,
    RegisterRequestForm,
    UpdateRegistrationForm,
    add_service_error,
)

__all__ = [
    "ACTION_FORMS",
    "APPLICANT_FIELDS",
    "CONTENT_FIELDS",
    "EDITABLE_AFTER_REGISTRATION",
    "RECEIPT_FIELDS",
    "ActionForm",
    "AttachmentForm",
    "BulkAssignForm",
    "CalendarCSVForm",
    "CalendarPackageForm",
    "DateInput",
    "RecordConsultationReplyForm",
    "RegisterRequestForm",
    "UpdateRegistrationForm",
    "add_service_error",
]
