"""What the schemathesis runs check (tests/api/test_schemathesis.py and test_stateful.py).

Issue 14, item 6: the schema says what the validation accepts. Input the schema calls valid is never
refused as malformed: every range, length, pattern, enum and required field the serializers check
is in the schema. What remains are rules no OpenAPI schema can state — an order between two dates
or with a date stored on the request, "not after today", a referenced object the caller may see,
one field required by another's value, a file's type by its content, a password. A 400 for such a
rule names the field it is about; RULES lists, per operation, the fields that may carry one, and
any other 400 on schema-valid input fails the run.
"""

from __future__ import annotations

import json

import schemathesis
from schemathesis import GenerationMode, checks
from schemathesis.specs.openapi import checks as openapi_checks

_WHAT_THE_OUTCOME_NEEDS = {key: "what the outcome needs (第三十六条), reply_data's element"
                           for key in ("reason", "withheld_parts", "access_route", "competent_body", "earlier_request")}

# Every date (the project names them *_on, and delayed_until, start, end) may be refused for its place
# in time: not after today, not before the receipt, the notice or the step it follows. The other
# fields that may be, per operation:
RULES: dict[str, dict[str, str]] = {
    "POST /api/v1/auth/token/": {"non_field_errors": "the right username and password (and code)"},
    "POST /api/v1/requests/": {
        "unit": "a unit the caller may see",
        "post_kind": "given for letters (第三十一条第二项)",
        "receipt_override_reason": "given when received_on differs from the derived date",
        "applicant_id_number": "a resident ID's check digit and birth date, an organisation's credit code",
        "agent_id_number": "a resident ID's check digit and birth date",
        "ref": "unique in the unit",
    },
    "PATCH /api/v1/requests/{id}/": {"applicant_id_number": "a valid ID number for the applicant type",
                                     "agent_id_number": "a valid resident ID number"},
    "POST /api/v1/requests/{id}/assign/": {"handler": "an active clerk of the request's unit"},
    "POST /api/v1/requests/{id}/approve-extension/": {"days": "once per request, and only once the clock runs"},
    "POST /api/v1/requests/{id}/set-delayed-reply/": {"finding": "only after the reasons were asked for"},
    "POST /api/v1/requests/{id}/submit-legal-review/": _WHAT_THE_OUTCOME_NEEDS,
    "POST /api/v1/requests/{id}/submit-sign-off/": {
        "outcome": "one that needs no legal review (not adverse; a unit may require it for every reply)",
        **_WHAT_THE_OUTCOME_NEEDS,
    },
    "POST /api/v1/requests/{id}/reply/": {"outcome": "the one submitted for sign-off", **_WHAT_THE_OUTCOME_NEEDS},
    "POST /api/v1/requests/{id}/conclude/": {"outcome": "abandoned_no_correction only while awaiting correction, "
                                                        "abandoned_fee_unpaid only with an unpaid fee notice"},
    "POST /api/v1/requests/{id}/record-reconsideration/": {"outcome": "given with the decision date"},
    "POST /api/v1/requests/{id}/record-litigation/": {"outcome": "given with the decision date",
                                                      "after_reconsideration": "a reconsideration recorded first"},
    "POST /api/v1/requests/{id}/fee-notices/": {
        "amount": "given when the quote (国办函〔2020〕109号) is 0 元",
        "amount_reason": "given when the amount differs from the quote",
        "pages": "given for per_page, not with per_item",
    },
    "GET /api/v1/requests/{id}/fee-quote/": {"pages": "given for per_page, not with per_item"},
    "POST /api/v1/requests/{id}/attachments/": {"file": "a type allowed, told by the file's content"},
    # the public intake (portal.md): the staff form's checks, and what a public form adds
    "POST /api/public/v1/applications/": {
        "unit": "a unit taking online applications",
        "applicant_id_number": "a resident ID's check digit and birth date, an organisation's credit code",
        "agent_id_number": "a resident ID's check digit, given when an agent is named",
        "applicant_name": "no markup or control characters", "agent_name": "no markup or control characters",
        "address": "no markup; given for delivery by post", "email": "given for delivery by e-mail",
        "phone": "a phone number once spaces and dashes are dropped",
        "content": "no control characters",
    },
}


def is_date(name: str) -> bool:
    return name.endswith("_on") or name in ("delayed_until", "period_until", "start", "end")


@schemathesis.check
def schema_valid_input_is_not_refused_as_malformed(ctx, response, case):
    """Positive data: a 2xx, or a refusal for a reason the schema cannot state — a 400 only on a
    date or a field of RULES for this operation; 401/403/404/409/429 as the built-in check allows."""
    if case.meta is None or case.meta.generation.mode != GenerationMode.POSITIVE:
        return None
    if response.status_code != 400:
        return openapi_checks.positive_data_acceptance(ctx, response, case)
    label = f"{case.method.upper()} {case.path}"
    try:
        fields = set(json.loads(response.content)["error"]["fields"])
    except (ValueError, KeyError, TypeError):
        fields = set()
    allowed = set(RULES.get(label, {}))
    if not fields or not all(name in allowed or is_date(name) for name in fields):
        raise AssertionError(
            f"{label}: schema-valid input refused with 400 on {sorted(fields) or 'no field'}; "
            f"only dates and {sorted(allowed) or 'no other field'} carry rules the schema cannot state: {response.content[:300]!r}"
        )
    return None


CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,  # input the schema calls invalid is refused with 4xx
    schema_valid_input_is_not_refused_as_malformed,  # and input it calls valid is not refused as malformed
    openapi_checks.ignored_auth,  # operations that declare auth refuse calls without it
]
