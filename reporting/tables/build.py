"""Count rows → the statutory tables (二, 三, 四): building, completing, converting between editions,
adding (the district roll-up), and the narrative's percentages. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from .labels import (
    APPLICANT_COLUMNS,
    COLUMNS,
    OUTCOME_ROWS,
    ROW_CODES,
    TABLE2,
    TABLE4_COLUMNS,
    TABLE4_GROUPS,
    TABLE4_RESULT_COLUMNS,
    RowMapping,
    row_in_edition,
)

DEFAULT_MAPPING = RowMapping()  # the default outcome → row mapping, no deployment overrides


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
    rows: Iterable[Mapping], edition: str, mapping: RowMapping = DEFAULT_MAPPING
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
        target = row_in_edition(code, edition)
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
        after = row.get("litigation_after_reconsideration")
        lit_group = "litigation_after_reconsideration" if after else "litigation_direct"
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
