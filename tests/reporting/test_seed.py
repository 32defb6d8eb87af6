"""The seed report (金东区2019年报, shared/spec/jindong-2019-annual-report.txt) compiled from a ledger.

tests/reporting/data/jindong-2019-ledger.csv holds 56 requests in the ledger.md format built to match
the seed: 54 new in 2019 and 2 received in December 2018 and concluded in January 2019; 当面 3 / 信函 34
/ 网络 17 as the seed's narrative says (its chart swaps 信函 and 网络); 区政府 16 / 部门 19 / 乡镇 19.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from disclosure.models import DisclosureRequest, Unit
from reporting import services
from reporting import tables as t

DATA = Path(__file__).parent / "data"

# The seed's table 三, transcribed row by row (自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计).
SEED_TABLE3 = {
    "new": [51, 2, 1, 0, 0, 0, 54],
    "carried_in": [2, 0, 0, 0, 0, 0, 2],
    "granted": [19, 0, 1, 0, 0, 0, 20],
    "partial": [4, 0, 0, 0, 0, 0, 4],
    "refused.state_secret": [0] * 7,
    "refused.law_prohibited": [0] * 7,
    "refused.security_stability": [0] * 7,
    "refused.third_party": [1, 0, 0, 0, 0, 0, 1],
    "refused.internal_affairs": [0] * 7,
    "refused.process_info": [0] * 7,
    "refused.enforcement_file": [0] * 7,
    "refused.query_matter": [0] * 7,
    "unavailable.not_held": [28, 2, 0, 0, 0, 0, 30],
    "unavailable.needs_creation": [0] * 7,
    "unavailable.unclear_after_correction": [0] * 7,
    "not_processed.petition": [0] * 7,
    "not_processed.duplicate": [0] * 7,
    "not_processed.publication": [0] * 7,
    "not_processed.excessive": [0] * 7,
    "not_processed.confirm_existing": [0] * 7,
    "other": [1, 0, 0, 0, 0, 0, 1],
    "total": [53, 2, 1, 0, 0, 0, 56],
    "carried_out": [0] * 7,
}
# The seed's table 四: 1 1 3 0 5 | 4 1 0 1 6 | 0 0 0 0 0.
SEED_TABLE4 = {
    "reconsideration": {"upheld": 1, "corrected": 1, "other": 3, "pending": 0, "total": 5},
    "litigation_direct": {"upheld": 4, "corrected": 1, "other": 0, "pending": 1, "total": 6},
    "litigation_after_reconsideration": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
}


def load_seed_ledger() -> Unit:
    """The units and the ledger through the import commands staff use (ledger.md)."""
    call_command("import_units", str(DATA / "jindong-units.csv"), stdout=io.StringIO())
    call_command("import_ledger", str(DATA / "jindong-2019-ledger.csv"), stdout=io.StringIO())
    return Unit.objects.get(code="jindong")


@pytest.fixture
def seed_root(db):
    return load_seed_ledger()


def test_seed_ledger_has_56_requests_54_received_in_2019(seed_root):
    assert DisclosureRequest.objects.count() == 56
    assert DisclosureRequest.objects.received_in(2019).count() == 54


def test_seed_table3_reproduced_cell_for_cell(seed_root):
    doc = services.compile_report(seed_root, 2019)
    assert doc["edition"] == "2019"
    assert list(doc["table3"]["rows"]) == list(SEED_TABLE3)
    assert doc["table3"]["rows"] == SEED_TABLE3


def test_seed_table4_reproduced(seed_root):
    assert services.compile_report(seed_root, 2019)["table4"] == SEED_TABLE4


@pytest.mark.parametrize("rule", t.TABLE4_RULES)
def test_seed_table4_same_under_both_rules_since_all_proceedings_were_filed_in_2019(seed_root, rule):
    assert services.compile_report(seed_root, 2019, rule=rule)["table4"] == SEED_TABLE4


def test_seed_breakdowns_follow_the_narrative_not_the_swapped_chart(seed_root):
    doc = services.compile_report(seed_root, 2019)
    assert doc["breakdowns"] == {
        "by_channel": {"in_person": 3, "letter": 34, "online": 17},
        "by_unit_kind": {"government": 16, "department": 19, "township": 19},
    }
    shares = t.percentages(list(doc["breakdowns"]["by_channel"].values()))
    assert sum(shares) == 100


def test_seed_passes_every_check(seed_root):
    checks = services.compile_report(seed_root, 2019)["checks"]
    assert [c for c in checks if not c["ok"]] == []
    assert {c["code"] for c in checks} >= {
        "row_total", "column_reconciliation", "outcome_total", "table4_total", "carried_in_matches_previous",
        "edition_rows", "overdue_requests",
    }


def test_seed_in_2021_edition_moves_the_withdrawal_to_other_other(seed_root):
    rows = services.compile_report(seed_root, 2019, edition="2021")["table3"]["rows"]
    assert "other" not in rows
    assert rows["other.other"] == [1, 0, 0, 0, 0, 0, 1]
    assert rows["other.no_correction"] == rows["other.fee_unpaid"] == [0] * 7
    assert rows["total"] == SEED_TABLE3["total"]


def test_report_years_before_2019_are_refused(seed_root):
    with pytest.raises(t.UnsupportedYear):
        services.compile_report(seed_root, 2018)


def test_seed_2020_carries_nothing_in(seed_root):
    rows = services.compile_report(seed_root, 2020)["table3"]["rows"]
    assert rows["carried_in"] == [0] * 7
    assert rows["new"] == [0] * 7


def test_annual_report_command_gives_the_seed_tables_as_json(seed_root):
    out = io.StringIO()
    call_command("annual_report", "--year", "2019", "--format", "json", stdout=out)
    doc = json.loads(out.getvalue())
    assert (doc["table3"]["rows"], doc["table4"]) == (SEED_TABLE3, SEED_TABLE4)
    assert doc["unit"] == {"code": "jindong", "name": "金东区人民政府"}
