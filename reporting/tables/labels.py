"""The statutory tables' shape and words: editions, table 三's rows and columns and their labels, the
outcome → row mapping, table 四's groups and rules, table 二's sections. Pure.

Contract: shared/spec/annual-report.md (国办公开办函〔2019〕60号 and 〔2021〕30号 formats). Nothing in
reporting.tables touches the database or the clock; queries.py feeds plain count rows in, services.py
stores results.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

EDITION_2019 = "2019"
EDITION_2021 = "2021"
EDITIONS = (EDITION_2019, EDITION_2021)
FIRST_YEAR = 2019
STATUTORY_LANGUAGE = "zh-hans"


def in_statutory_language(func):
    """The statutory document and its files are in Chinese whatever language the reader's UI is in:
    its check messages, the table-四 note and the narrative go through gettext."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(STATUTORY_LANGUAGE):
            return func(*args, **kwargs)

    return wrapper


class UnsupportedYear(ValueError):
    pass


def edition_for(year: int, override: str | None = None) -> str:
    """2019 edition (60号) for report years 2019–2020, 2021 edition (30号) from 2021; an override wins."""
    if year < FIRST_YEAR:
        raise UnsupportedYear(_("不支持%(year)s年的报告：统一格式自2019年度起施行。") % {"year": year})
    if override:
        if str(override) not in EDITIONS:
            raise ValueError(_("格式版本“%(edition)s”无效，可选 2019 或 2021。") % {"edition": override})
        return str(override)
    return EDITION_2019 if year <= 2020 else EDITION_2021


# --- Table 三 ----------------------------------------------------------------------------------

APPLICANT_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
COLUMNS = (*APPLICANT_COLUMNS, "total")
COLUMN_LABELS = {
    "natural_person": gettext_noop("自然人"),
    "commercial": gettext_noop("商业企业"),
    "research": gettext_noop("科研机构"),
    "social_welfare": gettext_noop("社会公益组织"),
    "legal_service": gettext_noop("法律服务机构"),
    "other_org": gettext_noop("其他"),
    "total": gettext_noop("总计"),
}
TABLE3_TITLE = gettext_noop("三、收到和处理政府信息公开申请情况")
TABLE3_HEADER_NOTE = gettext_noop("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）")
TABLE3_HEADER_APPLICANT = gettext_noop("申请人情况")
TABLE3_HEADER_ORGANISATION = gettext_noop("法人或其他组织")
ORGANISATION_COLUMNS = APPLICANT_COLUMNS[1:]

RESULTS_GROUP = gettext_noop("三、本年度办理结果")
REFUSED_GROUP = gettext_noop("（三）不予公开")
UNAVAILABLE_GROUP = gettext_noop("（四）无法提供")
NOT_PROCESSED_GROUP = gettext_noop("（五）不予处理")
OTHER_GROUP = gettext_noop("（六）其他处理")


@dataclass(frozen=True)
class Row:
    """One line of table 三. `code` is None for a group header; `path` is the labels from the outside in
    (the merged cells of the statutory layout), its last element is this line's own label."""

    code: str | None
    path: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.path[-1]

    @property
    def is_group(self) -> bool:
        return self.code is None


def _rows(edition: str) -> tuple[Row, ...]:
    R, G = RESULTS_GROUP, None
    rows = [
        Row("new", (gettext_noop("一、本年新收政府信息公开申请数量"),)),
        Row("carried_in", (gettext_noop("二、上年结转政府信息公开申请数量"),)),
        Row(G, (R,)),
        Row("granted", (R, gettext_noop("（一）予以公开"))),
        Row("partial", (R, gettext_noop("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"))),
        Row(G, (R, REFUSED_GROUP)),
        Row("refused.state_secret", (R, REFUSED_GROUP, gettext_noop("1.属于国家秘密"))),
        Row("refused.law_prohibited", (R, REFUSED_GROUP, gettext_noop("2.其他法律行政法规禁止公开"))),
        Row("refused.security_stability", (R, REFUSED_GROUP, gettext_noop("3.危及“三安全一稳定”"))),
        Row("refused.third_party", (R, REFUSED_GROUP, gettext_noop("4.保护第三方合法权益"))),
        Row("refused.internal_affairs", (R, REFUSED_GROUP, gettext_noop("5.属于三类内部事务信息"))),
        Row("refused.process_info", (R, REFUSED_GROUP, gettext_noop("6.属于四类过程性信息"))),
        Row("refused.enforcement_file", (R, REFUSED_GROUP, gettext_noop("7.属于行政执法案卷"))),
        Row("refused.query_matter", (R, REFUSED_GROUP, gettext_noop("8.属于行政查询事项"))),
        Row(G, (R, UNAVAILABLE_GROUP)),
        Row("unavailable.not_held", (R, UNAVAILABLE_GROUP, gettext_noop("1.本机关不掌握相关政府信息"))),
        Row("unavailable.needs_creation", (R, UNAVAILABLE_GROUP, gettext_noop("2.没有现成信息需要另行制作"))),
        Row("unavailable.unclear_after_correction", (R, UNAVAILABLE_GROUP, gettext_noop("3.补正后申请内容仍不明确"))),
        Row(G, (R, NOT_PROCESSED_GROUP)),
        Row("not_processed.petition", (R, NOT_PROCESSED_GROUP, gettext_noop("1.信访举报投诉类申请"))),
        Row("not_processed.duplicate", (R, NOT_PROCESSED_GROUP, gettext_noop("2.重复申请"))),
        Row("not_processed.publication", (R, NOT_PROCESSED_GROUP, gettext_noop("3.要求提供公开出版物"))),
        Row("not_processed.excessive", (R, NOT_PROCESSED_GROUP, gettext_noop("4.无正当理由大量反复申请"))),
        Row(
            "not_processed.confirm_existing",
            (R, NOT_PROCESSED_GROUP, gettext_noop("5.要求行政机关确认或重新出具已获取信息")),
        ),
    ]
    if edition == EDITION_2019:
        rows.append(Row("other", (R, OTHER_GROUP)))
    else:
        rows += [
            Row(G, (R, OTHER_GROUP)),
            Row(
                "other.no_correction",
                (R, OTHER_GROUP, gettext_noop("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")),
            ),
            Row(
                "other.fee_unpaid",
                (
                    R, OTHER_GROUP,
                    gettext_noop("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
                ),
            ),
            Row("other.other", (R, OTHER_GROUP, gettext_noop("3.其他"))),
        ]
    rows += [
        Row("total", (R, gettext_noop("（七）总计"))),
        Row("carried_out", (gettext_noop("四、结转下年度继续办理"),)),
    ]
    return tuple(rows)


TABLE3_LAYOUT: dict[str, tuple[Row, ...]] = {e: _rows(e) for e in EDITIONS}
# Data rows (with numbers) of each edition, in order: 23 in 2019, 25 in 2021.
ROW_CODES: dict[str, tuple[str, ...]] = {e: tuple(r.code for r in TABLE3_LAYOUT[e] if r.code) for e in EDITIONS}
ROW_LABELS: dict[str, dict[str, str]] = {e: {r.code: r.label for r in TABLE3_LAYOUT[e] if r.code} for e in EDITIONS}
NON_OUTCOME_ROWS = frozenset({"new", "carried_in", "total", "carried_out"})
OUTCOME_ROWS: dict[str, tuple[str, ...]] = {
    e: tuple(c for c in ROW_CODES[e] if c not in NON_OUTCOME_ROWS) for e in EDITIONS
}
ONLY_IN: dict[str, frozenset[str]] = {
    EDITION_2019: frozenset(ROW_CODES[EDITION_2019]) - frozenset(ROW_CODES[EDITION_2021]),
    EDITION_2021: frozenset(ROW_CODES[EDITION_2021]) - frozenset(ROW_CODES[EDITION_2019]),
}


def table3_layout(edition: str) -> tuple[Row, ...]:
    return TABLE3_LAYOUT[edition]


# --- Outcome → row ---------------------------------------------------------------------------

# Outcomes whose row is the same in both editions: the outcome code is the row code.
_DIRECT = frozenset(
    c for c in OUTCOME_ROWS[EDITION_2019] if c not in ("other",)
)
# Edition-neutral row of the outcomes that have no row of their own (annual-report.md).
DEFAULT_OUTCOME_ROWS: dict[str, str] = {
    "already_public": "granted",
    "special_access": "refused.query_matter",
    "not_this_agency": "unavailable.not_held",
    "abandoned_no_correction": "other.no_correction",
    "abandoned_fee_unpaid": "other.fee_unpaid",
    "withdrawn": "other.other",
    "other": "other.other",
}
# Outcomes whose row a deployment may choose (statute.md §6.4: provinces' 填报说明 differ).
CONFIGURABLE_OUTCOMES = frozenset({"special_access", "not_this_agency", "withdrawn", "other"})
OUTCOME_CODES = tuple(sorted(_DIRECT | frozenset(DEFAULT_OUTCOME_ROWS)))


def row_in_edition(row: str, edition: str) -> str:
    """An edition-neutral row code in `edition`: （六） is one row in 2019 and three in 2021."""
    if edition == EDITION_2019 and (row == "other" or row.startswith("other.")):
        return "other"
    if edition == EDITION_2021 and row == "other":
        return "other.other"
    return row


@dataclass(frozen=True)
class RowMapping:
    """Which table-三 row each outcome lands in; `overrides` maps configurable outcomes to a row code."""

    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        valid_rows = frozenset(OUTCOME_ROWS[EDITION_2019]) | frozenset(OUTCOME_ROWS[EDITION_2021])
        for outcome, row in self.overrides.items():
            if outcome not in CONFIGURABLE_OUTCOMES:
                raise ValueError(f"outcome {outcome!r} has a fixed row; configurable: {sorted(CONFIGURABLE_OUTCOMES)}")
            if row not in valid_rows:
                raise ValueError(f"row {row!r} for outcome {outcome!r} is not a table-三 outcome row")

    def row_for(self, outcome: str, edition: str) -> str:
        if outcome in self.overrides:
            row = self.overrides[outcome]
        elif outcome in _DIRECT:
            row = outcome
        elif outcome in DEFAULT_OUTCOME_ROWS:
            row = DEFAULT_OUTCOME_ROWS[outcome]
        else:
            raise ValueError(_("未知的办理结果代码：%(code)s") % {"code": outcome})
        return row_in_edition(row, edition)

    def outcomes_for(self, row: str, edition: str) -> tuple[str, ...]:
        """Every outcome code counted in `row` (the reverse mapping, for drill-down)."""
        return tuple(o for o in OUTCOME_CODES if self.row_for(o, edition) == row)


def parse_row_overrides(text: str) -> dict[str, str]:
    """"special_access=other,not_this_agency=unavailable.not_held" → dict (settings/env format)."""
    result = {}
    for item in (text or "").split(","):
        if item.strip():
            outcome, _sep, row = item.partition("=")
            result[outcome.strip()] = row.strip()
    return result


# --- Table 四 ----------------------------------------------------------------------------------

TABLE4_TITLE = gettext_noop("四、政府信息公开行政复议、行政诉讼情况")
TABLE4_GROUPS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
TABLE4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
TABLE4_RESULT_COLUMNS = TABLE4_COLUMNS[:4]
TABLE4_GROUP_LABELS = {
    "reconsideration": gettext_noop("行政复议"),
    "litigation_direct": gettext_noop("未经复议直接起诉"),
    "litigation_after_reconsideration": gettext_noop("复议后起诉"),
}
TABLE4_LITIGATION_LABEL = gettext_noop("行政诉讼")
TABLE4_COLUMN_LABELS = {
    "upheld": gettext_noop("结果维持"),
    "corrected": gettext_noop("结果纠正"),
    "other": gettext_noop("其他结果"),
    "pending": gettext_noop("尚未审结"),
    "total": gettext_noop("总计"),
}
TABLE4_RULE_DEFAULT = "default"
TABLE4_RULE_FILED_IN_YEAR = "filed_in_year"
TABLE4_RULES = (TABLE4_RULE_DEFAULT, TABLE4_RULE_FILED_IN_YEAR)


def table4_rule_text(rule: str, year: int) -> str:
    """The sentence printed under table 四 (statute.md §6.5: the practice differs, say which rule)."""
    if rule == TABLE4_RULE_FILED_IN_YEAR:
        return _(
            "统计口径：%(y)s年内提起的行政复议、行政诉讼案件，按%(y)s年12月31日的结果计；"
            "当时尚未审结的计入“尚未审结”。"
        ) % {"y": year}
    return _(
        "统计口径：%(y)s年内提起的，以及此前提起、%(y)s年1月1日尚未审结的行政复议、行政诉讼案件，"
        "按%(y)s年12月31日的结果计；当时尚未审结的计入“尚未审结”。"
    ) % {"y": year}


# --- Table 二 ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table2Section:
    title: str
    columns: tuple[tuple[str, str], ...]  # (code, label)
    items: tuple[tuple[str, str], ...]  # (code, label)


_PROJECT_COLUMNS = (
    ("previous_count", gettext_noop("上一年项目数量")),
    ("change", gettext_noop("本年增/减")),
    ("decisions", gettext_noop("处理决定数量")),
)
_DECISIONS_THIS_YEAR = (("decisions", gettext_noop("本年处理决定数量")),)
TABLE2_TITLE = gettext_noop("二、主动公开政府信息情况")
TABLE2_ITEM_HEADER = gettext_noop("信息内容")
TABLE2: dict[str, tuple[Table2Section, ...]] = {
    EDITION_2019: (
        Table2Section(
            gettext_noop("第二十条第（一）项"),
            (
                ("new_made", gettext_noop("本年新制作数量")),
                ("new_published", gettext_noop("本年新公开数量")),
                ("total_published", gettext_noop("对外公开总数量")),
            ),
            (("rules", gettext_noop("规章")), ("normative_documents", gettext_noop("规范性文件"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（五）项"),
            _PROJECT_COLUMNS,
            (("licensing", gettext_noop("行政许可")), ("other_services", gettext_noop("其他对外管理服务事项"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（六）项"),
            _PROJECT_COLUMNS,
            (("penalty", gettext_noop("行政处罚")), ("enforcement", gettext_noop("行政强制"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（八）项"), _PROJECT_COLUMNS[:2], (("fees", gettext_noop("行政事业性收费")),)
        ),
        Table2Section(
            gettext_noop("第二十条第（九）项"),
            (("procurement_count", gettext_noop("采购项目数量")), ("procurement_amount", gettext_noop("采购总金额"))),
            (("procurement", gettext_noop("政府集中采购")),),
        ),
    ),
    EDITION_2021: (
        Table2Section(
            gettext_noop("第二十条第（一）项"),
            (
                ("issued", gettext_noop("本年制发件数")),
                ("repealed", gettext_noop("本年废止件数")),
                ("in_force", gettext_noop("现行有效件数")),
            ),
            (("rules", gettext_noop("规章")), ("normative_documents", gettext_noop("行政规范性文件"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（五）项"), _DECISIONS_THIS_YEAR, (("licensing", gettext_noop("行政许可")),)
        ),
        Table2Section(
            gettext_noop("第二十条第（六）项"),
            _DECISIONS_THIS_YEAR,
            (("penalty", gettext_noop("行政处罚")), ("enforcement", gettext_noop("行政强制"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（八）项"),
            (("fee_amount", gettext_noop("本年收费金额（单位：万元）")),),
            (("fees", gettext_noop("行政事业性收费")),),
        ),
    ),
}


def table2_cells(edition: str) -> tuple[tuple[str, str], ...]:
    """Every (item, column) pair of the edition's table 二, in layout order."""
    return tuple((item, col) for s in TABLE2[edition] for item, _l in s.items for col, _c in s.columns)


def table2_choices(edition: str | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(item choices, column choices) of one edition, or of both for a model field."""
    items: dict[str, str] = {}
    columns: dict[str, str] = {}
    for e in [edition] if edition else EDITIONS:
        for s in TABLE2[e]:
            for code, label in s.items:
                items.setdefault(code, label)
            for code, label in s.columns:
                columns.setdefault(code, label)
    return list(items.items()), list(columns.items())
