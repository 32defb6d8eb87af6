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

_AFTER_RECEIPT = "not before the request's receipt (or the step before), not after today"
_WHAT_THE_OUTCOME_NEEDS = {key: "what the outcome needs (第三十六条), reply_data's element"
                           for key in ("reason", "withheld_parts", "access_route", "competent_body", "earlier_request")}

RULES: dict[str, dict[str, str]] = {
    "POST /api/v1/auth/token/": {"non_field_errors": "the right username and password (and code)"},
    "POST /api/v1/requests/": {"unit": "a unit the caller may see"},
    "POST /api/v1/requests/{id}/request-correction/": {"requested_on": _AFTER_RECEIPT},
    "POST /api/v1/requests/{id}/record-correction/": {"received_on": _AFTER_RECEIPT},
    "POST /api/v1/requests/{id}/consultations/": {"sent_on": _AFTER_RECEIPT},
    "POST /api/v1/consultations/{id}/reply/": {"replied_on": "not before the consultation, not after today"},
    "POST /api/v1/requests/{id}/fee-notices/": {"notice_on": _AFTER_RECEIPT},
    "POST /api/v1/fee-notices/{id}/pay/": {"paid_on": "not before the notice, not after today"},
    "POST /api/v1/requests/{id}/request-reasons/": {"requested_on": _AFTER_RECEIPT},
    "POST /api/v1/requests/{id}/submit-legal-review/": _WHAT_THE_OUTCOME_NEEDS,
    "POST /api/v1/requests/{id}/reply/": {"replied_on": _AFTER_RECEIPT, "outcome": "needed unless legal review set it",
                                          **_WHAT_THE_OUTCOME_NEEDS},
    "POST /api/v1/requests/{id}/conclude/": {"concluded_on": _AFTER_RECEIPT},
    "POST /api/v1/requests/{id}/archive/": {"archived_on": "not before the reply, not after today",
                                            "delivered_on": "not before the reply, not after today"},
    "POST /api/v1/requests/{id}/record-reconsideration/": {"outcome": "given with the decision date"},
    "POST /api/v1/requests/{id}/record-litigation/": {"outcome": "given with the decision date",
                                                      "after_reconsideration": "a reconsideration recorded first"},
    "POST /api/v1/requests/{id}/attachments/": {"file": "a type allowed, told by the file's content"},
    "GET /api/v1/reports/statistics/": {"end": "not before start"},
}


@schemathesis.check
def schema_valid_input_is_not_refused_as_malformed(ctx, response, case):
    """Positive data: a 2xx, or a refusal for a reason the schema cannot state — a 400 only on a
    field of RULES for this operation; 401/403/404/409/429 as the built-in check allows."""
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
    if not fields or not fields <= allowed:
        raise AssertionError(
            f"{label}: schema-valid input refused with 400 on {sorted(fields) or 'no field'}; "
            f"only {sorted(allowed) or 'none'} carry rules the schema cannot state: {response.content[:300]!r}"
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
