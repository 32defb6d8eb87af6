"""Property-based run of the published schema against the app, in-process, as a unit's clerk:
no server error on any generated input, every response conforms to the schema, input the schema
calls invalid is refused and input it calls valid is not refused as malformed (conformance.py)."""

import zlib

import hypothesis
import pytest
from django.core.wsgi import get_wsgi_application
from schemathesis import GenerationMode

from api.models import ApiToken
from notifications.models import Notification

from .builders import public_schemathesis_schema, schemathesis_schema, with_records
from .conformance import CHECKS

schema = schemathesis_schema(get_wsgi_application())


@pytest.fixture
def world(people, tree, settings, keep_test_connection):
    settings.GONGKAI_API_RATE_USER = "100000/minute"
    settings.GONGKAI_API_RATE_ANON = "100000/minute"
    settings.GONGKAI_API_RATE_TOKEN = "100000/minute"
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "100000/minute"
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "100000/hour"
    objects = with_records(people["clerk"], tree["dept"], people["reviewer"])
    objects["notification"] = Notification.objects.create(user=people["clerk"], message="答复期限临近")
    _, raw = ApiToken.issue(people["clerk"])
    return {"headers": {"Authorization": f"Token {raw}"}, "objects": objects}


ID_OF = {"requests": "request", "consultations": "consultation", "fee-notices": "fee-notice",
         "attachments": "attachment", "notifications": "notification"}


@schema.parametrize()
@hypothesis.settings(max_examples=8, deadline=None, suppress_health_check=list(hypothesis.HealthCheck),
                     derandomize=True)
def test_the_api_conforms_to_its_schema_and_never_fails(case, world):
    # Half the valid cases aim at real objects, so the happy paths are exercised and not only 404s
    # (never the invalid ones: their path may be the very thing that is meant to be wrong).
    parts = case.path.strip("/").split("/")
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if (positive and "id" in (case.path_parameters or {}) and parts[2] in ID_OF
            and zlib.crc32(repr((case.body, case.path_parameters)).encode()) % 2 == 0):
        case.path_parameters["id"] = world["objects"][ID_OF[parts[2]]].pk
    if positive and parts[2] == "reports" and zlib.crc32(repr((case.query, case.body)).encode()) % 2 == 0:
        # and at the clerk's own unit and a year that has a report, so reports are compiled and rendered
        for values in (case.query, case.body if isinstance(case.body, dict) else None):
            if values is not None and "unit" in values:
                values["unit"] = world["objects"]["request"].unit.code
            if values is not None and "year" in values:
                values["year"] = 2025
    case.call_and_validate(headers=world["headers"], checks=CHECKS)


# --- the public API (portal.md): its own anonymous schema, with the CAPTCHA off so the intake is open ---

public_schema = public_schemathesis_schema(get_wsgi_application())


@pytest.fixture
def public_world(tree, settings, keep_test_connection):
    settings.GONGKAI_PUBLIC_CAPTCHA = False
    settings.GONGKAI_PUBLIC_RATE_LOOKUP = "100000/minute"
    settings.GONGKAI_PUBLIC_RATE_SUBMIT = "100000/hour"
    return tree


@public_schema.parametrize()
@hypothesis.settings(max_examples=25, deadline=None, suppress_health_check=list(hypothesis.HealthCheck),
                     derandomize=True)
def test_the_public_api_conforms_to_its_schema_and_never_fails(case, public_world):
    # Half the valid applications go to a real unit, so the happy path (201) is exercised too.
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if (positive and isinstance(case.body, dict) and "unit" in case.body
            and zlib.crc32(repr(case.body).encode()) % 2 == 0):
        case.body["unit"] = public_world["dept"].code
    case.call_and_validate(checks=CHECKS)
