"""Compiling tables 三 and 四 from case records: as-of dates, year boundaries, editions, rules, publishing,
roll-up, drill-down, commands, and a constant number of queries."""

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disclosure import services as disclosure_services
from disclosure.workflow import CLOSING_OUTCOMES, Status
from reporting import services
from reporting import tables as t
from reporting.models import ImportedReport, PublishedReport, Table2Entry
from tests.factories import RequestFactory, UnitFactory
from tests.steps import office_reply

NOW = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


def make(unit, received, concluded=None, outcome="", applicant_type="natural_person", **fields):
    status = (Status.CLOSED if outcome in CLOSING_OUTCOMES else Status.REPLIED) if concluded else Status.HANDLING
    return RequestFactory(
        unit=unit, received_on=received, submitted_on=received, concluded_on=concluded, outcome=outcome,
        applicant_type=applicant_type, status=status, **fields,
    )


def rows(unit, year, **kwargs):
    return services.compile_report(unit, year, **kwargs)["table3"]["rows"]


def col(values, applicant_type="natural_person"):
    out = [0] * 7
    out[t.APPLICANT_COLUMNS.index(applicant_type)] = values
    out[6] = values
    return out


ZERO = [0] * 7


def test_received_31_december_and_concluded_1_january_is_carried_over(tree):
    make(tree["dept"], date(2024, 12, 31), date(2025, 1, 1), "granted")
    r2024, r2025 = rows(tree["root"], 2024), rows(tree["root"], 2025)
    assert (r2024["new"], r2024["total"], r2024["carried_out"]) == (col(1), ZERO, col(1))
    assert (r2025["new"], r2025["carried_in"], r2025["granted"], r2025["carried_out"]) == (ZERO, col(1), col(1), ZERO)


def test_a_correction_across_the_new_year_counts_by_the_original_receipt(tree):
    make(
        tree["dept"], date(2024, 12, 20), date(2025, 1, 20), "partial",
        correction_requested_on=date(2024, 12, 23), correction_received_on=date(2025, 1, 6),
    )
    assert rows(tree["root"], 2024)["new"] == col(1)
    r2025 = rows(tree["root"], 2025)
    assert (r2025["new"], r2025["carried_in"], r2025["partial"]) == (ZERO, col(1), col(1))


def test_a_request_open_for_two_years_is_carried_through_both(tree):
    make(tree["town"], date(2023, 11, 2), date(2025, 3, 1), "unavailable.not_held", applicant_type="commercial")
    r2023, r2024, r2025 = (rows(tree["root"], y) for y in (2023, 2024, 2025))
    assert (r2023["new"], r2023["carried_out"]) == (col(1, "commercial"), col(1, "commercial"))
    assert (r2024["new"], r2024["carried_in"], r2024["total"], r2024["carried_out"]) == (
        ZERO, col(1, "commercial"), ZERO, col(1, "commercial"))
    assert (r2025["carried_in"], r2025["unavailable.not_held"], r2025["carried_out"]) == (
        col(1, "commercial"), col(1, "commercial"), ZERO)


def test_other_districts_and_units_outside_the_subtree_are_not_counted(tree):
    make(tree["dept"], date(2025, 3, 3))
    make(tree["other"], date(2025, 3, 3))
    assert rows(tree["root"], 2025)["new"] == col(1)
    assert rows(tree["town"], 2025)["new"] == ZERO
    assert rows(tree["other"], 2025)["new"] == col(1)


def test_a_unit_whose_code_prefixes_another_does_not_swallow_it(tree):
    sibling = UnitFactory(code="jd", name="另一区", kind="government")
    make(sibling, date(2025, 3, 3))
    make(tree["dept"], date(2025, 3, 3))
    assert rows(sibling, 2025)["new"] == col(1)


@pytest.mark.parametrize(
    ("outcome", "row2019", "row2021"),
    [("abandoned_no_correction", "other", "other.no_correction"), ("withdrawn", "other", "other.other"),
     ("special_access", "refused.query_matter", "refused.query_matter"), ("not_this_agency", "unavailable.not_held", "unavailable.not_held")],
)
def test_both_editions_place_outcomes_in_their_rows(tree, outcome, row2019, row2021):
    make(tree["dept"], date(2020, 5, 6), date(2020, 5, 20), outcome)
    assert rows(tree["root"], 2020)[row2019] == col(1)
    assert rows(tree["root"], 2020, edition="2021")[row2021] == col(1)


def test_outcome_rows_follow_the_setting(tree, settings):
    settings.GONGKAI_OUTCOME_ROWS = "special_access=other"
    make(tree["dept"], date(2022, 5, 6), date(2022, 5, 20), "special_access")
    assert rows(tree["root"], 2022)["other.other"] == col(1)
    assert services.requests_for_cell(tree["root"], 2022, "other.other", "total").count() == 1


def test_fee_abandonment_in_a_2020_report_fails_the_edition_check(tree):
    make(tree["dept"], date(2020, 5, 6), date(2020, 6, 20), "abandoned_fee_unpaid")
    checks = services.compile_report(tree["root"], 2020)["checks"]
    assert [c["code"] for c in checks if not c["ok"]] == ["edition_rows"]


def proceeding(unit, **fields):
    return make(unit, date(2022, 3, 1), date(2022, 3, 20), "refused.third_party", **fields)


@pytest.fixture
def proceedings(tree):
    d = tree["dept"]
    proceeding(d, reconsideration_filed_on=date(2025, 2, 1), reconsideration_outcome="upheld",
               reconsideration_decided_on=date(2025, 4, 1))
    # filed 2024, undecided on 1 Jan 2025, decided (corrected) in 2025
    proceeding(d, reconsideration_filed_on=date(2024, 11, 1), reconsideration_outcome="corrected",
               reconsideration_decided_on=date(2025, 1, 15))
    # filed 2024 and decided 2024: not in 2025 under either rule
    proceeding(d, reconsideration_filed_on=date(2024, 3, 1), reconsideration_outcome="other",
               reconsideration_decided_on=date(2024, 6, 1))
    # filed 2025, decided only in 2026: pending as of 31 Dec 2025
    proceeding(d, litigation_filed_on=date(2025, 6, 1), litigation_after_reconsideration=False,
               litigation_outcome="upheld", litigation_decided_on=date(2026, 2, 1))
    # filed 2023, still undecided
    proceeding(d, litigation_filed_on=date(2023, 6, 1), litigation_after_reconsideration=True)
    # filed after the year: not counted
    proceeding(d, litigation_filed_on=date(2026, 1, 5), litigation_after_reconsideration=True)


def test_table4_default_rule_counts_earlier_proceedings_still_undecided_on_1_january(tree, proceedings):
    doc = services.compile_report(tree["root"], 2025, rule=t.TABLE4_RULE_DEFAULT)
    assert doc["table4"] == {
        "reconsideration": {"upheld": 1, "corrected": 1, "other": 0, "pending": 0, "total": 2},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
        "litigation_after_reconsideration": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
    }
    assert "此前提起" in doc["table4_rule"]["text"]


def test_table4_filed_in_year_rule_counts_only_the_years_filings(tree, proceedings, settings):
    settings.GONGKAI_TABLE4_RULE = "filed_in_year"
    doc = services.compile_report(tree["root"], 2025)
    assert doc["table4"] == {
        "reconsideration": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
        "litigation_after_reconsideration": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    }
    assert doc["table4_rule"]["code"] == "filed_in_year"


def test_table4_cells_drill_down_to_their_requests(tree, proceedings):
    qs = services.requests_for_table4_cell(tree["root"], 2025, "reconsideration", "corrected")
    assert [r.reconsideration_filed_on for r in qs] == [date(2024, 11, 1)]
    assert services.requests_for_table4_cell(tree["root"], 2025, "litigation_direct", "total").count() == 1


def test_concluding_a_carried_out_request_next_february_leaves_last_years_figures(tree, people):
    req = disclosure_services.register_request(
        actor=people["clerk"], unit=tree["dept"], channel="in_person", submitted_on=date(2025, 12, 10),
        applicant_type="natural_person", applicant_name="李四", content="申请公开某项目批复", today=date(2025, 12, 10),
    )
    before = services.compile_report(tree["root"], 2025)
    req = disclosure_services.accept(req, actor=people["reviewer"])
    office_reply(req, people, outcome="granted", replied_on=date(2026, 2, 10), today=date(2026, 2, 10))
    after = services.compile_report(tree["root"], 2025)
    assert after["table3"] == before["table3"]
    assert after["table3"]["rows"]["carried_out"] == col(1)
    assert rows(tree["root"], 2026)["granted"] == col(1)


def test_publishing_freezes_the_figures_and_later_edits_change_only_the_live_ones(tree, people):
    req = make(tree["dept"], date(2025, 6, 2), None, applicant_name="王五")
    report = services.publish_report(tree["root"], 2025, actor=people["supervisor"], now=NOW)
    frozen = PublishedReport.objects.get(pk=report.pk).figures
    disclosure_services.update_registration(req, actor=people["clerk"], applicant_type="commercial")
    live = services.compile_report(tree["root"], 2025)
    assert PublishedReport.objects.get(pk=report.pk).figures == frozen
    assert frozen["table3"]["rows"]["new"] == col(1)
    assert live["table3"]["rows"]["new"] == col(1, "commercial")
    assert {(d["row"], d["column"]) for d in services.differences(frozen, live)} >= {
        ("new", "natural_person"), ("new", "commercial"), ("carried_out", "commercial")}
    assert (report.published_by, report.published_at, report.revision) == (people["supervisor"], NOW, 0)


def test_a_revision_needs_a_reason_and_keeps_the_old_version(tree, people):
    make(tree["dept"], date(2025, 6, 2), date(2025, 6, 20), "granted")
    first = services.publish_report(tree["root"], 2025, actor=people["supervisor"], now=NOW)
    with pytest.raises(services.ReportError):
        services.publish_report(tree["root"], 2025, actor=people["supervisor"])
    with pytest.raises(services.ReportError, match="修订理由"):
        services.revise_report(tree["root"], 2025, actor=people["supervisor"], reason=" ")
    make(tree["town"], date(2025, 7, 2), date(2025, 7, 20), "granted")
    second = services.revise_report(tree["root"], 2025, actor=people["supervisor"], reason="补录多湖街道申请一件")
    first.refresh_from_db()
    assert first.is_superseded and first.figures["table3"]["rows"]["granted"] == col(1)
    assert (second.revision, second.reason, second.is_superseded) == (1, "补录多湖街道申请一件", False)
    assert second.figures["table3"]["rows"]["granted"] == col(2)
    assert services.published_report(tree["root"], 2025) == second


def test_publishing_is_refused_while_an_error_check_fails(tree, people):
    make(tree["dept"], date(2020, 5, 6), date(2020, 6, 20), "abandoned_fee_unpaid")
    with pytest.raises(services.ReportError, match="信息处理费"):
        services.publish_report(tree["root"], 2020, actor=people["supervisor"])
    assert not PublishedReport.objects.exists()


def test_carried_in_is_compared_with_last_years_published_carried_out(tree, people):
    make(tree["dept"], date(2024, 12, 2))
    services.publish_report(tree["root"], 2024, actor=people["supervisor"], now=NOW)
    ok = [c for c in services.compile_report(tree["root"], 2025)["checks"] if c["code"] == "carried_in_matches_previous"]
    assert ok[0]["ok"] and "已发布" in ok[0]["message"]
    make(tree["dept"], date(2024, 12, 3))  # entered after 2024 was published
    [item] = [c for c in services.compile_report(tree["root"], 2025)["checks"] if c["code"] == "carried_in_matches_previous"]
    assert not item["ok"] and item["level"] == "warning"


def test_overdue_and_late_requests_are_listed_as_a_warning(tree):
    make(tree["dept"], date(2025, 11, 3), None, ref="JD-LATE-OPEN", due_on=date(2025, 12, 1))
    make(tree["dept"], date(2025, 3, 3), date(2025, 4, 20), "granted", ref="JD-LATE-REPLY", due_on=date(2025, 3, 31))
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "granted", ref="JD-ON-TIME", due_on=date(2025, 3, 31))
    [item] = [c for c in services.compile_report(tree["root"], 2025, list_overdue=20)["checks"] if c["code"] == "overdue_requests"]
    assert not item["ok"] and "2件" in item["message"]
    assert "JD-LATE-OPEN" in item["message"] and "JD-LATE-REPLY" in item["message"] and "JD-ON-TIME" not in item["message"]
    [counted] = [c for c in services.compile_report(tree["root"], 2025)["checks"] if c["code"] == "overdue_requests"]
    assert not counted["ok"] and "2件" in counted["message"]
    assert [r.ref for r in services.overdue_requests(tree["root"], 2025)] == ["JD-LATE-REPLY", "JD-LATE-OPEN"]


def test_requests_for_cell_returns_exactly_what_the_cell_counts(tree):
    a = make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "not_this_agency")
    b = make(tree["town"], date(2025, 4, 3), date(2025, 4, 20), "unavailable.not_held", applicant_type="commercial")
    make(tree["town"], date(2025, 4, 3), date(2025, 4, 20), "granted")
    doc = services.compile_report(tree["root"], 2025)
    for code in t.ROW_CODES["2021"]:
        for i, column in enumerate(t.COLUMNS):
            qs = services.requests_for_cell(tree["root"], 2025, code, column)
            assert qs.count() == doc["table3"]["rows"][code][i], (code, column)
    assert set(services.requests_for_cell(tree["root"], 2025, "unavailable.not_held", "total")) == {a, b}


def seed_requests(unit, n):
    outcomes = ["granted", "partial", "withdrawn", "unavailable.not_held", ""]
    for i in range(n):
        outcome = outcomes[i % len(outcomes)]
        make(unit, date(2024 + i % 2, 1 + i % 12, 1 + i % 28), date(2025, 12, 30) if outcome else None, outcome,
             applicant_type=t.APPLICANT_COLUMNS[i % 6], channel=["letter", "online"][i % 2],
             litigation_filed_on=date(2025, 12, 31) if i % 7 == 0 and outcome else None)


def compile_queries(unit):
    with CaptureQueriesContext(connection) as ctx:
        services.compile_report(unit, 2025)
    return len(ctx.captured_queries)


def test_compile_runs_a_constant_number_of_queries_whatever_the_number_of_requests_and_units(tree, django_assert_num_queries):
    seed_requests(tree["dept"], 10)
    small = compile_queries(tree["root"])
    for k in range(20):
        unit = UnitFactory(code=f"jd-extra-{k}", kind="township", parent=tree["town"] if k % 2 else tree["root"])
        seed_requests(unit, 10)
    with django_assert_num_queries(small):
        doc = services.compile_report(tree["root"], 2025)
    assert doc["table3"]["rows"]["new"][6] == 105
    assert small <= 6


def test_roll_up_adds_an_imported_units_tables_instead_of_its_cases(tree, people):
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "granted")
    make(tree["town"], date(2025, 3, 3), date(2025, 3, 20), "granted")  # superseded by the import below
    imported = services.compile_report(tree["root"], 2025)
    imported["unit"] = {"code": tree["town"].code, "name": tree["town"].name}
    rows_ = imported["table3"]["rows"]
    rows_["new"] = col(3)
    rows_["granted"] = col(2)
    rows_["carried_out"] = col(1)
    rows_["total"] = col(2)
    imported["table4"]["reconsideration"].update(upheld=1, total=1)
    report = services.import_report(tree["town"], imported, actor=people["supervisor"])
    assert not report.has_errors
    combined = services.compile_report(tree["root"], 2025)
    assert combined["table3"]["rows"]["new"] == col(4)
    assert combined["table3"]["rows"]["granted"] == col(3)
    assert combined["table4"]["reconsideration"]["upheld"] == 1
    assert combined["imported_units"] == [tree["town"].code]
    assert services.compile_report(tree["town"], 2025)["table3"]["rows"]["new"] == col(3)


def test_overview_lists_each_child_with_figures_checks_and_publication(tree, people):
    make(tree["root"], date(2025, 3, 3), date(2025, 3, 20), "granted")
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "partial")
    make(tree["town"], date(2025, 3, 3))
    services.publish_report(tree["dept"], 2025, actor=people["supervisor"], now=NOW)
    entries = {e["unit"]["code"]: e for e in services.overview(tree["root"], 2025)}
    assert list(entries) == ["jindong", "jd-dxz", "jd-fgj"]
    assert entries["jindong"]["is_self"] and entries["jindong"]["table3"]["granted"] == col(1)
    assert entries["jd-fgj"]["table3"]["partial"] == col(1) and entries["jd-fgj"]["published"]["revision"] == 0
    assert entries["jd-dxz"]["table3"]["carried_out"] == col(1) and entries["jd-dxz"]["published"] is None
    assert not any(e["has_errors"] for e in entries.values())


def test_table2_sums_the_units_unless_the_parent_entered_its_own(tree):
    for unit, value in ((tree["dept"], 3), (tree["town"], 4)):
        Table2Entry.objects.create(unit=unit, year=2025, edition="2021", item="penalty", column="decisions", value=value)
    assert services.compile_report(tree["root"], 2025)["table2"]["penalty"] == {"decisions": 7}
    Table2Entry.objects.create(unit=tree["root"], year=2025, edition="2021", item="penalty", column="decisions", value=10)
    table2 = services.compile_report(tree["root"], 2025)["table2"]
    assert table2["penalty"] == {"decisions": 10} and table2["licensing"] == {"decisions": 0}


def test_table2_entry_validates_cells_of_its_edition(tree):
    entry = Table2Entry(unit=tree["dept"], year=2025, edition="2021", item="other_services", column="decisions",
                        value=Decimal(1))
    with pytest.raises(Exception, match="没有"):
        entry.full_clean()


def test_annual_report_command_writes_json_and_csv(tree, tmp_path):
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "granted")
    out = io.StringIO()
    call_command("annual_report", "--year", "2025", "--unit", "jindong", stdout=out)
    doc = json.loads(out.getvalue())
    assert doc["table3"]["rows"]["granted"] == col(1) and doc["edition"] == "2021"
    path = tmp_path / "r.csv"
    call_command("annual_report", "--year", "2020", "--unit", "jindong", "--format", "csv", "-o", str(path))
    text = path.read_text(encoding="utf-8-sig")
    assert "（六）其他处理" in text and "other.other" not in text


def test_annual_report_command_refuses_unknown_formats_units_and_years(tree):
    for args in (["--format", "pdf"], ["--unit", "nope"], ["--year", "2018"], ["--year", "99999"]):
        argv = ["--year", "2025", "--unit", "jindong", *args]
        with pytest.raises(CommandError) as exc:
            call_command("annual_report", *argv)
        assert exc.value.returncode == 2


def test_check_annual_report_prints_every_failure_and_exits_1_on_errors(tree, tmp_path):
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "granted")
    doc = services.compile_report(tree["root"], 2025)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    doc["table3"]["rows"]["granted"][6] = 5
    doc["table4"]["litigation_direct"]["total"] = 2
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("check_annual_report", str(good), stdout=out)
    assert "全部检查通过" in out.getvalue()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("check_annual_report", str(bad), stdout=out)
    assert exc.value.code == 1
    text = out.getvalue()
    assert "[row_total]" in text and "[table4_total]" in text and "[outcome_total]" in text


def test_imported_reports_are_refused_when_malformed(tree, people):
    with pytest.raises(services.ReportError):
        services.import_report(tree["town"], {"year": 2025, "edition": "2021", "table3": {"rows": {"new": [1]}},
                                              "table4": {}}, actor=people["supervisor"])
    assert not ImportedReport.objects.exists()


def _break_row_total(doc):
    # consistent down every column, but the two rows' 总计 no longer add up across
    doc["table3"]["rows"]["new"][0] += 1
    doc["table3"]["rows"]["carried_out"][0] += 1


def _break_reconciliation(doc):
    doc["table3"]["rows"]["new"][0] += 1
    doc["table3"]["rows"]["new"][6] += 1


def _break_outcome_total(doc):
    doc["table3"]["rows"]["total"][0] += 1
    doc["table3"]["rows"]["total"][6] += 1
    doc["table3"]["rows"]["carried_out"][0] -= 1
    doc["table3"]["rows"]["carried_out"][6] -= 1


def _break_table4(doc):
    doc["table4"]["reconsideration"]["total"] += 1


def _break_carried_in(doc):
    doc["table3"]["rows"]["carried_in"][0] += 1
    doc["table3"]["rows"]["carried_in"][6] += 1
    doc["table3"]["rows"]["carried_out"][0] += 1
    doc["table3"]["rows"]["carried_out"][6] += 1


def _break_edition(doc):
    doc["table3"]["rows"]["other"] = [0] * 7


@pytest.mark.parametrize(
    ("breaker", "code", "exit_code"),
    [
        (_break_row_total, "row_total", 1),
        (_break_reconciliation, "column_reconciliation", 1),
        (_break_outcome_total, "outcome_total", 1),
        (_break_table4, "table4_total", 1),
        (_break_carried_in, "carried_in_matches_previous", 0),
        (_break_edition, "edition_rows", 1),
    ],
)
def test_check_annual_report_catches_each_deliberately_broken_import(tree, people, tmp_path, breaker, code, exit_code):
    make(tree["dept"], date(2024, 12, 2))
    make(tree["dept"], date(2025, 3, 3), date(2025, 3, 20), "granted")
    services.publish_report(tree["root"], 2024, actor=people["supervisor"], now=NOW)
    doc = services.compile_report(tree["root"], 2025)
    assert not [c for c in doc["checks"] if not c["ok"]]
    breaker(doc)
    path = tmp_path / "submitted.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    if exit_code:
        with pytest.raises(SystemExit) as exc:
            call_command("check_annual_report", str(path), stdout=out)
        assert exc.value.code == exit_code
    else:
        call_command("check_annual_report", str(path), stdout=out)
    failed = {line.split("[")[1].split("]")[0] for line in out.getvalue().splitlines() if "[" in line}
    assert failed == {code}


def test_check_annual_report_explains_unreadable_files(tmp_path):
    xlsx = tmp_path / "r.xlsx"
    xlsx.write_bytes(b"PK\x03\x04")
    with pytest.raises(CommandError, match="XLSX"):
        call_command("check_annual_report", str(xlsx))
    missing = tmp_path / "none.json"
    with pytest.raises(CommandError) as exc:
        call_command("check_annual_report", str(missing))
    assert exc.value.returncode == 2
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(CommandError, match="JSON"):
        call_command("check_annual_report", str(broken))


def test_an_imported_report_of_last_year_is_the_reference_for_carried_in(tree, people):
    last_year = services.compile_report(tree["town"], 2024)
    last_year["table3"]["rows"]["carried_out"] = col(1)
    last_year["table3"]["rows"]["new"] = col(1)
    services.import_report(tree["town"], last_year, actor=people["supervisor"])
    [item] = [c for c in services.compile_report(tree["town"], 2025)["checks"] if c["code"] == "carried_in_matches_previous"]
    assert not item["ok"] and "导入的" in item["message"]


def test_imported_table2_must_be_numbers(tree, people):
    doc = services.compile_report(tree["town"], 2025)
    doc["table2"]["penalty"] = {"decisions": "很多"}
    with pytest.raises(services.ReportError, match="表二"):
        services.import_report(tree["town"], doc, actor=people["supervisor"])
    doc["table2"]["penalty"] = {"decisions": 7}
    services.import_report(tree["town"], doc, actor=people["supervisor"])
    assert services.compile_report(tree["root"], 2025)["table2"]["penalty"] == {"decisions": 7}


def test_overview_runs_a_constant_number_of_queries_whatever_the_number_of_children(tree, django_assert_num_queries):
    seed_requests(tree["dept"], 5)
    with CaptureQueriesContext(connection) as few:
        services.overview(tree["root"], 2025)
    for k in range(15):
        seed_requests(UnitFactory(code=f"jd-child-{k}", kind="department", parent=tree["root"]), 5)
    with django_assert_num_queries(len(few.captured_queries)):
        entries = services.overview(tree["root"], 2025)
    assert len(entries) == 1 + 2 + 15
    assert sum(e["table3"]["new"][6] for e in entries) == services.compile_report(tree["root"], 2025)["table3"]["rows"]["new"][6]
