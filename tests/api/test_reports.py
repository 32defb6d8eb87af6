"""Reports through the API: the JSON is annual_report's, files open, publishing follows the admin's rules."""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook

from reporting import services
from reporting.exports import read_report_xlsx
from reporting.models import PublishedReport
from security.models import AuditEntry
from tests.factories import RequestFactory, concluded

ANNUAL = "/api/v1/reports/annual/"


@pytest.fixture
def cases(tree):
    concluded(tree["dept"])
    concluded(tree["dept"], channel="letter")
    concluded(tree["dept"], applicant_type="commercial", outcome="partial")
    RequestFactory(unit=tree["dept"], received_on=date(2025, 12, 1), submitted_on=date(2025, 12, 1))
    concluded(tree["town"])
    concluded(tree["other"])


def command_json(*args) -> str:
    out = io.StringIO()
    call_command("annual_report", "--format", "json", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("unit", "extra"), [("jd-fgj", []), ("jindong", []), ("jindong", ["--edition", "2019"])])
def test_the_report_json_is_annual_report_s_output_for_the_same_data(unit, extra, people, cases, as_user):
    query = {"year": 2025, "unit": unit, **({"edition": extra[1]} if extra else {})}
    response = as_user(people["admin"]).get(ANNUAL, query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Gongkai-Figures"] == "live"
    assert response.content.decode() == command_json("--year", "2025", "--unit", unit, *extra)
    assert json.loads(response.content)["table3"]["rows"]["granted"][-1] == (3 if unit == "jindong" else 2)


def test_a_published_report_is_served_frozen_unless_live_figures_are_asked_for(people, tree, cases, as_user):
    services.publish_report(tree["dept"], 2025, actor=people["head"])
    concluded(tree["dept"])  # recorded after publishing
    client = as_user(people["clerk"])
    frozen = client.get(ANNUAL, {"year": 2025, "unit": "jd-fgj"})
    live = client.get(ANNUAL, {"year": 2025, "unit": "jd-fgj", "figures": "live"})
    assert frozen["Gongkai-Figures"] == "published" and live["Gongkai-Figures"] == "live"
    assert json.loads(frozen.content)["table3"]["rows"]["granted"][-1] == 2
    assert json.loads(live.content)["table3"]["rows"]["granted"][-1] == 3
    assert live.content.decode() == command_json("--year", "2025", "--unit", "jd-fgj")


def test_asking_for_published_figures_of_an_unpublished_report_is_404_saying_so(people, cases, as_user):
    response = as_user(people["clerk"]).get(ANNUAL, {"year": 2025, "unit": "jd-fgj", "figures": "published"})
    assert response.status_code == 404
    assert "尚未发布" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("query", "field"),
    [({}, "year"), ({"year": "2018"}, "year"), ({"year": "3000"}, "year"), ({"year": "x"}, "year"),
     ({"year": "2025", "edition": "2020"}, "edition"), ({"year": "2025", "figures": "frozen"}, "figures")],
)
def test_bad_report_queries_are_field_errors(query, field, people, as_user):
    response = as_user(people["clerk"]).get(ANNUAL, query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def assert_opens_with_table_three(fmt, content):
    table3 = json.loads(command_json("--year", "2025", "--unit", "jd-fgj"))["table3"]["rows"]
    if fmt == "xlsx":
        assert load_workbook(io.BytesIO(content)).sheetnames
        assert read_report_xlsx(io.BytesIO(content))["table3"]["rows"] == table3  # reads back as the same figures
        return
    if fmt == "docx":
        doc = Document(io.BytesIO(content))
        text = " ".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    else:
        text = content.decode("utf-8-sig")
    assert "收到和处理政府信息公开申请情况" in text  # table 三's heading


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
     ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
     ("csv", "text/csv"), ("html", "text/html")],
)
def test_report_files_open_and_each_download_is_audited(fmt, content_type, people, cases, as_user):
    client = as_user(people["clerk"])
    response = client.get(ANNUAL + "file/", {"year": 2025, "unit": "jd-fgj", "format": fmt},
                          HTTP_ACCEPT="application/octet-stream")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="jd-fgj-2025-annual-report.{fmt}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert_opens_with_table_three(fmt, response.content)
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == people["clerk"] and entry.via == "api"
    assert entry.detail == {"what": "report", "unit": "jd-fgj", "year": 2025, "format": fmt, "figures": "live"}


def test_an_unknown_file_format_is_a_field_error_and_nothing_is_audited(people, cases, as_user):
    response = as_user(people["clerk"]).get(ANNUAL + "file/", {"year": 2025, "unit": "jd-fgj", "format": "pdf"})
    assert response.status_code == 400 and "format" in response.json()["error"]["fields"]
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_publish_is_refused_with_the_failing_checks_on_a_broken_import(people, tree, as_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = services.compile_report(tree["town"], 2025)
    doc["table3"]["rows"]["new"] = [3, 0, 0, 0, 0, 0, 3]  # 3 new, nothing concluded or carried out
    services.import_report(tree["town"], doc, actor=people["admin"])
    response = as_user(people["admin"]).post(ANNUAL + "publish/", {"unit": "jindong", "year": 2025}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "report_checks_failed" and "不能发布" in error["message"]
    assert error["fields"]["checks"] and any("新收3" in m for m in error["fields"]["checks"])
    assert not PublishedReport.objects.exists()


def test_publish_is_allowed_for_the_head_and_refused_for_a_clerk(people, tree, cases, as_user):
    refused = as_user(people["clerk"]).post(ANNUAL + "publish/", {"unit": "jd-fgj", "year": 2025}, format="json")
    assert refused.status_code == 403
    assert not PublishedReport.objects.exists()
    response = as_user(people["head"]).post(ANNUAL + "publish/", {"unit": "jd-fgj", "year": 2025}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["revision"] == 0 and response.json()["published_by"] == "head"
    report = PublishedReport.objects.get()
    assert report.published_by == people["head"] and report.figures["table3"]["rows"]["granted"][-1] == 2
    again = as_user(people["head"]).post(ANNUAL + "publish/", {"unit": "jd-fgj", "year": 2025}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"


def test_revise_needs_a_reason_and_keeps_the_previous_version(people, tree, cases, as_user):
    client = as_user(people["head"])
    not_yet = client.post(ANNUAL + "revise/", {"unit": "jd-fgj", "year": 2025, "reason": "更正"}, format="json")
    assert not_yet.status_code == 409
    services.publish_report(tree["dept"], 2025, actor=people["head"])
    blank = client.post(ANNUAL + "revise/", {"unit": "jd-fgj", "year": 2025, "reason": "  "}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["error"]["fields"]
    concluded(tree["dept"])
    revised = client.post(ANNUAL + "revise/", {"unit": "jd-fgj", "year": 2025, "reason": "补录一件"}, format="json")
    assert revised.status_code == 201 and revised.json()["revision"] == 1
    assert PublishedReport.objects.filter(unit=tree["dept"], year=2025).count() == 2


def test_a_supervisor_reads_reports_of_the_subtree_but_may_not_publish(people, cases, as_user):
    client = as_user(people["supervisor"])
    assert client.get(ANNUAL, {"year": 2025, "unit": "jd-dxz"}).status_code == 200
    response = client.post(ANNUAL + "publish/", {"unit": "jd-dxz", "year": 2025}, format="json")
    assert response.status_code == 403
    assert not PublishedReport.objects.exists()


def test_overview_lists_the_unit_itself_and_each_child(people, tree, cases, as_user):
    services.publish_report(tree["town"], 2025, actor=people["admin"])
    response = as_user(people["supervisor"]).get("/api/v1/reports/overview/", {"year": 2025, "unit": "jindong"})
    assert response.status_code == 200
    members = {m["unit"]["code"]: m for m in response.json()}
    assert sorted(members) == ["jd-dxz", "jd-fgj", "jindong"] and response.json()[0]["is_self"]
    assert members["jd-fgj"]["table3"]["granted"][-1] == 2
    assert members["jd-dxz"]["published"]["revision"] == 0 and members["jd-fgj"]["published"] is None


def test_statistics_count_the_period_per_child_and_in_total(people, cases, as_user):
    response = as_user(people["supervisor"]).get(
        "/api/v1/reports/statistics/", {"unit": "jindong", "start": "2025-01-01", "end": "2025-12-31"}
    )
    assert response.status_code == 200
    rows = response.json()
    assert rows[0]["unit"]["code"] == "jindong" and rows[-1]["unit"] is None
    dept = next(r for r in rows if r["unit"] and r["unit"]["code"] == "jd-fgj")
    assert dept["figures"]["new"] == 4 and dept["figures"]["concluded"] == 3
    assert rows[-1]["figures"]["new"] == 5 and rows[-1]["on_time_rate"] is not None


def test_statistics_refuse_an_end_before_the_start(people, as_user):
    response = as_user(people["clerk"]).get("/api/v1/reports/statistics/", {"start": "2025-02-01", "end": "2025-01-01"})
    assert response.status_code == 400 and "end" in response.json()["error"]["fields"]


def test_the_report_json_stays_the_statutory_chinese_document_for_an_english_client(people, cases, as_user):
    response = as_user(people["clerk"]).get(ANNUAL, {"year": 2025, "unit": "jd-fgj"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.content.decode() == command_json("--year", "2025", "--unit", "jd-fgj")
