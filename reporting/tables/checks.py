"""The checks of a compiled report (annual-report.md, checks 1–7, and the document's shape). Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.utils.translation import gettext as _

from .labels import (
    COLUMN_LABELS,
    COLUMNS,
    EDITION_2019,
    EDITION_2021,
    EDITIONS,
    ONLY_IN,
    OUTCOME_ROWS,
    ROW_CODES,
    ROW_LABELS,
    TABLE4_COLUMN_LABELS,
    TABLE4_COLUMNS,
    TABLE4_GROUP_LABELS,
    TABLE4_GROUPS,
    TABLE4_RESULT_COLUMNS,
)

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


def check_item(code: str, ok: bool, message: str) -> dict:
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
    return [check_item(CHECK_SHAPE, False, p) for p in problems]


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
            items.append(check_item(CHECK_EDITION_ROWS, False, msg % {"row": code, "other": other, "edition": edition}))
    for code in ROW_CODES[edition]:
        if code not in rows:
            items.append(
                check_item(
                    CHECK_EDITION_ROWS, False,
                    _("缺少%(edition)s版格式的行“%(row)s”。") % {"edition": edition, "row": code},
                )
            )
    if edition == EDITION_2019 and fee_unpaid_outcomes:
        items.append(
            check_item(
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
    items = check_shape(rows, table4, edition)
    items += check_edition_rows(rows, edition, fee_unpaid_outcomes=fee_unpaid_outcomes)
    if any(i["code"] == CHECK_SHAPE for i in items):
        return items
    if not any(i["code"] == CHECK_EDITION_ROWS for i in items):
        items.append(
            check_item(CHECK_EDITION_ROWS, True, _("表三各行均为%(edition)s版格式的行。") % {"edition": edition})
        )
    present = [c for c in ROW_CODES[edition] if c in rows]
    last = len(COLUMNS) - 1

    # 1. every row: 总计 = the six applicant columns
    failures = [
        check_item(
            CHECK_ROW_TOTAL,
            False,
            _("“%(row)s”：总计%(total)s，但六类申请人之和为%(sum)s。")
            % {"row": _row_name(c), "total": rows[c][last], "sum": sum(rows[c][:last])},
        )
        for c in rows
        if rows[c][last] != sum(rows[c][:last])
    ]
    items += failures or [check_item(CHECK_ROW_TOTAL, True, _("每一行的总计等于六类申请人之和。"))]

    # 2. every column: 一 + 二 = （七）总计 + 四
    failures = []
    if all(c in rows for c in ("new", "carried_in", "total", "carried_out")):
        for i, col in enumerate(COLUMNS):
            left = rows["new"][i] + rows["carried_in"][i]
            right = rows["total"][i] + rows["carried_out"][i]
            if left != right:
                failures.append(
                    check_item(
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
        check_item(CHECK_COLUMN_RECONCILIATION, True, _("每一列：第一项加第二项之和，等于第三项加第四项之和。"))
    ]

    # 3. （七）总计 = the sum of the edition's outcome rows
    failures = []
    if "total" in rows:
        outcome_rows = [c for c in OUTCOME_ROWS[edition] if c in present]
        for i, col in enumerate(COLUMNS):
            s = sum(rows[c][i] for c in outcome_rows)
            if rows["total"][i] != s:
                failures.append(
                    check_item(
                        CHECK_OUTCOME_TOTAL,
                        False,
                        _("“%(col)s”列：（七）总计%(total)s，但各项办理结果之和为%(sum)s。")
                        % {"col": COLUMN_LABELS[col], "total": rows["total"][i], "sum": s},
                    )
                )
    items += failures or [check_item(CHECK_OUTCOME_TOTAL, True, _("（七）总计等于各项办理结果之和。"))]

    # 4. table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结
    failures = []
    for group in TABLE4_GROUPS:
        cells = table4[group]
        s = sum(cells[c] for c in TABLE4_RESULT_COLUMNS)
        if cells["total"] != s:
            failures.append(
                check_item(
                    CHECK_TABLE4_TOTAL,
                    False,
                    _("表四“%(group)s”：总计%(total)s，但结果维持、结果纠正、其他结果、尚未审结之和为%(sum)s。")
                    % {"group": TABLE4_GROUP_LABELS[group], "total": cells["total"], "sum": s},
                )
            )
    items += failures or [check_item(CHECK_TABLE4_TOTAL, True, _("表四各组总计等于各结果之和。"))]

    # 5. carried_in = last year's published carried_out (warning)
    if previous_carried_out is None:
        items.append(check_item(CHECK_CARRIED_IN, True, _("上年度没有已发布的报告，未比对上年结转。")))
    elif "carried_in" in rows:
        diffs = [
            _("“%(col)s”本年%(now)s、上年%(prev)s")
            % {"col": COLUMN_LABELS[col], "now": rows["carried_in"][i], "prev": previous_carried_out[i]}
            for i, col in enumerate(COLUMNS)
            if rows["carried_in"][i] != previous_carried_out[i]
        ]
        if diffs:
            items.append(
                check_item(
                    CHECK_CARRIED_IN,
                    False,
                    _("“上年结转”与上年度%(source)s报告的“结转下年度继续办理”不一致：%(diffs)s。")
                    % {"source": previous_source, "diffs": "；".join(diffs)},
                )
            )
        else:
            items.append(
                check_item(
                    CHECK_CARRIED_IN, True,
                    _("“上年结转”与上年度%(source)s报告的“结转下年度继续办理”一致。") % {"source": previous_source},
                )
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
                check_item(
                    CHECK_OVERDUE, False,
                    _("%(n)s件申请逾期未答复或逾期答复：%(list)s%(more)s。")
                    % {"n": count, "list": listed, "more": more},
                )
            )
        elif count:
            items.append(
                check_item(CHECK_OVERDUE, False, _("%(n)s件申请逾期未答复或逾期答复，详见逾期清单。") % {"n": count})
            )
        else:
            items.append(check_item(CHECK_OVERDUE, True, _("没有逾期未答复或逾期答复的申请。")))
    return items


def has_errors(checks: Iterable[Mapping]) -> bool:
    return any(not c["ok"] and c["level"] == ERROR for c in checks)
