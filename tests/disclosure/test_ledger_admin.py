"""导入台账 / 导出台账 in the admin (disclosure/admin/ledger.py): the commands' work behind two pages,
import for system admins only, the export scoped to the user's units and masked as the admin masks."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from disclosure.ledger import upload as ledger_upload
from disclosure.models import DisclosureRequest, RequestEvent, StaffRole, Unit
from disclosure.workflow import Action
from security.models import AuditEntry

from ..ledger_samples import (
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

IMPORT = reverse("admin:disclosure_disclosurerequest_ledger_import")
EXPORT = reverse("admin:disclosure_disclosurerequest_ledger_export")
CHANGELIST = reverse("admin:disclosure_disclosurerequest_changelist")
EXPORT_DEFAULTS = {"year": "", "unit": "", "format": "csv", "headers": "zh"}


def post_import(client, content, name="ledger.csv", kind="ledger"):
    return client.post(IMPORT, {"kind": kind, "file": upload(content, name)}, follow=True)


def page_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def exports():
    return AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT)


# --- the buttons --------------------------------------------------------------------------------


def test_the_request_list_offers_import_to_admins_and_export_to_anyone_with_a_role(client, people):
    client.force_login(people["admin"])
    page = client.get(CHANGELIST).content.decode()
    assert 'id="gk-ledger-import"' in page and 'id="gk-ledger-export"' in page
    for name in ("clerk", "supervisor"):
        client.force_login(people[name])
        page = client.get(CHANGELIST).content.decode()
        assert 'id="gk-ledger-import"' not in page and 'id="gk-ledger-export"' in page


# --- import -------------------------------------------------------------------------------------


def test_an_admin_imports_a_ledger_and_sees_the_counts(client, people):
    client.force_login(people["admin"])
    response = post_import(client, ledger_csv())
    assert response.status_code == 200
    assert page_messages(response) == ["台账导入完成：共 5 行，新建 5 件，更新 0 件，未变化 0 件。"]
    assert DisclosureRequest.objects.count() == 5
    events = RequestEvent.objects.filter(action=Action.IMPORT)
    assert events.count() == 5
    assert {(e.actor_id, e.data["source"]) for e in events} == {(people["admin"].pk, "ledger.csv")}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert (entry.actor, entry.via, entry.detail) == (people["admin"], "web", {
        "what": "ledger", "file": "ledger.csv", "created": 5, "updated": 0, "unchanged": 0,
    })


def test_importing_the_same_file_again_changes_nothing(client, people):
    client.force_login(people["admin"])
    post_import(client, ledger_csv())
    versions = dict(DisclosureRequest.objects.values_list("ref", "version"))
    response = post_import(client, ledger_csv())
    assert page_messages(response) == ["台账导入完成：共 5 行，新建 0 件，更新 0 件，未变化 5 件。"]
    assert dict(DisclosureRequest.objects.values_list("ref", "version")) == versions
    assert RequestEvent.objects.filter(action=Action.IMPORT).count() == 5
    assert AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).count() == 2  # each import, even a no-op


def test_an_xlsx_ledger_imports_like_the_csv(client, people, tmp_path):
    load_sample()
    xlsx = command_export(tmp_path, "--format", "xlsx")  # the export is an importable ledger
    client.force_login(people["admin"])
    response = post_import(client, xlsx, name="台账.xlsx")
    assert page_messages(response) == ["台账导入完成：共 5 行，新建 0 件，更新 0 件，未变化 5 件。"]


def test_an_invalid_ledger_shows_every_error_and_writes_nothing(client, people):
    bad = ledger_csv() + "FG-BAD-1,jd-fgj,in_person,2025-13-01,2025-03-03,natural_person,张三,,,x,,,,,,\n".encode()
    bad += "FG-BAD-2,nowhere,in_person,2025-03-03,2025-03-03,natural_person,张三,,,x,,,,,,\n".encode()
    client.force_login(people["admin"])
    response = post_import(client, bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "未导入任何数据：发现 2 处错误。" in page
    start = page.index('id="gk-ledger-errors"')
    table = page[start:page.index("</table>", start)]
    assert "<th scope=\"col\">行</th>" in table and "<th scope=\"col\">列</th>" in table
    assert "<td>7</td><td>submitted_on</td>" in table
    assert "<td>8</td><td>unit</td><td>单位编码“nowhere”不存在，请先导入单位。</td>" in table
    assert DisclosureRequest.objects.count() == 0  # the five good rows were not written either
    assert not RequestEvent.objects.exists()


TOO_BIG = 2048


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "ledger.csv", "文件是空的。"),
        ("申请编号,受理单位编码\n".encode("utf-16"), "ledger.csv", ""),  # wrong encoding
        (bytes(range(256)) * 8, "ledger.csv", ""),  # garbage
        (b"PK\x03\x04" + b"\x00" * 200, "ledger.xlsx", "无法读取 XLSX 文件"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 200, "ledger.xls", "不是 .csv 或 .xlsx 文件"),
        (ledger_csv(), "ledger.txt", "不是 .csv 或 .xlsx 文件"),
        (b"ref,unit\n" + b"x" * TOO_BIG, "ledger.csv", "超过上限"),
        (b"ref,unit\nR-1,jd-\x00fgj\n", "ledger.csv", ""),  # a NUL byte
    ],
    ids=["empty", "utf16", "garbage", "damaged-xlsx", "old-xls", "wrong-extension", "too-big", "nul"],
)
def test_an_unreadable_file_is_refused_on_the_page_never_a_server_error(client, people, monkeypatch, content, name, message):
    monkeypatch.setattr(ledger_upload, "MAX_UPLOAD_BYTES", TOO_BIG)
    client.force_login(people["admin"])
    response = post_import(client, content, name=name)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="errornote"' in page
    assert message in page
    assert not page_messages(response)
    assert DisclosureRequest.objects.count() == 0


def test_a_missing_file_names_the_field(client, people):
    client.force_login(people["admin"])
    response = client.post(IMPORT, {"kind": "ledger"})
    assert response.status_code == 200
    assert "文件：请选择要导入的文件。" in response.content.decode()


def test_units_and_staff_files_import_from_the_same_page(client, people):
    client.force_login(people["admin"])
    response = post_import(client, (DATA / "units.csv").read_bytes(), name="units.csv", kind="units")
    assert page_messages(response) == ["单位导入完成：新建 2 个，更新 0 个，未变化 2 个。"]
    assert Unit.objects.get(code="jd-fgj-zx").parent.code == "jd-fgj"
    response = post_import(client, (DATA / "staff.csv").read_bytes(), name="staff.csv", kind="staff")
    [message] = page_messages(response)
    assert message.startswith("工作人员导入完成：新建账号 3 个，更新 0 个，未变化 0 个，新增角色 4 个。")
    assert "没有可用密码" in message
    new = get_user_model().objects.get(username="wangfang")
    assert not new.has_usable_password()  # no initial password from the web
    assert set(StaffRole.objects.filter(user=new).values_list("role", flat=True)) == {"clerk", "reviewer"}


def test_the_import_page_offers_no_initial_password(client, people):
    client.force_login(people["admin"])
    form = client.get(IMPORT).context["form"]
    assert set(form.fields) == {"kind", "file"}


@pytest.mark.parametrize("name", ["clerk", "head", "supervisor", "other_clerk"])
def test_only_system_admins_may_import(client, people, name):
    client.force_login(people[name])
    assert client.get(IMPORT).status_code == 403
    response = client.post(IMPORT, {"kind": "ledger", "file": upload(ledger_csv())})
    assert response.status_code == 403
    assert DisclosureRequest.objects.count() == 0


# --- export -------------------------------------------------------------------------------------


def post_export(client, **params):
    return downloaded(client.post(EXPORT, {**EXPORT_DEFAULTS, **params}))


def test_an_admin_s_export_is_the_command_s_file(client, people, tmp_path):
    load_sample()
    client.force_login(people["admin"])
    response = post_export(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ledger.csv"'
    assert response.content == command_export(tmp_path)
    assert len(csv_rows(response.content)) == 5


@pytest.mark.parametrize(("year", "unit", "headers"), [("2026", "jindong", "en"), ("2025", "", "zh"), ("", "jd-fgj", "en")])
def test_every_format_gives_the_command_s_figures(client, people, tmp_path, year, unit, headers):
    load_sample()
    client.force_login(people["admin"])
    unit_pk = str(Unit.objects.get(code=unit).pk) if unit else ""
    args = [*(["--year", year] if year else []), *(["--unit", unit] if unit else []), "--headers", headers]
    csv_file = post_export(client, year=year, unit=unit_pk, headers=headers).content
    assert csv_file == command_export(tmp_path, *args)
    json_file = post_export(client, year=year, unit=unit_pk, format="json").content
    assert json.loads(json_file) == json.loads(command_export(tmp_path, *args, "--format", "json"))
    xlsx_file = post_export(client, year=year, unit=unit_pk, headers=headers, format="xlsx").content
    assert xlsx_rows(xlsx_file) == xlsx_rows(command_export(tmp_path, *args, "--format", "xlsx"))
    assert len(json.loads(json_file)) == len(csv_rows(csv_file)) == len(xlsx_rows(xlsx_file)) - 1 > 0


def test_the_file_is_named_after_its_year_and_unit(client, people, tree):
    client.force_login(people["admin"])
    response = post_export(client, year="2026", unit=tree["dept"].pk, format="xlsx")
    assert response["Content-Disposition"] == 'attachment; filename="ledger-2026-jd-fgj.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_a_clerk_exports_only_their_unit_with_ids_in_full(client, people, tmp_path):
    load_sample()
    client.force_login(people["clerk"])
    response = post_export(client, headers="en")
    rows = csv_rows(response.content)
    assert {r["unit"] for r in rows} == {"jd-fgj"}
    assert {r["applicant_id_number"] for r in rows} == {ID_NUMBER, ""}
    assert CONTACT in {r["applicant_contact"] for r in rows}
    # their unit has no units below it: the command's --unit gives the very same file
    assert response.content == command_export(tmp_path, "--unit", "jd-fgj", "--headers", "en")


def test_a_clerk_never_gets_another_unit_s_rows_even_by_asking_for_it(client, people, tree):
    load_sample()
    client.force_login(people["clerk"])
    for unit in ("other", "town", "root"):
        response = post_export(client, unit=tree[unit].pk)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        page = response.content.decode()
        assert "单位：该单位不存在，或不在您可查看的范围内。" in page
        assert "WC-2026-001" not in page
    assert not exports().exists()


def test_a_supervisor_exports_the_subtree_with_ids_and_contacts_masked(client, people, tmp_path, tree):
    load_sample()
    client.force_login(people["supervisor"])
    response = post_export(client, unit=tree["root"].pk, headers="en")
    assert response.status_code == 200
    rows = csv_rows(response.content)
    assert {r["unit"] for r in rows} == {"jindong", "jd-fgj", "jd-dxz"}
    assert ID_NUMBER not in response.content.decode("utf-8-sig")
    assert CONTACT not in response.content.decode("utf-8-sig")
    assert {r["applicant_id_number"] for r in rows} == {"330***********1234", ""}
    assert "138****1111" in {r["applicant_contact"] for r in rows}
    # the figures are the command's; only the personal data differs
    expected = csv_rows(command_export(tmp_path, "--unit", "jindong", "--headers", "en"))
    personal = ("applicant_id_number", "applicant_contact")
    assert [{k: v for k, v in r.items() if k not in personal} for r in rows] == [
        {k: v for k, v in r.items() if k not in personal} for r in expected]


def test_the_export_is_recorded_in_the_audit_log(client, people, tree):
    load_sample()
    client.force_login(people["supervisor"])
    post_export(client, year="2026", unit=tree["root"].pk, format="json")
    [entry] = exports()
    assert (entry.actor, entry.via) == (people["supervisor"], "web")
    assert entry.detail == {"what": "ledger", "year": 2026, "unit": "jindong", "format": "json", "headers": "zh",
                            "rows": 3, "revealed": 0}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"year": "abc"}, "年度", "请填写四位数字的年份"),
        ({"year": "20260"}, "年度", "请填写四位数字的年份"),
        ({"unit": "abc"}, "单位", "该单位不存在"),
        ({"unit": "999999"}, "单位", "该单位不存在"),
        ({"format": "pdf"}, "格式", "请选择 CSV、XLSX 或 JSON。"),
        ({"headers": "fr"}, "表头", "请选择中文表头或英文键。"),
    ],
)
def test_bad_parameters_show_the_form_again_naming_the_field(client, people, params, field, message):
    client.force_login(people["clerk"])
    response = post_export(client, **params)
    assert response.status_code == 200
    assert f"{field}：{message}" in response.content.decode()
    assert not exports().exists()


def test_the_unit_choices_are_the_user_s_visible_units(client, people, tree):
    client.force_login(people["supervisor"])
    units = set(client.get(EXPORT).context["form"].fields["unit"].queryset)
    assert units == {tree["root"], tree["dept"], tree["town"]}


def test_a_staff_member_without_a_role_cannot_export(client, db):
    user = get_user_model().objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(EXPORT).status_code == 403
    assert post_export(client).status_code == 403


def test_the_export_costs_the_same_queries_for_ten_rows_or_a_hundred(client, people, django_assert_max_num_queries):
    load_sample(extra=120)
    client.force_login(people["clerk"])
    post_export(client)  # sessions, content types: warm
    with django_assert_max_num_queries(14):
        response = post_export(client, headers="en")
    rows = csv_rows(response.content)
    assert len(rows) == 122
    assert {r["consultation_sent_on"] for r in rows if r["ref"].startswith("FG-X")} == {"2025-06-04"}
