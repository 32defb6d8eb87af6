"""The pure rules of a letter (letters.md): legal basis, reasons, 复议机关 and the remedy clause by date.

Every outcome × before/after 2024-01-01 × a department, a township, a government and a configured
body. No database.
"""

from datetime import date

import pytest

from disclosure.workflow import REFUSALS, Outcome
from documents import rules
from documents.kinds import FAMILY, Kind
from documents.rules import UnitInfo

CITY = UnitInfo("金华市人民政府", "government")
DISTRICT = UnitInfo("金华市金东区人民政府", "government")
DEPARTMENT = [UnitInfo("金华市金东区发展和改革局", "department"), DISTRICT, CITY]
TOWNSHIP = [UnitInfo("金华市金东区多湖街道办事处", "township"), DISTRICT, CITY]
GOVERNMENT = [DISTRICT, CITY]
CONFIGURED = "国家税务总局金华市税务局"

BEFORE, AFTER = date(2023, 12, 29), date(2024, 1, 2)
ERAS = {"before_2024": BEFORE, "from_2024": AFTER}

# (chain, configured) → 复议机关 before 2024 and from 2024
UNITS = {
    "department": (DEPARTMENT, "", "金华市金东区人民政府或者上一级主管部门", "金华市金东区人民政府"),
    "township": (TOWNSHIP, "", "金华市金东区人民政府", "金华市金东区人民政府"),
    "government": (GOVERNMENT, "", "金华市人民政府", "金华市人民政府"),
    "configured": (DEPARTMENT, CONFIGURED, CONFIGURED, CONFIGURED),
}

TABLE = {  # letters.md, "legal basis named in the reply"
    "already_public": "第三十六条第（一）项",
    "granted": "第三十六条第（二）项",
    "partial": "第三十七条",
    "refused.state_secret": "第十四条、第三十六条第（三）项",
    "refused.law_prohibited": "第十四条、第三十六条第（三）项",
    "refused.security_stability": "第十四条、第三十六条第（三）项",
    "refused.third_party": "第十五条、第三十六条第（三）项",
    "refused.internal_affairs": "第十六条第一款、第三十六条第（三）项",
    "refused.process_info": "第十六条第二款、第三十六条第（三）项",
    "refused.enforcement_file": "第十六条第二款、第三十六条第（三）项",
    "unavailable.not_held": "第三十六条第（四）项",
    "not_this_agency": "第三十六条第（五）项",
    "not_processed.duplicate": "第三十六条第（六）项",
    "special_access": "第三十六条第（七）项",
    "unavailable.needs_creation": "第三十八条",
    "unavailable.unclear_after_correction": "第三十条",
    "not_processed.petition": "第三十九条第一款",
    "not_processed.publication": "第三十九条第二款",
    "not_processed.excessive": "第三十五条",
}


@pytest.mark.parametrize(("outcome", "basis"), sorted(TABLE.items()))
def test_legal_basis_is_letters_md_table(outcome, basis):
    assert rules.legal_basis(outcome) == basis
    assert rules.legal_basis_sentence(outcome) == f"根据《中华人民共和国政府信息公开条例》{basis}的规定"


def test_every_outcome_has_a_legal_basis_entry():
    assert set(rules.LEGAL_BASIS) == set(Outcome.values)
    assert rules.legal_basis("refused.query_matter") == "第三十六条第（三）项"
    assert rules.legal_basis("withdrawn") == "" and rules.legal_basis_sentence("withdrawn") == ""
    with pytest.raises(ValueError):
        rules.legal_basis("refused.because")


@pytest.mark.parametrize("outcome", Outcome.values)
def test_reasons_are_needed_for_refusals_and_the_withheld_part_only(outcome):
    assert rules.needs_reasons(outcome) is (outcome.startswith("refused.") or outcome == "partial")


@pytest.mark.parametrize("outcome", Outcome.values)
def test_reply_is_an_answer_when_it_gives_information_else_a_notice(outcome):
    gives = outcome in ("already_public", "granted", "partial")
    assert rules.reply_document_name(outcome) == ("政府信息公开申请答复书" if gives else "政府信息公开申请告知书")


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("unit", UNITS)
def test_reconsideration_body_from_the_unit_tree_or_the_configured_body(unit, era):
    chain, configured, before, after = UNITS[unit]
    expected = before if era == "before_2024" else after
    assert rules.reconsideration_body(chain, configured, on=ERAS[era]) == expected


def test_reconsideration_body_without_a_government_above_is_empty_unless_configured():
    lone_government = [UnitInfo("某市人民政府", "government")]
    assert rules.reconsideration_body(lone_government, "", on=AFTER) == ""
    assert rules.reconsideration_body(lone_government, "  某省人民政府 ", on=AFTER) == "某省人民政府"
    township_under_department = [UnitInfo("某街道", "township"), UnitInfo("某局", "department"), DISTRICT]
    assert rules.reconsideration_body(township_under_department, "", on=AFTER) == ""  # its parent, not further up
    department_alone = [UnitInfo("某局", "department")]
    assert rules.reconsideration_body(department_alone, "", on=AFTER) == ""
    assert rules.reconsideration_body(department_alone, "", on=BEFORE) == "本级人民政府或者上一级主管部门"
    nested = [UnitInfo("某科", "department"), UnitInfo("某局", "department"), DISTRICT]
    assert rules.reconsideration_body(nested, "", on=AFTER) == DISTRICT.name  # the nearest government


@pytest.mark.parametrize("era", ERAS)
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("outcome", Outcome.values)
def test_remedy_clause_by_outcome_date_and_unit(outcome, unit, era):
    on = ERAS[era]
    chain, configured, *_ = UNITS[unit]
    body = rules.reconsideration_body(chain, configured, on=on)
    clause = rules.remedy_clause(on, outcome, body, kind=Kind.REPLY)
    assert f"60日内向{body}申请行政复议" in clause
    first_reconsideration = "应当先申请行政复议" in clause
    if era == "before_2024":
        assert "6个月内依法向人民法院提起行政诉讼" in clause and not first_reconsideration
        assert "第二十三条" not in clause
    elif outcome in REFUSALS:
        assert first_reconsideration and "6个月" not in clause and "第二十三条" in clause
    elif outcome == Outcome.PARTIAL:
        # 复议前置 for the withheld part; the disclosed part may still go straight to court
        assert first_reconsideration and "不予公开的部分" in clause
        assert clause.index("不予公开的部分") < clause.index("6个月")
    else:
        assert "6个月内依法向人民法院提起行政诉讼" in clause and not first_reconsideration
    name = "本答复书" if outcome in ("already_public", "granted", "partial") else "本告知书"
    assert f"收到{name}之日起60日内" in clause


@pytest.mark.parametrize("kind", sorted(rules.REMEDY_KINDS))
def test_notices_carry_the_remedy_clause_with_their_own_name(kind):
    clause = rules.remedy_clause(AFTER, None, DISTRICT.name, kind=kind)
    own = "本通知书" if kind == Kind.FEE_NOTICE else ("本答复书" if kind == Kind.REPLY else "本告知书")
    assert f"收到{own}之日起60日内向{DISTRICT.name}申请行政复议" in clause and "6个月" in clause


def test_which_kinds_carry_a_remedy_clause():
    assert {k for k in Kind.values if rules.has_remedy_clause(k)} == {
        "reply", "correction_notice", "extension_notice", "delay_notice", "fee_notice"
    }


def test_remedy_clause_without_a_body_is_marked_to_fill_in():
    assert "【待填写：行政复议机关】" in rules.remedy_clause(AFTER, "granted", "")


def test_the_new_law_starts_on_1_january_2024():
    assert "第二十三条" not in rules.remedy_clause(date(2023, 12, 31), "refused.state_secret", "X")
    assert "第二十三条" in rules.remedy_clause(date(2024, 1, 1), "refused.state_secret", "X")


@pytest.mark.parametrize(
    ("day", "text"),
    [(date(2026, 3, 5), "2026年3月5日"), (date(2024, 12, 31), "2024年12月31日"), (date(2025, 10, 1), "2025年10月1日"),
     (None, "")],
)
def test_dates_are_written_without_leading_zeros(day, text):
    assert rules.format_cn_date(day) == text


def test_every_numbered_kind_has_its_own_family_and_the_delivery_receipt_none():
    assert set(FAMILY) == set(Kind.values) - {"delivery_receipt"}
    assert len(set(FAMILY.values())) == len(FAMILY)
    assert "".join(FAMILY[k] for k in ("reply", "correction_notice", "extension_notice", "consultation_letter",
                                        "fee_notice", "reasons_notice", "delay_notice", "receipt")) == "复补延征费理迟收"
