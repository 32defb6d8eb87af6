"""The JSON document of a compiled report (annual-report.md), its validation, and its CSV rows. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.utils.translation import gettext as _

from .checks import CHECK_SHAPE, check_item, run_checks
from .labels import (
    COLUMN_LABELS,
    COLUMNS,
    EDITIONS,
    FIRST_YEAR,
    ROW_CODES,
    TABLE2,
    TABLE2_ITEM_HEADER,
    TABLE2_TITLE,
    TABLE3_HEADER_NOTE,
    TABLE3_LAYOUT,
    TABLE3_TITLE,
    TABLE4_COLUMN_LABELS,
    TABLE4_COLUMNS,
    TABLE4_GROUP_LABELS,
    TABLE4_GROUPS,
    TABLE4_LITIGATION_LABEL,
    TABLE4_RULE_DEFAULT,
    TABLE4_TITLE,
    table4_rule_text,
)

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
        return [check_item(CHECK_SHAPE, False, _("文件内容应为一个JSON对象。"))]
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
    return [check_item(CHECK_SHAPE, False, p) for p in problems]


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
        label = TABLE4_GROUP_LABELS[group]
        if group != "reconsideration":
            label = TABLE4_LITIGATION_LABEL + "·" + label
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
