"""GET /api/v1/ledger/export/ and POST /api/v1/ledger/import/: the commands' figures, the admin's
scoping and masking, every refusal in the one error shape."""

import json

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from disclosure.ledger import upload as ledger_upload
from disclosure.models import DisclosureRequest, RequestEvent, Unit
from disclosure.workflow import Action
from security.models import AuditEntry
from tests.ledger_samples import (
    CONTACT,
    DATA,
    ID_NUMBER,
    command_export,
    csv_rows,
    downloaded,
    ledger_csv,
    load_sample,
    upload,
    xlsx_rows,
)

EXPORT = "/api/v1/ledger/export/"


IMPORT = "/api/v1/ledger/import/"


def get_export(client, *args, **kwargs):
    return downloaded(client.get(EXPORT, *args, **kwargs))


def exports():
    return AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT)


def post_file(client, content, name="ledger.csv", **data):
    return client.post(IMPORT, {"file": upload(content, name), **data}, format="multipart")


# --- export -------------------------------------------------------------------------------------


def test_the_json_export_is_the_command_s_json(people, as_user, tmp_path):
    load_sample()
    response = get_export(as_user(people["admin"]), {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == command_export(tmp_path, "--format", "json")
    assert len(json.loads(response.content)) == 5


@pytest.mark.parametrize(("query", "args"), [
    ({}, []),
    ({"year": 2026, "unit": "jindong", "headers": "en"}, ["--year", "2026", "--unit", "jindong", "--headers", "en"]),
    ({"year": 2025}, ["--year", "2025"]),
])
def test_csv_and_xlsx_give_the_command_s_figures(people, as_user, tmp_path, query, args):
    load_sample()
    client = as_user(people["admin"])
    response = get_export(client, query)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == command_export(tmp_path, *args)
    assert csv_rows(response.content)
    response = get_export(client, {**query, "format": "xlsx"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert xlsx_rows(response.content) == xlsx_rows(command_export(tmp_path, *args, "--format", "xlsx"))


def test_the_download_is_named_after_year_and_unit(people, as_user):
    response = get_export(as_user(people["clerk"]), {"year": 2026, "unit": "jd-fgj"})
    assert response["Content-Disposition"] == 'attachment; filename="ledger-2026-jd-fgj.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_clerk_gets_only_their_unit_with_ids_in_full(people, as_user):
    load_sample()
    rows = get_export(as_user(people["clerk"]), {"format": "json"}).json()
    assert {r["unit"] for r in rows} == {"jd-fgj"}
    assert {r["applicant_id_number"] for r in rows} == {ID_NUMBER, None}
    assert CONTACT in {r["applicant_contact"] for r in rows}


@pytest.mark.parametrize("unit", ["wucheng", "jd-dxz", "jindong", "nowhere"])
def test_another_unit_reads_like_an_unknown_one(people, as_user, unit):
    load_sample()
    response = get_export(as_user(people["clerk"]), {"unit": unit, "format": "json"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "WC-2026-001" not in response.content.decode()
    assert not exports().exists()


def test_a_supervisor_gets_the_subtree_masked(people, as_user, tmp_path):
    load_sample()
    rows = get_export(as_user(people["supervisor"]), {"format": "json"}).json()
    assert {r["unit"] for r in rows} == {"jindong", "jd-fgj", "jd-dxz"}
    assert {r["applicant_id_number"] for r in rows} == {"330***********1234", None}
    assert "138****1111" in {r["applicant_contact"] for r in rows}
    assert CONTACT not in json.dumps(rows, ensure_ascii=False)
    personal = ("applicant_id_number", "applicant_contact")
    expected = json.loads(command_export(tmp_path, "--unit", "jindong", "--format", "json"))
    assert [{k: v for k, v in r.items() if k not in personal} for r in rows] == [
        {k: v for k, v in r.items() if k not in personal} for r in expected]


def test_the_export_is_recorded_in_the_audit_log(people, as_user):
    load_sample()
    get_export(as_user(people["clerk"]), {"year": 2025, "format": "xlsx", "headers": "en"})
    [entry] = exports()
    assert (entry.actor, entry.via) == (people["clerk"], "api")
    assert entry.detail == {"what": "ledger", "year": 2025, "unit": None, "format": "xlsx", "headers": "en",
                            "rows": 1, "revealed": 1}


@pytest.mark.parametrize(("query", "field"), [
    ({"year": "abc"}, "year"), ({"year": "1800"}, "year"), ({"format": "pdf"}, "format"),
    ({"headers": "fr"}, "headers"), ({"unit": ""}, "unit"), ({"unit": "x" * 65}, "unit"),
])
def test_bad_parameters_are_400_naming_the_field(people, as_user, query, field):
    response = get_export(as_user(people["clerk"]), query)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid" and list(body["fields"]) == [field]
    assert not exports().exists()


def test_an_accept_header_does_not_change_the_file(people, as_user, tmp_path):
    load_sample()
    response = get_export(as_user(people["admin"]), {"format": "xlsx"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.content[:4] == b"PK\x03\x04"


def test_the_export_costs_the_same_queries_for_ten_rows_or_a_hundred(people, as_user, django_assert_max_num_queries):
    load_sample(extra=120)
    client = as_user(people["clerk"])
    with django_assert_max_num_queries(12):
        rows = get_export(client, {"format": "json", "unit": "jd-fgj"}).json()
    assert len(rows) == 122


# --- import -------------------------------------------------------------------------------------


def test_an_admin_imports_a_ledger_and_gets_the_counts(people, as_user):
    client = as_user(people["admin"])
    response = post_file(client, ledger_csv())
    assert response.status_code == 200
    assert response.json() == {"kind": "ledger", "created": 5, "updated": 0, "unchanged": 0, "roles_added": None,
                               "message": "台账导入完成：共 5 行，新建 5 件，更新 0 件，未变化 0 件。"}
    assert RequestEvent.objects.filter(action=Action.IMPORT, actor=people["admin"]).count() == 5
    again = post_file(client, ledger_csv()).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 5)
    assert DisclosureRequest.objects.count() == 5


def test_an_invalid_ledger_is_400_with_every_error_and_nothing_written(people, as_user):
    bad = ledger_csv() + "FG-BAD-1,jd-fgj,in_person,2025-13-01,2025-03-03,natural_person,张三,,,x,,,,,,\n".encode()
    bad += b"FG-BAD-2,nowhere,in_person,2025-03-03,2025-03-03,natural_person,,,,x,,,,,,\n"
    response = post_file(as_user(people["admin"]), bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "ledger_invalid"
    assert error["message"] == "未导入任何数据：发现 3 处错误。"
    assert [(e["row"], e["column"]) for e in error["errors"]] == [(7, "submitted_on"), (8, "unit"), (8, "applicant_name")]
    assert error["errors"][1]["reason"] == "单位编码“nowhere”不存在，请先导入单位。"
    assert DisclosureRequest.objects.count() == 0


@pytest.mark.parametrize(("content", "name"), [
    (b"", "ledger.csv"), (bytes(range(256)) * 8, "ledger.csv"), (b"PK\x03\x04" + b"\x00" * 64, "ledger.xlsx"),
    (ledger_csv(), "ledger.pdf"), ("申请编号\n".encode("utf-16"), "ledger.csv"),
])
def test_an_unreadable_file_is_400_on_the_file_field(people, as_user, content, name):
    response = post_file(as_user(people["admin"]), content, name)
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["file"], error
    assert DisclosureRequest.objects.count() == 0


def test_a_file_over_the_limit_is_413(people, as_user, monkeypatch):
    monkeypatch.setattr(ledger_upload, "MAX_UPLOAD_BYTES", 100)
    response = post_file(as_user(people["admin"]), ledger_csv())
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert DisclosureRequest.objects.count() == 0


def test_units_and_staff_files_import_with_their_kind(people, as_user):
    client = as_user(people["admin"])
    units = post_file(client, (DATA / "units.csv").read_bytes(), "units.csv", kind="units").json()
    assert (units["kind"], units["created"], units["roles_added"]) == ("units", 2, None)
    assert Unit.objects.filter(code="jd-fgj-zx").exists()
    staff = post_file(client, (DATA / "staff.csv").read_bytes(), "staff.csv", kind="staff").json()
    assert (staff["kind"], staff["created"], staff["roles_added"]) == ("staff", 3, 4)
    assert not get_user_model().objects.get(username="lijun").has_usable_password()
    # creating accounts is what the audit log is for
    logged = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).order_by("pk")
    assert [(e.via, e.detail["what"], e.detail["file"], e.detail["created"]) for e in logged] == [
        ("api", "units", "units.csv", 2), ("api", "staff", "staff.csv", 3),
    ]
    assert logged.last().detail["roles_added"] == 4 and logged.last().actor == people["admin"]


def test_an_unknown_kind_is_400(people, as_user):
    response = post_file(as_user(people["admin"]), ledger_csv(), kind="requests")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["kind"]


@pytest.mark.parametrize("name", ["clerk", "head", "supervisor", "other_clerk"])
def test_only_system_admins_may_import(people, as_user, name):
    response = post_file(as_user(people[name]), ledger_csv())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert DisclosureRequest.objects.count() == 0


def test_anonymous_callers_are_401(db):
    assert APIClient().post(IMPORT, {"file": upload(ledger_csv())}, format="multipart").status_code == 401
    assert APIClient().get(EXPORT).status_code == 401


def test_an_account_without_any_role_is_refused_not_given_an_empty_file(db, as_user):
    from tests.factories import UserFactory

    nobody = UserFactory(username="nobody")
    response = as_user(nobody).get("/api/v1/ledger/export/")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您没有任何单位的岗位角色，无法导出台账。"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
