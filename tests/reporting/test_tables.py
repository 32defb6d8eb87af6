"""reporting.tables: the statutory layout, the outcome mapping, totals, checks — pure, no database."""

import copy
from decimal import Decimal

import pytest

from reporting import tables as t

SEED_ROWS = {
    "new": [51, 2, 1, 0, 0, 0, 54],
    "carried_in": [2, 0, 0, 0, 0, 0, 2],
    "granted": [19, 0, 1, 0, 0, 0, 20],
    "partial": [4, 0, 0, 0, 0, 0, 4],
    "refused.third_party": [1, 0, 0, 0, 0, 0, 1],
    "unavailable.not_held": [28, 2, 0, 0, 0, 0, 30],
    "other": [1, 0, 0, 0, 0, 0, 1],
    "total": [53, 2, 1, 0, 0, 0, 56],
}
SEED_TABLE4 = {
    "reconsideration": {"upheld": 1, "corrected": 1, "other": 3, "pending": 0, "total": 5},
    "litigation_direct": {"upheld": 4, "corrected": 1, "other": 0, "pending": 1, "total": 6},
    "litigation_after_reconsideration": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
}


def seed_table3():
    table = t.empty_table3("2019")
    table.update(copy.deepcopy(SEED_ROWS))
    return table


@pytest.mark.parametrize(
    ("year", "override", "edition"),
    [(2019, None, "2019"), (2020, None, "2019"), (2021, None, "2021"), (2025, None, "2021"), (2020, "2021", "2021"),
     (2022, "2019", "2019")],
)
def test_edition_follows_the_year_unless_overridden(year, override, edition):
    assert t.edition_for(year, override) == edition


def test_years_before_2019_and_unknown_editions_are_refused():
    with pytest.raises(t.UnsupportedYear):
        t.edition_for(2018)
    with pytest.raises(ValueError):
        t.edition_for(2021, "2020")


def test_2019_edition_has_23_data_rows_with_the_seed_labels_in_order():
    labels = [t.ROW_LABELS["2019"][c] for c in t.ROW_CODES["2019"]]
    assert len(labels) == 23
    assert labels[:4] == [
        "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ]
    assert labels[-3:] == ["（六）其他处理", "（七）总计", "四、结转下年度继续办理"]
    assert t.ROW_LABELS["2019"]["refused.security_stability"] == "3.危及“三安全一稳定”"
    assert t.ROW_LABELS["2019"]["not_processed.confirm_existing"] == "5.要求行政机关确认或重新出具已获取信息"


def test_2021_edition_splits_other_into_three_rows_under_a_group():
    codes = t.ROW_CODES["2021"]
    assert len(codes) == 25
    assert "other" not in codes
    assert codes[-5:] == ("other.no_correction", "other.fee_unpaid", "other.other", "total", "carried_out")
    assert t.ROW_LABELS["2021"]["other.fee_unpaid"] == "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    group = [r for r in t.table3_layout("2021") if r.is_group and r.label == "（六）其他处理"]
    assert len(group) == 1
    assert t.ROW_CODES["2019"][:-3] == codes[:-5]


def test_group_rows_carry_the_merged_header_path():
    layout = {r.code: r for r in t.table3_layout("2019") if r.code}
    assert layout["refused.state_secret"].path == ("三、本年度办理结果", "（三）不予公开", "1.属于国家秘密")
    assert layout["new"].path == ("一、本年新收政府信息公开申请数量",)
    groups = [r.label for r in t.table3_layout("2019") if r.is_group]
    assert groups == ["三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理"]


def test_table3_headers_are_exact():
    assert t.TABLE3_HEADER_NOTE == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert [t.COLUMN_LABELS[c] for c in t.COLUMNS] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert t.TABLE3_HEADER_APPLICANT == "申请人情况" and t.TABLE3_HEADER_ORGANISATION == "法人或其他组织"


@pytest.mark.parametrize(
    ("outcome", "row2019", "row2021"),
    [
        ("already_public", "granted", "granted"),
        ("granted", "granted", "granted"),
        ("partial", "partial", "partial"),
        ("refused.third_party", "refused.third_party", "refused.third_party"),
        ("special_access", "refused.query_matter", "refused.query_matter"),
        ("not_this_agency", "unavailable.not_held", "unavailable.not_held"),
        ("unavailable.unclear_after_correction", "unavailable.unclear_after_correction", "unavailable.unclear_after_correction"),
        ("not_processed.confirm_existing", "not_processed.confirm_existing", "not_processed.confirm_existing"),
        ("abandoned_no_correction", "other", "other.no_correction"),
        ("abandoned_fee_unpaid", "other", "other.fee_unpaid"),
        ("withdrawn", "other", "other.other"),
        ("other", "other", "other.other"),
    ],
)
def test_each_outcome_lands_in_its_row_per_edition(outcome, row2019, row2021):
    mapping = t.RowMapping()
    assert mapping.row_for(outcome, "2019") == row2019
    assert mapping.row_for(outcome, "2021") == row2021


@pytest.mark.parametrize(
    ("override", "outcome", "row2019", "row2021"),
    [
        ("special_access=other", "special_access", "other", "other.other"),
        ("not_this_agency=other.other", "not_this_agency", "other", "other.other"),
        ("withdrawn=not_processed.duplicate", "withdrawn", "not_processed.duplicate", "not_processed.duplicate"),
    ],
)
def test_configurable_outcomes_follow_the_deployment_setting(override, outcome, row2019, row2021):
    mapping = t.RowMapping(t.parse_row_overrides(override))
    assert (mapping.row_for(outcome, "2019"), mapping.row_for(outcome, "2021")) == (row2019, row2021)


def test_fixed_outcomes_cannot_be_remapped_and_rows_must_exist():
    with pytest.raises(ValueError):
        t.RowMapping({"granted": "partial"})
    with pytest.raises(ValueError):
        t.RowMapping({"special_access": "nowhere"})


def test_reverse_mapping_lists_every_outcome_of_a_row():
    mapping = t.RowMapping()
    assert set(mapping.outcomes_for("unavailable.not_held", "2019")) == {"unavailable.not_held", "not_this_agency"}
    assert set(mapping.outcomes_for("other", "2019")) == {"abandoned_no_correction", "abandoned_fee_unpaid", "withdrawn", "other"}
    assert set(mapping.outcomes_for("other.other", "2021")) == {"withdrawn", "other"}
    every = [o for row in t.OUTCOME_ROWS["2021"] for o in mapping.outcomes_for(row, "2021")]
    assert sorted(every) == sorted(t.OUTCOME_CODES)


def test_build_table3_puts_counts_in_rows_and_adds_totals():
    rows = [
        {"applicant_type": "natural_person", "outcome": "", "new": 3, "carried_in": 1, "carried_out": 1, "concluded": 0},
        {"applicant_type": "natural_person", "outcome": "granted", "concluded": 2},
        {"applicant_type": "commercial", "outcome": "withdrawn", "new": 1, "concluded": 1},
        {"applicant_type": "natural_person", "outcome": "not_this_agency", "concluded": 1},
    ]
    table = t.build_table3(rows, "2021")
    assert table["new"] == [3, 1, 0, 0, 0, 0, 4]
    assert table["granted"] == [2, 0, 0, 0, 0, 0, 2]
    assert table["unavailable.not_held"] == [1, 0, 0, 0, 0, 0, 1]
    assert table["other.other"] == [0, 1, 0, 0, 0, 0, 1]
    assert table["total"] == [3, 1, 0, 0, 0, 0, 4]
    assert list(table) == list(t.ROW_CODES["2021"])


def test_build_table4_places_outcomes_splits_litigation_and_totals_each_group():
    rows = [
        {"reconsideration_outcome": "upheld", "litigation_outcome": "", "litigation_after_reconsideration": None,
         "reconsideration_decided": 1, "reconsideration_pending": 0, "litigation_decided": 0, "litigation_pending": 0},
        {"reconsideration_outcome": "other", "litigation_outcome": "corrected", "litigation_after_reconsideration": True,
         "reconsideration_decided": 3, "reconsideration_pending": 0, "litigation_decided": 2, "litigation_pending": 0},
        {"reconsideration_outcome": "", "litigation_outcome": "", "litigation_after_reconsideration": False,
         "reconsideration_decided": 0, "reconsideration_pending": 0, "litigation_decided": 0, "litigation_pending": 1},
    ]
    table = t.build_table4(rows)
    assert table["reconsideration"] == {"upheld": 1, "corrected": 0, "other": 3, "pending": 0, "total": 4}
    assert table["litigation_after_reconsideration"] == {"upheld": 0, "corrected": 2, "other": 0, "pending": 0, "total": 2}
    assert table["litigation_direct"] == {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1}


def test_converting_between_editions_keeps_the_total():
    table2021 = t.convert_table3(seed_table3(), "2021")
    assert table2021["other.other"] == [1, 0, 0, 0, 0, 0, 1]
    back = t.convert_table3({**table2021, "other.no_correction": [1, 0, 0, 0, 0, 0, 1]}, "2019")
    assert back["other"] == [2, 0, 0, 0, 0, 0, 2]


def failing(checks, code):
    return [c for c in checks if c["code"] == code and not c["ok"]]


def test_seed_tables_pass_every_check():
    checks = t.run_checks(seed_table3(), SEED_TABLE4, "2019", previous_carried_out=[2, 0, 0, 0, 0, 0, 2], overdue=[])
    assert [c for c in checks if not c["ok"]] == []
    assert all(set(c) == {"code", "level", "ok", "message"} for c in checks)


def test_check1_row_total_fires_when_a_total_cell_is_wrong():
    table = seed_table3()
    table["granted"][6] = 21
    [item] = failing(t.run_checks(table, SEED_TABLE4, "2019"), "row_total")
    assert item["level"] == "error" and "（一）予以公开" in item["message"] and "21" in item["message"]


def test_check2_column_reconciliation_fires_per_column():
    table = seed_table3()
    table["new"] = [52, 2, 1, 0, 0, 0, 55]
    items = failing(t.run_checks(table, SEED_TABLE4, "2019"), "column_reconciliation")
    assert [i["message"].split("：")[0] for i in items] == ["“自然人”列", "“总计”列"]
    assert all(i["level"] == "error" for i in items)


def test_check3_outcome_total_fires_when_a_row_is_left_out_of_the_total():
    table = seed_table3()
    table["not_processed.duplicate"] = [1, 0, 0, 0, 0, 0, 1]
    items = failing(t.run_checks(table, SEED_TABLE4, "2019"), "outcome_total")
    assert len(items) == 2 and all(i["level"] == "error" for i in items)


def test_check4_table4_total_fires():
    table4 = copy.deepcopy(SEED_TABLE4)
    table4["litigation_direct"]["total"] = 5
    [item] = failing(t.run_checks(seed_table3(), table4, "2019"), "table4_total")
    assert "未经复议直接起诉" in item["message"] and item["level"] == "error"


def test_check5_carried_in_differs_from_last_years_carried_out_is_a_warning():
    checks = t.run_checks(seed_table3(), SEED_TABLE4, "2019", previous_carried_out=[3, 0, 0, 0, 0, 0, 3],
                          previous_source="已发布的")
    [item] = failing(checks, "carried_in_matches_previous")
    assert item["level"] == "warning" and "本年2、上年3" in item["message"]
    assert not t.has_errors(checks)


def test_check6_a_2021_row_in_a_2019_report_is_an_error_and_the_reverse():
    table = seed_table3()
    table["other.fee_unpaid"] = [0] * 7
    [item] = failing(t.run_checks(table, SEED_TABLE4, "2019"), "edition_rows")
    assert "2021版" in item["message"] and item["level"] == "error"
    table2021 = t.convert_table3(seed_table3(), "2021")
    table2021["other"] = [0] * 7
    assert failing(t.run_checks(table2021, SEED_TABLE4, "2021"), "edition_rows")


def test_check6_fee_abandonment_in_a_2019_edition_report_is_an_error():
    items = failing(t.run_checks(seed_table3(), SEED_TABLE4, "2019", fee_unpaid_outcomes=1), "edition_rows")
    assert len(items) == 1 and "信息处理费" in items[0]["message"]


def test_check6_missing_rows_are_errors():
    table = seed_table3()
    del table["carried_out"]
    assert failing(t.run_checks(table, SEED_TABLE4, "2019"), "edition_rows")


def test_check7_lists_overdue_requests_as_a_warning():
    overdue = [{"ref": "JD-1", "unit": "金东区发展和改革局", "due_on": "2019-03-01", "kind": "逾期答复"}]
    checks = t.run_checks(seed_table3(), SEED_TABLE4, "2019", overdue=overdue, overdue_count=3)
    [item] = failing(checks, "overdue_requests")
    assert item["level"] == "warning" and "3件" in item["message"] and "JD-1" in item["message"]
    assert not t.has_errors(checks)


def test_shape_errors_stop_the_other_checks():
    table = seed_table3()
    table["granted"] = [19, 0, 1, 0, 0, 0]
    checks = t.run_checks(table, SEED_TABLE4, "2019")
    assert {c["code"] for c in checks} == {"shape"}
    table["granted"] = [19, 0, -1, 0, 0, 0, 18]
    assert failing(t.run_checks(table, SEED_TABLE4, "2019"), "shape")


@pytest.mark.parametrize(
    "counts",
    [[3, 17, 34], [1, 1, 1], [2, 1], [54], [1, 2, 3, 4, 5, 6, 7], [0, 0, 5], [19, 4, 1, 28, 0, 1], [1] * 7],
)
def test_percentages_add_up_to_exactly_100(counts):
    shares = t.percentages(counts)
    assert sum(shares) == Decimal("100.00")
    assert all(abs(s - Decimal(c) * 100 / sum(counts)) < Decimal("0.01") for s, c in zip(shares, counts, strict=True))


def test_percentages_of_nothing_are_zero():
    assert t.percentages([0, 0]) == [Decimal("0.00"), Decimal("0.00")]


def test_table2_editions_have_the_statutory_items_and_columns():
    assert [s.title for s in t.TABLE2["2019"]][-1] == "第二十条第（九）项"
    assert len(t.TABLE2["2021"]) == 4
    assert ("other_services", "decisions") in t.table2_cells("2019")
    assert ("other_services", "decisions") not in t.table2_cells("2021")
    assert t.TABLE2["2021"][3].columns == (("fee_amount", "本年收费金额（单位：万元）"),)


def test_table2_sums_up_the_tree_unless_entered_for_the_parent():
    a = t.Table2Node({("rules", "issued"): Decimal(2)})
    b = t.Table2Node({("rules", "issued"): Decimal(3), ("fees", "fee_amount"): Decimal("1.25")})
    parent_blank = t.Table2Node({}, (a, b))
    assert t.roll_up_table2(parent_blank) == {("rules", "issued"): 5, ("fees", "fee_amount"): Decimal("1.25")}
    parent_direct = t.Table2Node({("rules", "issued"): Decimal(9)}, (a, b))
    assert t.roll_up_table2(t.Table2Node({}, (parent_direct, a))) == {("rules", "issued"): 11}
    table = t.build_table2(t.roll_up_table2(parent_blank), "2021")
    assert table["rules"] == {"issued": 5, "repealed": 0, "in_force": 0}
    assert table["fees"] == {"fee_amount": 1.25}


def test_document_has_the_contract_shape_and_check_document_accepts_it():
    table3 = t.complete_table3(seed_table3(), "2019")
    doc = t.document(
        year=2019, edition="2019", unit={"code": "jindong", "name": "金东区人民政府"}, table3=table3,
        table4=SEED_TABLE4, table2=t.build_table2({}, "2019"), breakdowns={}, checks=[],
    )
    assert list(doc)[:9] == ["year", "edition", "unit", "table3", "table4", "table2", "breakdowns", "checks", "table4_rule"]
    assert doc["table3"]["columns"] == list(t.COLUMNS)
    assert list(doc["table3"]["rows"]) == list(t.ROW_CODES["2019"])
    assert not [c for c in t.check_document(doc) if not c["ok"]]


@pytest.mark.parametrize(
    ("doc", "fragment"),
    [([], "JSON对象"), ({"year": 2017, "edition": "2019", "table3": {"rows": {}}, "table4": {}}, "year"),
     ({"year": 2019, "edition": "2020", "table3": {"rows": {}}, "table4": {}}, "edition"),
     ({"year": 2019, "edition": "2019", "table4": {}}, "table3.rows")],
)
def test_malformed_documents_are_reported_not_crashed_on(doc, fragment):
    checks = t.check_document(doc)
    assert checks and all(not c["ok"] and c["level"] == "error" for c in checks)
    assert any(fragment in c["message"] for c in checks)


def test_csv_lists_every_row_with_its_exact_label():
    table3 = t.complete_table3(seed_table3(), "2019")
    doc = t.document(year=2019, edition="2019", unit={"code": "x", "name": "x"}, table3=table3, table4=SEED_TABLE4,
                     table2=t.build_table2({}, "2019"), breakdowns={}, checks=[])
    lines = t.csv_rows(doc)
    by_code = {line[0]: line for line in lines if line and line[0]}
    assert by_code["partial"][1:] == ["（二）部分公开（区分处理的，只计这一情形，不计其他情形）", 4, 0, 0, 0, 0, 0, 4]
    assert by_code["litigation_direct"][2:] == [4, 1, 0, 1, 6]
