"""The statutory tables as data: editions, rows, labels, the outcome → row mapping, totals, checks. Pure.

Contract: shared/spec/annual-report.md (国办公开办函〔2019〕60号 and 〔2021〕30号 formats). Nothing here
touches the database or the clock; queries.py feeds plain count rows in, services.py stores results.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

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
        Row("not_processed.confirm_existing", (R, NOT_PROCESSED_GROUP, gettext_noop("5.要求行政机关确认或重新出具已获取信息"))),
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
                (R, OTHER_GROUP, gettext_noop("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")),
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


def _row_in_edition(row: str, edition: str) -> str:
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
        return _row_in_edition(row, edition)

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
        return _("统计口径：%(y)s年内提起的行政复议、行政诉讼案件，按%(y)s年12月31日的结果计；当时尚未审结的计入“尚未审结”。") % {
            "y": year
        }
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


_PROJECT_COLUMNS = (("previous_count", gettext_noop("上一年项目数量")), ("change", gettext_noop("本年增/减")), ("decisions", gettext_noop("处理决定数量")))
TABLE2_TITLE = gettext_noop("二、主动公开政府信息情况")
TABLE2_ITEM_HEADER = gettext_noop("信息内容")
TABLE2: dict[str, tuple[Table2Section, ...]] = {
    EDITION_2019: (
        Table2Section(
            gettext_noop("第二十条第（一）项"),
            (("new_made", gettext_noop("本年新制作数量")), ("new_published", gettext_noop("本年新公开数量")), ("total_published", gettext_noop("对外公开总数量"))),
            (("rules", gettext_noop("规章")), ("normative_documents", gettext_noop("规范性文件"))),
        ),
        Table2Section(
            gettext_noop("第二十条第（五）项"), _PROJECT_COLUMNS, (("licensing", gettext_noop("行政许可")), ("other_services", gettext_noop("其他对外管理服务事项")))
        ),
        Table2Section(gettext_noop("第二十条第（六）项"), _PROJECT_COLUMNS, (("penalty", gettext_noop("行政处罚")), ("enforcement", gettext_noop("行政强制")))),
        Table2Section(gettext_noop("第二十条第（八）项"), _PROJECT_COLUMNS[:2], (("fees", gettext_noop("行政事业性收费")),)),
        Table2Section(
            gettext_noop("第二十条第（九）项"),
            (("procurement_count", gettext_noop("采购项目数量")), ("procurement_amount", gettext_noop("采购总金额"))),
            (("procurement", gettext_noop("政府集中采购")),),
        ),
    ),
    EDITION_2021: (
        Table2Section(
            gettext_noop("第二十条第（一）项"),
            (("issued", gettext_noop("本年制发件数")), ("repealed", gettext_noop("本年废止件数")), ("in_force", gettext_noop("现行有效件数"))),
            (("rules", gettext_noop("规章")), ("normative_documents", gettext_noop("行政规范性文件"))),
        ),
        Table2Section(gettext_noop("第二十条第（五）项"), (("decisions", gettext_noop("本年处理决定数量")),), (("licensing", gettext_noop("行政许可")),)),
        Table2Section(
            gettext_noop("第二十条第（六）项"), (("decisions", gettext_noop("本年处理决定数量")),), (("penalty", gettext_noop("行政处罚")), ("enforcement", gettext_noop("行政强制")))
        ),
        Table2Section(gettext_noop("第二十条第（八）项"), (("fee_amount", gettext_noop("本年收费金额（单位：万元）")),), (("fees", gettext_noop("行政事业性收费")),)),
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


def _number(value) -> int | float:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def build_table2(values: Mapping[tuple[str, str], Decimal], edition: str) -> dict[str, dict[str, int | float]]:
    """{(item, column): value} → {item: {column: number}} over the edition's cells, zero where absent."""
    return {
        item: {col: _number(values.get((item, col), 0)) for col, _c in section.columns}
        for section in TABLE2[edition]
        for item, _l in section.items
    }


@dataclass(frozen=True)
class Table2Node:
    """A unit for the table-二 roll-up: its own entries (empty if none entered) and its children."""

    entries: Mapping[tuple[str, str], Decimal]
    children: tuple[Table2Node, ...] = ()


def roll_up_table2(node: Table2Node) -> dict[tuple[str, str], Decimal]:
    """A unit's table 二 is what was entered for it directly; otherwise the sum of its units' tables."""
    if node.entries:
        return dict(node.entries)
    total: dict[tuple[str, str], Decimal] = {}
    for child in node.children:
        for key, value in roll_up_table2(child).items():
            total[key] = total.get(key, Decimal(0)) + Decimal(value)
    return total


# --- Building tables from count rows --------------------------------------------------------


def empty_table3(edition: str) -> dict[str, list[int]]:
    return {code: [0] * len(COLUMNS) for code in ROW_CODES[edition]}


def _column_index(applicant_type: str) -> int:
    try:
        return APPLICANT_COLUMNS.index(applicant_type)
    except ValueError:
        raise ValueError(_("未知的申请人类型：%(code)s") % {"code": applicant_type}) from None


def build_table3(
    rows: Iterable[Mapping], edition: str, mapping: RowMapping = RowMapping()
) -> dict[str, list[int]]:
    """Plain count rows → table 三 with totals.

    Each row carries `applicant_type` and any of `new`, `carried_in`, `carried_out` (counts), and
    `outcome` with `concluded` (how many of that outcome were concluded in the year)."""
    table = empty_table3(edition)
    for row in rows:
        col = _column_index(row["applicant_type"])
        for key in ("new", "carried_in", "carried_out"):
            table[key][col] += int(row.get(key) or 0)
        concluded = int(row.get("concluded") or 0)
        if concluded:
            table[mapping.row_for(row["outcome"], edition)][col] += concluded
    return complete_table3(table, edition)


def complete_table3(table: dict[str, list[int]], edition: str) -> dict[str, list[int]]:
    """Fill （七）总计 from the outcome rows and each row's 总计 column from the six applicant columns."""
    last = len(COLUMNS) - 1
    table["total"] = [sum(table[code][i] for code in OUTCOME_ROWS[edition]) for i in range(len(COLUMNS))]
    for code in ROW_CODES[edition]:
        table[code][last] = sum(table[code][:last])
    table["total"][last] = sum(table["total"][:last])
    return {code: table[code] for code in ROW_CODES[edition]}


def add_table3(a: Mapping[str, Sequence[int]], b: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
    return {code: [x + y for x, y in zip(a[code], b.get(code, [0] * len(COLUMNS)), strict=True)] for code in a}


def convert_table3(rows: Mapping[str, Sequence[int]], edition: str) -> dict[str, list[int]]:
    """Re-express a table in another edition: （六） is one row in 2019 and three in 2021."""
    table = empty_table3(edition)
    for code, values in rows.items():
        target = _row_in_edition(code, edition)
        if target in table:
            table[target] = [x + y for x, y in zip(table[target], values, strict=True)]
    return table


def empty_table4() -> dict[str, dict[str, int]]:
    return {g: {c: 0 for c in TABLE4_COLUMNS} for g in TABLE4_GROUPS}


def build_table4(rows: Iterable[Mapping]) -> dict[str, dict[str, int]]:
    """Count rows → table 四 with totals. Each row carries the recorded `reconsideration_outcome`,
    `litigation_outcome`, `litigation_after_reconsideration` and how many proceedings of that kind
    count in the year decided (`*_decided`, in the outcome's column) or pending (`*_pending`)."""
    table = empty_table4()
    for row in rows:
        lit_group = "litigation_after_reconsideration" if row.get("litigation_after_reconsideration") else "litigation_direct"
        for prefix, group in (("reconsideration", "reconsideration"), ("litigation", lit_group)):
            decided = int(row.get(f"{prefix}_decided") or 0)
            if decided:
                outcome = row.get(f"{prefix}_outcome")
                if outcome not in ("upheld", "corrected", "other"):
                    raise ValueError(_("未知的复议或诉讼结果：%(code)s") % {"code": outcome})
                table[group][outcome] += decided
            table[group]["pending"] += int(row.get(f"{prefix}_pending") or 0)
    for group in TABLE4_GROUPS:
        table[group]["total"] = sum(table[group][c] for c in TABLE4_RESULT_COLUMNS)
    return table


def add_table4(a, b) -> dict[str, dict[str, int]]:
    return {g: {c: a[g][c] + b.get(g, {}).get(c, 0) for c in TABLE4_COLUMNS} for g in TABLE4_GROUPS}


def percentages(counts: Sequence[int], decimals: int = 2) -> list[Decimal]:
    """Shares in percent that add up to exactly 100 (largest remainder), for the narrative."""
    total = sum(counts)
    if total <= 0:
        return [Decimal(0).quantize(Decimal(1).scaleb(-decimals))] * len(counts)
    unit = Decimal(1).scaleb(-decimals)
    scale = 100 * 10**decimals
    exact = [Decimal(c) * scale / total for c in counts]
    floors = [e.to_integral_value(rounding=ROUND_DOWN) for e in exact]
    short = scale - int(sum(floors))
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:short]:
        floors[i] += 1
    return [(f * unit).quantize(unit) for f in floors]


# --- Checks (annual-report.md, 1–7) ------------------------------------------------------------

ERROR, WARNING = "error", "warning"
CHECK_ROW_TOTAL = "row_total"
CHECK_COLUMN_RECONCILIATION = "column_reconciliation"
CHECK_OUTCOME_TOTAL = "outcome_total"
CHECK_TABLE4_TOTAL = "table4_total"
CHECK_CARRIED_IN = "carried_in_matches_previous"
CHECK_EDITION_ROWS = "edition_rows"
CHECK_OVERDUE = "overdue_requests"
CHECK_SHAPE = "shape"
CHECK_LEVELS = {
    CHECK_SHAPE: ERROR,
    CHECK_ROW_TOTAL: ERROR,
    CHECK_COLUMN_RECONCILIATION: ERROR,
    CHECK_OUTCOME_TOTAL: ERROR,
    CHECK_TABLE4_TOTAL: ERROR,
    CHECK_CARRIED_IN: WARNING,
    CHECK_EDITION_ROWS: ERROR,
    CHECK_OVERDUE: WARNING,
}


def _item(code: str, ok: bool, message: str) -> dict:
    return {"code": code, "level": CHECK_LEVELS[code], "ok": ok, "message": message}


def _row_name(code: str) -> str:
    for edition in EDITIONS:
        if code in ROW_LABELS[edition]:
            return ROW_LABELS[edition][code]
    return code


def check_shape(rows: Mapping, table4: Mapping, edition: str) -> list[dict]:
    """Every table-三 row a list of 7 non-negative integers, every table-四 cell a non-negative integer."""
    problems = []
    for code, values in rows.items():
        if not isinstance(values, list | tuple) or len(values) != len(COLUMNS):
            problems.append(_("表三“%(row)s”应为%(n)s个数字。") % {"row": code, "n": len(COLUMNS)})
        elif any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in values):
            problems.append(_("表三“%(row)s”含有不是非负整数的数值。") % {"row": _row_name(code)})
    for group in TABLE4_GROUPS:
        cells = table4.get(group) if isinstance(table4, Mapping) else None
        if not isinstance(cells, Mapping):
            problems.append(_("表四缺少“%(group)s”。") % {"group": TABLE4_GROUP_LABELS[group]})
            continue
        for col in TABLE4_COLUMNS:
            v = cells.get(col)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                problems.append(
                    _("表四“%(group)s·%(col)s”应为非负整数。")
                    % {"group": TABLE4_GROUP_LABELS[group], "col": TABLE4_COLUMN_LABELS[col]}
                )
    return [_item(CHECK_SHAPE, False, p) for p in problems]


def check_edition_rows(rows: Mapping, edition: str, *, fee_unpaid_outcomes: int = 0) -> list[dict]:
    """Check 6: an edition's rows only (and every one of them); no fee abandonment before 2021."""
    items = []
    expected = frozenset(ROW_CODES[edition])
    for code in rows:
        if code not in expected:
            other = EDITION_2021 if edition == EDITION_2019 else EDITION_2019
            if code in ONLY_IN[other]:
                msg = _("“%(row)s”是%(other)s版格式的行，不能出现在%(edition)s版报告中。")
            else:
                msg = _("“%(row)s”不是%(edition)s版格式的行。")
            items.append(_item(CHECK_EDITION_ROWS, False, msg % {"row": code, "other": other, "edition": edition}))
    for code in ROW_CODES[edition]:
        if code not in rows:
            items.append(
                _item(CHECK_EDITION_ROWS, False, _("缺少%(edition)s版格式的行“%(row)s”。") % {"edition": edition, "row": code})
            )
    if edition == EDITION_2019 and fee_unpaid_outcomes:
        items.append(
            _item(
                CHECK_EDITION_ROWS,
                False,
                _("2019版格式的报告中有%(n)s件“逾期未缴纳信息处理费，视为放弃”：信息处理费自2021年起施行。")
                % {"n": fee_unpaid_outcomes},
            )
        )
    return items


def run_checks(
    rows: Mapping[str, Sequence[int]],
    table4: Mapping[str, Mapping[str, int]],
    edition: str,
    *,
    previous_carried_out: Sequence[int] | None = None,
    previous_source: str = "",
    overdue: Sequence[Mapping] | None = None,
    overdue_count: int | None = None,
    fee_unpaid_outcomes: int = 0,
) -> list[dict]:
    """Every check of annual-report.md; one item per failure, or one passing item per check.

    `overdue` lists requests open past their deadline or replied late ({ref, unit, due_on, kind});
    None means the check does not apply (an imported file has no cases)."""
    items = check_shape(rows, table4, edition) + check_edition_rows(rows, edition, fee_unpaid_outcomes=fee_unpaid_outcomes)
    if any(i["code"] == CHECK_SHAPE for i in items):
        return items
    if not any(i["code"] == CHECK_EDITION_ROWS for i in items):
        items.append(_item(CHECK_EDITION_ROWS, True, _("表三各行均为%(edition)s版格式的行。") % {"edition": edition}))
    present = [c for c in ROW_CODES[edition] if c in rows]
    last = len(COLUMNS) - 1

    # 1. every row: 总计 = the six applicant columns
    failures = [
        _item(
            CHECK_ROW_TOTAL,
            False,
            _("“%(row)s”：总计%(total)s，但六类申请人之和为%(sum)s。")
            % {"row": _row_name(c), "total": rows[c][last], "sum": sum(rows[c][:last])},
        )
        for c in rows
        if rows[c][last] != sum(rows[c][:last])
    ]
    items += failures or [_item(CHECK_ROW_TOTAL, True, _("每一行的总计等于六类申请人之和。"))]

    # 2. every column: 一 + 二 = （七）总计 + 四
    failures = []
    if all(c in rows for c in ("new", "carried_in", "total", "carried_out")):
        for i, col in enumerate(COLUMNS):
            left = rows["new"][i] + rows["carried_in"][i]
            right = rows["total"][i] + rows["carried_out"][i]
            if left != right:
                failures.append(
                    _item(
                        CHECK_COLUMN_RECONCILIATION,
                        False,
                        _("“%(col)s”列：新收%(new)s＋上年结转%(cin)s＝%(left)s，但办理结果总计%(total)s＋结转下年%(cout)s＝%(right)s。")
                        % {
                            "col": COLUMN_LABELS[col], "new": rows["new"][i], "cin": rows["carried_in"][i],
                            "left": left, "total": rows["total"][i], "cout": rows["carried_out"][i], "right": right,
                        },
                    )
                )
    items += failures or [
        _item(CHECK_COLUMN_RECONCILIATION, True, _("每一列：第一项加第二项之和，等于第三项加第四项之和。"))
    ]

    # 3. （七）总计 = the sum of the edition's outcome rows
    failures = []
    if "total" in rows:
        outcome_rows = [c for c in OUTCOME_ROWS[edition] if c in present]
        for i, col in enumerate(COLUMNS):
            s = sum(rows[c][i] for c in outcome_rows)
            if rows["total"][i] != s:
                failures.append(
                    _item(
                        CHECK_OUTCOME_TOTAL,
                        False,
                        _("“%(col)s”列：（七）总计%(total)s，但各项办理结果之和为%(sum)s。")
                        % {"col": COLUMN_LABELS[col], "total": rows["total"][i], "sum": s},
                    )
                )
    items += failures or [_item(CHECK_OUTCOME_TOTAL, True, _("（七）总计等于各项办理结果之和。"))]

    # 4. table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结
    failures = []
    for group in TABLE4_GROUPS:
        cells = table4[group]
        s = sum(cells[c] for c in TABLE4_RESULT_COLUMNS)
        if cells["total"] != s:
            failures.append(
                _item(
                    CHECK_TABLE4_TOTAL,
                    False,
                    _("表四“%(group)s”：总计%(total)s，但结果维持、结果纠正、其他结果、尚未审结之和为%(sum)s。")
                    % {"group": TABLE4_GROUP_LABELS[group], "total": cells["total"], "sum": s},
                )
            )
    items += failures or [_item(CHECK_TABLE4_TOTAL, True, _("表四各组总计等于各结果之和。"))]

    # 5. carried_in = last year's published carried_out (warning)
    if previous_carried_out is None:
        items.append(_item(CHECK_CARRIED_IN, True, _("上年度没有已发布的报告，未比对上年结转。")))
    elif "carried_in" in rows:
        diffs = [
            _("“%(col)s”本年%(now)s、上年%(prev)s")
            % {"col": COLUMN_LABELS[col], "now": rows["carried_in"][i], "prev": previous_carried_out[i]}
            for i, col in enumerate(COLUMNS)
            if rows["carried_in"][i] != previous_carried_out[i]
        ]
        if diffs:
            items.append(
                _item(
                    CHECK_CARRIED_IN,
                    False,
                    _("“上年结转”与上年度%(source)s报告的“结转下年度继续办理”不一致：%(diffs)s。")
                    % {"source": previous_source, "diffs": "；".join(diffs)},
                )
            )
        else:
            items.append(
                _item(CHECK_CARRIED_IN, True, _("“上年结转”与上年度%(source)s报告的“结转下年度继续办理”一致。") % {"source": previous_source})
            )

    # 7. requests open past their deadline or replied late (warning)
    if overdue is not None:
        count = overdue_count if overdue_count is not None else len(overdue)
        if count and overdue:
            listed = "；".join(
                f"{o['unit']} {o['ref']}（{o['kind']}，期限{o['due_on']}）" for o in overdue
            )
            more = _("等") if count > len(overdue) else ""
            items.append(
                _item(CHECK_OVERDUE, False, _("%(n)s件申请逾期未答复或逾期答复：%(list)s%(more)s。") % {"n": count, "list": listed, "more": more})
            )
        elif count:
            items.append(
                _item(CHECK_OVERDUE, False, _("%(n)s件申请逾期未答复或逾期答复，详见逾期清单。") % {"n": count})
            )
        else:
            items.append(_item(CHECK_OVERDUE, True, _("没有逾期未答复或逾期答复的申请。")))
    return items


def has_errors(checks: Iterable[Mapping]) -> bool:
    return any(not c["ok"] and c["level"] == ERROR for c in checks)


# --- The JSON document -------------------------------------------------------------------------


def document(
    *,
    year: int,
    edition: str,
    unit: Mapping[str, str],
    table3: Mapping[str, Sequence[int]],
    table4: Mapping[str, Mapping[str, int]],
    table2: Mapping,
    breakdowns: Mapping,
    checks: Sequence[Mapping],
    table4_rule: str = TABLE4_RULE_DEFAULT,
    extra: Mapping | None = None,
) -> dict:
    """The annual-report.md JSON document; extra keys only extend it (table4_rule, sources)."""
    doc = {
        "year": year,
        "edition": edition,
        "unit": dict(unit),
        "table3": {"columns": list(COLUMNS), "rows": {code: list(table3[code]) for code in ROW_CODES[edition]}},
        "table4": {g: {c: table4[g][c] for c in TABLE4_COLUMNS} for g in TABLE4_GROUPS},
        "table2": dict(table2),
        "breakdowns": dict(breakdowns),
        "checks": list(checks),
        "table4_rule": {"code": table4_rule, "text": table4_rule_text(table4_rule, year)},
    }
    if extra:
        doc.update(extra)
    return doc


def validate_document(doc) -> list[dict]:
    """Shape errors of a submitted document (before its figures can be checked)."""
    problems = []
    if not isinstance(doc, Mapping):
        return [_item(CHECK_SHAPE, False, _("文件内容应为一个JSON对象。"))]
    year = doc.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or year < FIRST_YEAR:
        problems.append(_("“year”应为2019或以后的年度。"))
    if doc.get("edition") not in EDITIONS:
        problems.append(_("“edition”应为“2019”或“2021”。"))
    t3 = doc.get("table3")
    if not isinstance(t3, Mapping) or not isinstance(t3.get("rows"), Mapping):
        problems.append(_("缺少“table3.rows”。"))
    elif t3.get("columns", list(COLUMNS)) != list(COLUMNS):
        problems.append(_("“table3.columns”应为 %(cols)s。") % {"cols": ", ".join(COLUMNS)})
    if not isinstance(doc.get("table4"), Mapping):
        problems.append(_("缺少“table4”。"))
    return [_item(CHECK_SHAPE, False, p) for p in problems]


def check_document(doc, *, previous_carried_out=None, previous_source: str = "") -> list[dict]:
    """Checks 1–6 on a submitted document (check 7 needs the cases, which a file does not carry)."""
    problems = validate_document(doc)
    if problems:
        return problems
    return run_checks(
        doc["table3"]["rows"], doc["table4"], doc["edition"],
        previous_carried_out=previous_carried_out, previous_source=previous_source,
    )


# --- CSV -------------------------------------------------------------------------------------


def csv_rows(doc: Mapping) -> list[list]:
    """The document as CSV lines: table 三 (code, labels, 7 columns), table 四, table 二, checks."""
    edition = doc["edition"]
    out: list[list] = [[TABLE3_TITLE], ["code", TABLE3_HEADER_NOTE, *(COLUMN_LABELS[c] for c in COLUMNS)]]
    for row in TABLE3_LAYOUT[edition]:
        out.append([row.code or "", row.label, *(doc["table3"]["rows"][row.code] if row.code else [])])
    out += [[], [TABLE4_TITLE], ["code", "", *(TABLE4_COLUMN_LABELS[c] for c in TABLE4_COLUMNS)]]
    for group in TABLE4_GROUPS:
        label = TABLE4_GROUP_LABELS[group] if group == "reconsideration" else TABLE4_LITIGATION_LABEL + "·" + TABLE4_GROUP_LABELS[group]
        out.append([group, label, *(doc["table4"][group][c] for c in TABLE4_COLUMNS)])
    if doc.get("table4_rule"):
        out.append(["", doc["table4_rule"]["text"]])
    out += [[], [TABLE2_TITLE]]
    for section in TABLE2[edition]:
        out.append(["", section.title])
        out.append(["code", TABLE2_ITEM_HEADER, *(label for _c, label in section.columns)])
        for item, label in section.items:
            values = doc.get("table2", {}).get(item, {})
            out.append([item, label, *(values.get(col, 0) for col, _l in section.columns)])
    out += [[], ["检查"], ["code", "level", "ok", "message"]]
    for check in doc.get("checks", []):
        out.append([check["code"], check["level"], "yes" if check["ok"] else "no", check["message"]])
    return out
