"""The only writers of a request's state and deadlines: one function per arrow of the workflow.

Each service checks the actor's role (access.py), the arrow (workflow.py) and the action's own
guards, writes with a compare-and-set on `version` (so two people acting at once cannot both win,
on SQLite as on PostgreSQL), recomputes the stored deadlines and appends one RequestEvent.

One module per stage of a request's life, all through the one write path of `write.py`:
`registration` (登记), `handling` (review to extension and 第三十五条), `decision` (legal review,
reply, closure, archiving, 复议 and 诉讼) and `attachments`. Callers use this package's names.
"""

from ..workflow import derive_receipt_date
from .attachments import add_attachment, remove_attachment
from .decision import (
    approve_legal_review,
    archive,
    conclude,
    record_letter_number,
    record_litigation,
    record_reconsideration,
    reply,
    return_for_revision,
    submit_for_legal_review,
    submit_for_sign_off,
)
from .handling import (
    MAX_DELAY_DAYS,
    accept,
    approve_extension,
    assign_handler,
    issue_fee_notice,
    record_consultation_reply,
    record_correction,
    record_fee_payment,
    request_correction,
    request_reasons,
    set_delayed_reply,
    start_consultation,
    start_review,
)
from .intake import letter_for_applicant, lookup_application, public_status, submit_application, submit_correction
from .receipt import confirm_receipt, reject_submission
from .registration import format_reference, parse_reference, register_request, update_registration
from .write import (
    DEADLINE_FIELDS,
    ConcurrentChange,
    NotPermitted,
    calendar_covers,
    case_dates,
    deadline_fields,
    explain_deadline,
    recompute_open_deadlines,
)

__all__ = [
    "ConcurrentChange", "DEADLINE_FIELDS", "MAX_DELAY_DAYS", "NotPermitted", "accept", "add_attachment",
    "approve_extension", "approve_legal_review", "archive", "assign_handler", "calendar_covers", "case_dates",
    "conclude", "deadline_fields", "derive_receipt_date", "explain_deadline", "format_reference",
    "issue_fee_notice", "parse_reference", "recompute_open_deadlines", "record_consultation_reply",
    "record_correction", "record_fee_payment", "record_letter_number", "record_litigation",
    "record_reconsideration", "register_request", "remove_attachment", "reply", "request_correction",
    "request_reasons", "return_for_revision", "set_delayed_reply", "start_consultation", "start_review",
    "submit_for_legal_review", "submit_for_sign_off", "update_registration",
    # the applicants' side (portal.md)
    "confirm_receipt", "reject_submission", "letter_for_applicant", "lookup_application", "public_status",
    "submit_application", "submit_correction",
]
