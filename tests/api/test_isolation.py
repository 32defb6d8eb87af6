"""The isolation matrix, generated from the API's URL configuration: a route added later is
covered without editing this file (it only has to say which object its id names)."""

from datetime import date
from unittest.mock import patch

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from disclosure import services
from disclosure.models import CalendarDay, CalendarYear, DisclosureRequest, LedgerImport, RequestEvent
from documents import services as letter_services
from documents.models import Document
from notifications.models import Notification
from reporting.models import PublishedReport
from security.models import AuditEntry

from .builders import registered, with_records

# Which object a route's {pk} names, by the viewset's basename.
UNIT_SCOPED = {"unit", "request", "consultation", "fee-notice", "attachment",
               # 文书 (api/letters.py): a request's letters, and an issued document
               "request-letters", "request-letter", "request-letter-issue", "letter-file", "letter-retry-pdf"}
# Routes whose {pk} is another object's than their basename says.
NAMED_OBJECT = {"request-letters": "request", "request-letter": "request", "request-letter-issue": "request",
                "letter-file": "letter", "letter-retry-pdf": "letter"}
# Other URL arguments: a value that exists, so only the unit can be refused.
OTHER_KWARGS = {"kind": "receipt"}
# Routes that name a unit by its code in the query string (GET) or the body (POST), not by an id.
UNIT_IN_QUERY = {"report", "ledger-export"}
# For system admins alone, whatever the unit (imports, which check no unit permission).
ADMIN_ONLY = {"ledger-import", "ledger-import-job"}
# The caller's own records (their {pk} is one of the caller's own rows; anyone else's is a 404).
OWN_RECORDS = {"notification"}
# Data that is not any unit's: everyone signed in reads it, only system admins change it.
GLOBAL_ADMIN_WRITES = {"calendar-day", "calendar-year"}
# Routes about the caller's own credentials, not about any unit's data.
OWN_CREDENTIALS = {"auth-token", "auth-token-revoke"}
UNSAFE = ("post", "put", "patch", "delete")


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, pattern


def api_routes():
    """(url name, basename, kwarg names, methods) for every named /api/v1/ route."""
    routes = []
    for name, pattern in _walk(get_resolver().url_patterns):
        if not name.startswith("api:v1:"):
            continue
        callback = pattern.callback
        if hasattr(callback, "actions"):  # a viewset route
            basename = callback.initkwargs["basename"]
            methods = sorted(callback.actions)
        else:
            view_class = callback.view_class
            basename = name.removeprefix("api:v1:")
            methods = sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view_class, m))
        kwargs = sorted(pattern.pattern.regex.groupindex)
        routes.append((name, basename, kwargs, methods))
    return routes


ROUTES = api_routes()
CASES = [(name, basename, kwargs, method) for name, basename, kwargs, methods in ROUTES for method in methods]


def test_the_matrix_sees_every_api_route():
    names = {name for name, *_ in ROUTES}
    assert {"api:v1:request-letters", "api:v1:request-letter", "api:v1:request-letter-issue",
            "api:v1:letter-file"} <= names
    assert {"api:v1:request-list", "api:v1:request-accept", "api:v1:consultation-reply",
            "api:v1:attachment-download", "api:v1:calendar-day-detail", "api:v1:auth-token"} <= names
    unknown = ({basename for _, basename, _, _ in ROUTES} - UNIT_SCOPED - UNIT_IN_QUERY - OWN_RECORDS
               - GLOBAL_ADMIN_WRITES - OWN_CREDENTIALS - ADMIN_ONLY)
    assert not unknown, f"new API routes: say in test_isolation.py which object their id names: {unknown}"


@pytest.fixture
def foreign(people, tree):
    """Objects of 金东区发展和改革局 (dept), plus calendar rows, seen by users of other units."""
    objects = with_records(people["clerk"], tree["dept"], people["reviewer"])
    objects["unit"] = tree["dept"]
    tree["dept"].letter_prefix = "金东发改"
    tree["dept"].save()
    with patch.object(letter_services, "send_now", lambda *args: True):
        objects["letter"] = letter_services.issue_document(objects["request"], "receipt", actor=people["clerk"])
    objects["calendar-day"], _ = CalendarDay.objects.get_or_create(
        date=date(2026, 10, 1), defaults={"is_workday": False, "note": "国庆节"}
    )
    objects["calendar-year"], _ = CalendarYear.objects.get_or_create(year=2026)
    objects["report"] = tree["dept"]
    objects["notification"] = Notification.objects.create(user=people["clerk"], message="金东区发改局的提醒")
    objects["ledger-import-job"] = LedgerImport.objects.create(kind="ledger", file_name="台账.csv", requested_by=people["admin"])
    return objects


def unit_params(foreign) -> dict:
    """Everything a report route may need, aimed at the foreign unit: only the unit can be refused."""
    return {"unit": foreign["unit"].code, "year": 2026, "format": "xlsx", "start": "2026-01-01",
            "end": "2026-12-31", "reason": "更正"}


def _call(client, method, name, kwargs, foreign):
    url = reverse(name, kwargs={k: foreign_id(foreign, name, k) for k in kwargs})
    basename = next(b for n, b, _, _ in ROUTES if n == name)
    data = unit_params(foreign) if basename in UNIT_IN_QUERY else {}
    return getattr(client, method)(url, data, format="json") if method != "get" else client.get(url, data)


def foreign_id(foreign, name, kwarg):
    if kwarg in OTHER_KWARGS:
        return OTHER_KWARGS[kwarg]
    basename = next(b for n, b, _, _ in ROUTES if n == name)
    return foreign[NAMED_OBJECT.get(basename, basename)].pk


def _snapshot(req, *, exports=True):
    """What a refused call must leave as it was (exports: the audit log's export entries too)."""
    req.refresh_from_db()
    # reading an issued document is recorded (an event and an audit row), as reading a report file is
    events = RequestEvent.objects.filter(request=req).exclude(action="download_document")
    return (req.version, req.status, events.count(), DisclosureRequest.objects.count(), Document.objects.count(),
            PublishedReport.objects.count(), Notification.objects.filter(read_at__isnull=False).count(),
            AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).count() if exports else None)


@pytest.mark.parametrize("outsider", ["other_clerk", "town_clerk"])
@pytest.mark.parametrize(("name", "basename", "kwargs", "method"), CASES, ids=[f"{c[3]} {c[0]}" for c in CASES])
def test_a_user_of_another_unit_cannot_reach_the_unit_s_objects(
    outsider, name, basename, kwargs, method, people, foreign, as_user
):
    client = as_user(people[outsider])
    before = _snapshot(foreign["request"])
    response = _call(client, method, name, kwargs, foreign)
    if basename in UNIT_SCOPED and kwargs:
        assert response.status_code == 404, response.content  # never reveal that it exists
        assert response.json()["error"]["code"] == "not_found"
    elif basename in UNIT_SCOPED and method == "get":
        assert response.status_code == 200
        rows = response.json()
        rows = rows["results"] if isinstance(rows, dict) else rows
        assert rows == [] or all(row.get("unit", row.get("id")) != foreign["unit"].pk for row in rows)
        assert foreign["request"].ref not in response.content.decode()
    elif basename in UNIT_SCOPED:
        # creating in another unit: its id reads like an id that does not exist
        assert response.status_code in (400, 403, 404), response.content
    elif basename in UNIT_IN_QUERY:
        assert response.status_code == 404, response.content  # another unit's code reads like an unknown one
        assert response.json()["error"]["code"] == "not_found"
    elif basename in OWN_RECORDS and kwargs:
        assert response.status_code == 404, response.content
    elif basename in OWN_RECORDS:
        assert response.status_code == 200, response.content
        assert foreign["notification"].message not in response.content.decode()
        assert response.json() in ({"next": None, "previous": None, "results": []}, {"unread": 0}, {"marked": 0})
    elif basename in GLOBAL_ADMIN_WRITES:
        assert response.status_code == (200 if method == "get" else 403), response.content
    elif basename in ADMIN_ONLY:
        assert response.status_code == 403, response.content
    else:
        assert basename in OWN_CREDENTIALS
        assert response.status_code < 500
    assert _snapshot(foreign["request"]) == before


@pytest.mark.parametrize("outsider", ["other_clerk", "town_clerk"])
def test_creating_a_request_in_another_unit_is_refused_as_an_unknown_unit(outsider, people, tree, as_user):
    response = as_user(people[outsider]).post(
        "/api/v1/requests/",
        {"unit": tree["dept"].pk, "applicant_type": "natural_person", "applicant_name": "李四",
         "channel": "in_person", "submitted_on": "2026-11-02", "content": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "unit" in response.json()["error"]["fields"]
    assert not DisclosureRequest.objects.filter(unit=tree["dept"]).exists()


@pytest.mark.parametrize(
    "query",
    ["", "?search=张三", "?search=jd-fgj", "?status=handling", "?unit={dept}", "?year=2026", "?overdue=false",
     "?channel=in_person", "?applicant_type=natural_person", "?due_after=2000-01-01",
     "?status=submitted", "?channel=online"],
)
def test_list_and_search_never_include_another_unit_s_rows(query, people, tree, foreign, as_user):
    registered(people["other_clerk"], tree["other"], applicant_name="张三丰")
    # issue 10: an online submission waiting in the foreign unit is no more visible than its requests
    services.submit_application(unit=tree["dept"], now=timezone.now(), data={
        "applicant_type": "natural_person", "applicant_name": "张三", "applicant_id_number": "110101199003070038",
        "phone": "13800138000", "content": "申请公开某文件", "provision_form": "paper", "delivery_method": "pickup",
    })
    response = as_user(people["other_clerk"]).get("/api/v1/requests/" + query.format(dept=tree["dept"].pk))
    assert response.status_code == 200
    units = {row["unit"] for row in response.json()["results"]}
    assert tree["dept"].pk not in units
    if query in ("", "?search=张三"):
        assert units == {tree["other"].pk}


ROUTES_ON_OBJECTS = [c for c in CASES if (c[1] in UNIT_SCOPED and c[2]) or c[1] in UNIT_IN_QUERY]


@pytest.mark.parametrize(("name", "basename", "kwargs", "method"), ROUTES_ON_OBJECTS,
                         ids=[f"{c[3]} {c[0]}" for c in ROUTES_ON_OBJECTS])
def test_a_supervisor_reads_the_subtree_but_changes_nothing(name, basename, kwargs, method, people, foreign, as_user):
    client = as_user(people["supervisor"])
    before = _snapshot(foreign["request"], exports=False)  # reading a report file is an export, recorded
    response = _call(client, method, name, kwargs, foreign)
    assert response.status_code == (200 if method == "get" else 403), response.content
    assert _snapshot(foreign["request"], exports=False) == before


PUBLIC = {("api:v1:auth-token", "post")}  # exchanging a password for a token needs no token
ANONYMOUS_CASES = [c for c in CASES if (c[0], c[3]) not in PUBLIC]


@pytest.mark.parametrize(("name", "basename", "kwargs", "method"), ANONYMOUS_CASES,
                         ids=[f"{c[3]} {c[0]}" for c in ANONYMOUS_CASES])
def test_every_route_refuses_anonymous_callers(name, basename, kwargs, method, foreign):
    response = _call(APIClient(), method, name, kwargs, foreign)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("route", ["annual", "overview", "statistics"])
def test_reports_without_a_unit_cover_only_the_caller_s_own_unit(route, people, tree, foreign, as_user):
    """The default unit is the caller's first visible one: a sibling unit's requests are never counted."""
    registered(people["town_clerk"], tree["town"])
    query = {"year": 2026} if route != "statistics" else {"start": "2026-01-01", "end": "2026-12-31"}
    response = as_user(people["town_clerk"]).get(f"/api/v1/reports/{route}/", query)
    assert response.status_code == 200, response.content
    body = response.json()
    if route == "annual":
        assert body["unit"]["code"] == tree["town"].code
        assert body["table3"]["rows"]["new"][-1] == 1  # the town's one request, not the department's
    else:
        assert {row["unit"]["code"] for row in body if row["unit"]} == {tree["town"].code}
        own = body[0]["table3"]["new"][-1] if route == "overview" else body[0]["figures"]["new"]
        assert own == 1
