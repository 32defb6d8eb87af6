"""The stateful phase of schemathesis (issue 14): sequences of calls over the staff API, each
taking the ids a previous response returned (the links schemathesis infers from the schema: a
request's id from the list or the registration, into its detail, its events and every workflow
step, a consultation's or fee notice's id into its reply or payment), so calls reach real objects
and states instead of 404 on id 0. In-process, bounded; every response is checked as in
test_schemathesis.py, and no call may be a server error."""

import zlib
from collections import Counter, defaultdict

import hypothesis
import pytest
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.utils import timezone
from schemathesis import GenerationMode

from api.models import ApiToken
from tests.factories import staff

from .builders import schemathesis_schema, with_records
from .conformance import CHECKS, is_date

# ignored_auth is test_schemathesis.py's: here every call carries the officer's token over whatever
# cookie schemathesis generates, which that check would take for generated credentials let through.
STATEFUL_CHECKS = [check for check in CHECKS if check.__name__ != "ignored_auth"]

# The casework: requests and what hangs off them. Calendar edits and imports are the administrator's
# (403 here, and covered by test_schemathesis.py), the reports have no ids to link.
pytestmark = pytest.mark.stateful

schema = schemathesis_schema(get_wsgi_application()).include(
    path_regex=r"^/api/v1/(requests|consultations|fee-notices|attachments|notifications|units)/"
)

# Bounded to run in well under two minutes on a shared 2-core machine.
SETTINGS = hypothesis.settings(
    max_examples=60, stateful_step_count=10, deadline=None, derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck), phases=[hypothesis.Phase.generate],
)


@pytest.fixture
def officer(tree, people, settings, keep_test_connection):
    """One person holding every role of a unit but the administrator's, so one sequence can take a
    request from registration through review, handling, legal review and sign-off to the archive."""
    settings.GONGKAI_API_RATE_USER = "100000/minute"
    settings.GONGKAI_API_RATE_ANON = "100000/minute"
    settings.GONGKAI_API_RATE_TOKEN = "100000/minute"
    user = staff("officer", tree["dept"], "clerk", "reviewer", "legal_reviewer", "head")
    with_records(people["clerk"], tree["dept"], people["reviewer"])  # something to list from the first step on
    _, raw = ApiToken.issue(user)
    return {"headers": {"Authorization": f"Token {raw}"}, "unit": tree["dept"].pk}


def test_links_between_operations_reach_real_objects_and_never_fail(officer):
    seen: Counter = Counter()
    followed: defaultdict = defaultdict(set)  # operation on one object -> statuses of calls made by a link
    today = timezone.localdate().isoformat()

    base = schema.as_state_machine()

    class Workflow(base):
        # Each example starts from the same data: its writes are rolled back at its end. Otherwise an
        # example's responses (and so which links have objects to follow) depend on what earlier
        # examples left behind, and Hypothesis, replaying a prefix, reports the generation as flaky.
        def setup(self):
            self._savepoint = transaction.savepoint()

        def teardown(self):
            transaction.savepoint_rollback(self._savepoint)

        def before_call(self, case):
            positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
            if not positive or not isinstance(case.body, dict):
                return
            steer = zlib.crc32(repr(sorted(case.body)).encode()) % 4
            if case.operation.label == "POST /api/v1/requests/":
                case.body["unit"] = officer["unit"]  # the one unit id the schema cannot know
                if steer:  # mostly a registration that passes the rules on channels and ID numbers
                    case.body.update(channel="in_person", submitted_on=today, applicant_id_number="")
                    for name in ("received_on", "receipt_override_reason", "ref", "agent_id_number"):
                        case.body.pop(name, None)
            # The version check has its own tests; a drawn version would make nearly every step a 409.
            case.body.pop("version", None)
            if steer:
                # Most steps date themselves today, so they pass the rules on dates no schema can
                # state (not after today, not before the step before) and the request moves on.
                for name in [n for n in case.body if is_date(n) and case.body[n] is not None]:
                    case.body[name] = today

        def get_call_kwargs(self, case):
            return {"headers": officer["headers"]}

        def step(self, input):
            output = super().step(input)
            label = input.case.operation.label
            if input.transition is not None and "{id}" in label and input.applied_parameters:
                followed[label].add(output.response.status_code)
            return output

        def after_call(self, response, case):
            seen[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=STATEFUL_CHECKS, transport_kwargs=kwargs)

    # Sequences start from what lists or creates (the list, a registration), never from a step on a
    # drawn id: schemathesis would start one from every POST …/{id}/…, and they only ever meet a 404.
    drawn_ids = {name for name in base.root_rules if "_id_" in name}
    for name in drawn_ids:
        setattr(Workflow, name, None)
    Workflow.root_rules = base.root_rules - drawn_ids
    Workflow._root_labels = frozenset(label for label in base._root_labels if "{id}" not in label)
    Workflow.run(settings=SETTINGS)

    assert not [key for key in seen if key[1] >= 500], sorted(seen.items())
    # The links work: calls on one object with the id an earlier response gave reached it (2xx, or
    # 409 for a step its state does not allow, or 400 for a date rule) instead of a 404.
    reached = {label for label, codes in followed.items() if codes - {404}}
    assert len(reached) >= 8, sorted(followed.items())
    assert {label for label in reached if label.startswith("POST /api/v1/requests/{id}/")}, sorted(followed.items())
    assert any(code < 300 for label in reached if label.startswith("POST /api/v1/requests/{id}/")
               for code in followed[label]), sorted(followed.items())
