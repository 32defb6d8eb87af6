"""The report pages in the admin: statutory tables with merged headers, charts, 同比, checks, drill-down,
publish / revise through the services, frozen vs live, overview, periodic statistics — isolated by access.py."""

import os
import re
from datetime import date

import pytest
from django.urls import reverse

from disclosure.models import DisclosureRequest
from documents.pdf import pdf_available
from reporting import services
from reporting.models import ImportedReport, PublishedReport, ReportText
from security.models import AuditEntry
from tests.factories import RequestFactory, concluded


def page(client, unit, year=2025, **extra):
    return client.get(reverse("reporting:report"), {"unit": unit.pk, "year": year, **extra})


@pytest.fixture
def cases(tree):
    """dept: 2 granted natural persons, 1 partial commercial, 1 open; town: 1 granted natural person;
    the other district: 1 granted natural person (must never show up)."""
    return {
        "dept_granted": [concluded(tree["dept"]), concluded(tree["dept"], channel="letter")],
        "dept_partial": concluded(tree["dept"], applicant_type="commercial", outcome="partial"),
        "dept_open": RequestFactory(unit=tree["dept"], received_on=date(2025, 12, 1), submitted_on=date(2025, 12, 1)),
        "town_granted": concluded(tree["town"]),
        "other_granted": concluded(tree["other"]),
    }


def test_report_page_shows_the_statutory_layout_for_a_clerk_of_the_unit(client, tree, people, cases):
    client.force_login(people["clerk"])
    response = page(client, tree["dept"])
    assert response.status_code == 200
    body = response.content.decode()
    for label in ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况", "法人或其他组织",
                  "三、本年度办理结果", "（三）不予公开", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                  "未经复议直接起诉", "复议后起诉"):
        assert label in body
    assert 'rowspan="3" colspan="3" class="head">（本列数据的勾稽关系为' in body
    assert 'colspan="7" class="head">申请人情况' in body
    assert 'colspan="5" class="head">法人或其他组织' in body
    assert 'colspan="10" class="head">行政诉讼' in body
    assert body.count('<figure class="chart"') == 3
    assert "依申请公开数量统计图（按申请方式分）" in body and "依申请公开数量统计图（按被申请对象分）" in body


def test_report_page_of_another_unit_is_refused(client, tree, people, cases):
    client.force_login(people["clerk"])
    response = page(client, tree["other"])
    assert response.status_code == 200 and response.context.get("doc") is None
    assert "unit" in response.context["form"].errors
    assert "婺城区人民政府" not in response.content.decode()
    assert client.get(reverse("reporting:download"), {"unit": tree["other"].pk, "year": 2025, "format": "json"}).status_code == 404
    assert client.get(reverse("reporting:cell"), {"unit": tree["other"].pk, "year": 2025, "table": "table3",
                                                   "row": "granted", "col": "total"}).status_code == 404


def test_report_pages_need_a_staff_login(client, tree):
    response = client.get(reverse("reporting:report"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("params", [
    {"year": "abc"}, {"year": "1999"}, {"year": "2999"}, {"edition": "2020"}, {"unit": "x"}, {"unit": "999999"},
])
def test_bad_selection_is_a_form_error_not_a_crash(client, tree, people, params):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:report"), {"unit": tree["dept"].pk, "year": 2025, **params})
    assert response.status_code == 200 and response.context["form"].errors


def cell_links(body):
    return re.findall(r'href="(/admin/reporting/report/cell/\?[^"]+)"', body.replace("&amp;", "&"))


def test_every_nonzero_cell_links_to_exactly_the_requests_it_counts(client, tree, people, cases):
    client.force_login(people["supervisor"])
    body = page(client, tree["root"]).content.decode()
    links = cell_links(body)
    assert any("row=granted&col=natural_person" in u for u in links)
    assert not any("row=refused.state_secret" in u for u in links)  # zero cells are not links
    response = client.get(next(u for u in links if "row=granted&col=natural_person" in u))
    listed = {r.pk for r in response.context["page"]}
    assert listed == {r.pk for r in cases["dept_granted"]} | {cases["town_granted"].pk}
    assert cases["other_granted"].pk not in listed
    changelist = client.get(response.context["changelist"])
    assert changelist.status_code == 200
    assert {r.pk for r in changelist.context["cl"].result_list} == listed


def test_drill_down_never_lists_requests_outside_the_users_units(client, tree, people, cases):
    client.force_login(people["town_clerk"])
    response = client.get(reverse("reporting:cell"), {"unit": tree["town"].pk, "year": 2025, "table": "table3",
                                                       "row": "granted", "col": "total"})
    assert {r.pk for r in response.context["page"]} == {cases["town_granted"].pk}


def test_table4_cell_lists_its_proceedings(client, tree, people):
    appealed = concluded(tree["dept"], reconsideration_filed_on=date(2025, 4, 1), reconsideration_outcome="upheld",
                         reconsideration_decided_on=date(2025, 6, 1))
    concluded(tree["dept"])
    client.force_login(people["clerk"])
    links = [u for u in cell_links(page(client, tree["dept"]).content.decode()) if "table=table4" in u]
    assert any("row=reconsideration&col=upheld" in u for u in links)
    response = client.get(next(u for u in links if "col=upheld" in u))
    assert [r.pk for r in response.context["page"]] == [appealed.pk]


@pytest.mark.parametrize("table,row,col", [("table3", "nope", "total"), ("table3", "granted", "nope"),
                                           ("table4", "reconsideration", "x"), ("table9", "a", "b")])
def test_unknown_cell_is_404(client, tree, people, table, row, col):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:cell"), {"unit": tree["dept"].pk, "year": 2025, "table": table, "row": row, "col": col})
    assert response.status_code == 404


def _queries_for_page(client, unit, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as ctx:
        assert page(client, unit).status_code == 200
    return len(ctx.captured_queries)


def test_report_page_query_count_does_not_grow_with_the_number_of_requests(client, tree, people, django_assert_max_num_queries):
    client.force_login(people["supervisor"])
    for i in range(3):
        concluded(tree["dept"], on=date(2025, 4, 1 + i))
    RequestFactory(unit=tree["dept"], received_on=date(2025, 11, 3), due_on=date(2025, 12, 1))  # check 7 lists it
    few = _queries_for_page(client, tree["root"], django_assert_max_num_queries, 30)
    for i in range(40):
        concluded(tree["town" if i % 2 else "dept"], applicant_type="research" if i % 3 else "natural_person",
                  outcome="unavailable.not_held" if i % 4 else "granted", on=date(2025, 5, 1 + i % 28))
    RequestFactory.create_batch(20, unit=tree["dept"], received_on=date(2025, 11, 3), due_on=date(2025, 12, 1))
    many = _queries_for_page(client, tree["root"], django_assert_max_num_queries, 30)
    assert many == few


def test_publish_is_refused_with_the_errors_when_a_check_fails(client, tree, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = services.compile_report(tree["town"], 2025)
    doc["table3"]["rows"]["new"] = [3, 0, 0, 0, 0, 0, 3]  # a broken import: 3 new, nothing concluded or carried out
    services.import_report(tree["town"], doc, actor=people["admin"])
    assert ImportedReport.objects.get().has_errors
    client.force_login(people["admin"])
    response = client.post(reverse("reporting:publish"), {"unit": tree["root"].pk, "year": 2025}, follow=True)
    body = response.content.decode()
    assert "不能发布" in body and "新收3" in body
    assert not PublishedReport.objects.exists()


def test_publish_allowed_on_compiled_data_and_only_for_the_head_or_admin(client, tree, people, cases):
    client.force_login(people["clerk"])
    client.post(reverse("reporting:publish"), {"unit": tree["dept"].pk, "year": 2025})
    assert not PublishedReport.objects.exists()
    client.force_login(people["head"])
    response = client.post(reverse("reporting:publish"), {"unit": tree["dept"].pk, "year": 2025}, follow=True)
    assert "已发布" in response.content.decode()
    report = PublishedReport.objects.get()
    assert report.published_by == people["head"] and report.figures["table3"]["rows"]["granted"][-1] == 2


def test_after_an_edit_the_page_shows_frozen_figures_and_the_live_ones_beside(client, tree, people, cases):
    services.publish_report(tree["dept"], 2025, actor=people["head"])
    concluded(tree["dept"], applicant_type="research")  # a case recorded after publishing
    client.force_login(people["clerk"])
    response = page(client, tree["dept"])
    body = response.content.decode()
    assert "已发布" in body
    diffs = {(d["row"], d["column"]): (d["frozen"], d["live"]) for d in response.context["diffs"]}
    assert diffs[("granted", "research")] == (0, 1) and diffs[("granted", "total")] == (2, 3)
    assert 'id="live-vs-frozen"' in body and "→3" in body
    frozen_table = response.context["table3"]
    assert ">2</a>" in frozen_table  # the frozen 总计 of 予以公开 is what the table shows


def test_revise_needs_a_reason_and_keeps_the_old_version(client, tree, people, cases):
    services.publish_report(tree["dept"], 2025, actor=people["head"])
    concluded(tree["dept"])
    client.force_login(people["head"])
    url = reverse("reporting:publish")
    response = client.post(url, {"unit": tree["dept"].pk, "year": 2025, "action": "revise", "reason": " "}, follow=True)
    assert "修订理由" in response.content.decode()
    assert PublishedReport.objects.count() == 1
    client.post(url, {"unit": tree["dept"].pk, "year": 2025, "action": "revise", "reason": "补录12月办结的申请"})
    old, new = PublishedReport.objects.order_by("revision")
    assert old.is_superseded and not new.is_superseded and new.reason == "补录12月办结的申请"
    assert new.figures["table3"]["rows"]["granted"][-1] == 3


def test_year_on_year_change_of_new_requests(client, tree, people, cases):
    RequestFactory.create_batch(4, unit=tree["dept"], received_on=date(2024, 5, 6), submitted_on=date(2024, 5, 6))
    client.force_login(people["clerk"])
    response = page(client, tree["dept"])
    assert response.context["new"] == 4 and response.context["previous_new"] == 4
    assert "与上年持平" in response.content.decode()
    RequestFactory(unit=tree["dept"], received_on=date(2024, 5, 6), submitted_on=date(2024, 5, 6))
    assert "同比下降20.0%（上年5件）" in page(client, tree["dept"]).content.decode()


def test_staff_edit_the_text_of_sections_five_and_six(client, tree, people):
    client.force_login(people["clerk"])
    client.post(reverse("reporting:texts"), {"unit": tree["dept"].pk, "year": 2025, "text_5": "人员不足。", "text_6": ""})
    assert ReportText.objects.get(unit=tree["dept"], year=2025, section="5").text == "人员不足。"
    client.force_login(people["town_clerk"])
    client.post(reverse("reporting:texts"), {"unit": tree["dept"].pk, "year": 2025, "text_5": "改掉"})
    assert ReportText.objects.get(unit=tree["dept"], year=2025, section="5").text == "人员不足。"


@pytest.mark.parametrize("fmt,magic", [("xlsx", b"PK"), ("docx", b"PK"), ("html", b"<!DOCTYPE"), ("json", b"{"),
                                       ("csv", "\ufeff".encode())])
def test_downloads_in_every_format(client, tree, people, cases, fmt, magic):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:download"), {"unit": tree["dept"].pk, "year": 2025, "format": fmt})
    assert response.status_code == 200 and response.content.startswith(magic)
    assert f"jd-fgj-2025-annual-report.{fmt}" in response["Content-Disposition"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == people["clerk"] and entry.detail["format"] == fmt and entry.detail["unit"] == "jd-fgj"


def test_overview_lists_each_child_with_figures_checks_and_publication(client, tree, people, cases):
    services.publish_report(tree["town"], 2025, actor=people["admin"])
    client.force_login(people["supervisor"])
    response = client.get(reverse("reporting:overview"), {"unit": tree["root"].pk, "year": 2025})
    members = {m["unit"]["code"]: m for m in response.context["members"]}
    assert set(members) == {"jindong", "jd-fgj", "jd-dxz"}
    assert members["jd-fgj"]["figures"] == {"new": 4, "carried_in": 0, "total": 3, "carried_out": 1}
    assert members["jd-dxz"]["published"] is not None and members["jd-fgj"]["published"] is None
    assert "婺城区" not in response.content.decode()
    assert members["jd-dxz"]["report_url"] == f"{reverse('reporting:report')}?unit={tree['town'].pk}&year=2025"


def test_reporting_pages_are_linked_from_the_reporting_admin(client, people):
    client.force_login(people["clerk"])
    for url in (reverse("admin:app_list", args=["reporting"]), reverse("admin:reporting_publishedreport_changelist")):
        body = client.get(url).content.decode()
        assert reverse("reporting:report") in body and reverse("reporting:statistics") in body


def test_periodic_statistics_per_child_unit(client, tree, people, cases, django_assert_max_num_queries):
    DisclosureRequest.objects.filter(pk=cases["dept_open"].pk).update(due_on=date(2025, 12, 20))
    late = concluded(tree["dept"], on=date(2025, 6, 30), due_on=date(2025, 6, 1))
    client.force_login(people["supervisor"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reporting:statistics"), {"unit": tree["root"].pk, "start": "2025-01-01",
                                                                 "end": "2025-12-31"})
    rows = {(r["unit"].code if r["unit"] else "total"): r for r in response.context["rows"]}
    dept = rows["jd-fgj"]["figures"]
    assert (dept["new"], dept["concluded"], dept["granted"], dept["partial"], dept["open"], dept["overdue"]) == (5, 4, 3, 1, 1, 1)
    assert rows["jd-fgj"]["on_time_rate"] == 75  # 3 of 4 by the deadline (late.due_on passed)
    assert rows["total"]["figures"]["new"] == 6 and late.pk
    response = client.get(reverse("reporting:statistics"), {"unit": tree["root"].pk, "start": "2025-12-31", "end": "2025-01-01"})
    assert response.status_code == 200 and "end" in response.context["form"].errors


def test_frozen_figures_of_another_edition_are_not_compared_row_by_row(client, tree, people, cases):
    services.publish_report(tree["dept"], 2025, actor=people["head"])
    client.force_login(people["clerk"])
    response = page(client, tree["dept"], edition="2019")
    assert response.context["published"] is None and response.context["diffs"] == []
    assert "已按2021版格式发布" in response.content.decode()
    assert "（六）其他处理" in response.context["table3"] and "3.其他" not in response.context["table3"]


def test_year_on_year_uses_last_years_published_figures_when_there_are_some(client, tree, people):
    RequestFactory.create_batch(3, unit=tree["dept"], received_on=date(2024, 5, 6), submitted_on=date(2024, 5, 6),
                                concluded_on=date(2024, 6, 1), outcome="granted", status="replied")
    services.publish_report(tree["dept"], 2024, actor=people["head"])
    RequestFactory(unit=tree["dept"], received_on=date(2024, 7, 1), submitted_on=date(2024, 7, 1),
                   concluded_on=date(2024, 8, 1), outcome="granted", status="replied")  # recorded after publishing
    RequestFactory.create_batch(6, unit=tree["dept"], received_on=date(2025, 2, 3), submitted_on=date(2025, 2, 3))
    client.force_login(people["clerk"])
    response = page(client, tree["dept"])
    assert response.context["previous_new"] == 3
    assert "同比上升100.0%（上年3件）" in response.content.decode()


def test_periodic_statistics_query_count_is_constant_in_the_number_of_requests(client, tree, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(people["supervisor"])
    params = {"unit": tree["root"].pk, "start": "2025-01-01", "end": "2025-12-31"}
    counts = []
    for batch in (1, 30):
        for i in range(batch):
            concluded(tree["town" if i % 2 else "dept"], outcome="granted" if i % 3 else "refused.third_party")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("reporting:statistics"), params).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.skipif(not pdf_available() and os.environ.get("GONGKAI_REQUIRE_PDF") != "1",
                    reason="LibreOffice (soffice) is not installed")
def test_pdf_download_is_the_report_docx_through_libreoffice(client, tree, people, cases):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:download"), {"unit": tree["dept"].pk, "year": 2025, "format": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and "jd-fgj-2025-annual-report.pdf" in response["Content-Disposition"]


def test_pdf_download_without_libreoffice_is_a_503_that_says_what_to_install(client, tree, people, cases, monkeypatch):
    monkeypatch.setattr("documents.pdf.soffice_path", lambda: None)
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:download"), {"unit": tree["dept"].pk, "year": 2025, "format": "pdf"})
    assert response.status_code == 503 and "libreoffice-writer-nogui" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()
