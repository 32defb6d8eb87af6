"""Compile, check, publish and revise annual reports; roll up a district; import a unit's tables.

compile_report() is the one source of the figures: tables, breakdowns and checks come from the same
queries, so whatever renders them (the narrative included) cannot disagree with the tables.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from disclosure.models import Channel, Unit
from disclosure.periods import Period
from disclosure.spreadsheets import excerpt

from . import queries as q
from . import tables as t
from .errors import ReportError
from .exports import read_report_xlsx
from .models import ImportedReport, PublishedReport, Table2Entry

# --- Deployment settings ---------------------------------------------------------------------------


def table4_rule() -> str:
    rule = getattr(settings, "GONGKAI_TABLE4_RULE", t.TABLE4_RULE_DEFAULT) or t.TABLE4_RULE_DEFAULT
    if rule not in t.TABLE4_RULES:
        raise ImproperlyConfigured(f"GONGKAI_TABLE4_RULE must be one of {t.TABLE4_RULES}, not {rule!r}")
    return rule


def row_mapping() -> t.RowMapping:
    overrides = getattr(settings, "GONGKAI_OUTCOME_ROWS", {}) or {}
    if isinstance(overrides, str):
        overrides = t.parse_row_overrides(overrides)
    try:
        return t.RowMapping(overrides)
    except ValueError as exc:
        raise ImproperlyConfigured(f"GONGKAI_OUTCOME_ROWS: {exc}") from exc


# --- Imported reports in a scope ------------------------------------------------------------------


def _imported_in_scope(unit: Unit, year: int, *, with_previous: bool = False):
    """Imported reports of the unit and its subtree, outermost only (one covers everything below it).
    with_previous: also return the unit's own imported report of the year before (same query)."""
    years = (year, year - 1) if with_previous else (year,)
    reports = sorted(
        ImportedReport.objects.filter(year__in=years, unit__path__startswith=unit.path)
        .select_related("unit")
        .order_by(),
        key=lambda r: r.unit.path,
    )
    outermost: list[ImportedReport] = []
    for report in reports:
        if report.year == year and not any(report.unit.path.startswith(o.unit.path) for o in outermost):
            outermost.append(report)
    if not with_previous:
        return outermost
    previous = next((r for r in reports if r.year == year - 1 and r.unit_id == unit.pk), None)
    return outermost, previous


def _imported_table3(report: ImportedReport, edition: str) -> dict[str, list[int]]:
    return t.convert_table3(report.figures["table3"]["rows"], edition)


_LOOK_UP = object()


def _previous_carried_out(unit: Unit, year: int, imported=_LOOK_UP) -> tuple[list[int] | None, str]:
    """Check 5's reference: last year's published report of this unit, else its imported report
    (`imported`: that report or None when the caller already fetched it)."""
    previous = (
        PublishedReport.objects.filter(unit=unit, year=year - 1, is_superseded=False)
        .only("figures", "revision")
        .order_by()
        .first()
    )
    if previous is not None:
        return previous.figures["table3"]["rows"]["carried_out"], _("已发布的")
    if imported is _LOOK_UP:
        imported = ImportedReport.objects.filter(unit=unit, year=year - 1).only("figures").order_by().first()
    if imported is not None:
        return imported.figures["table3"]["rows"].get("carried_out"), _("导入的")
    return None, ""


# --- Compile -----------------------------------------------------------------------------------------


def _table2(unit: Unit, year: int, edition: str, imported: list[ImportedReport]) -> dict:
    entries = list(
        Table2Entry.objects.filter(unit__path__startswith=unit.path, year=year, edition=edition)
        .order_by()
        .values_list("unit_id", "item", "column", "value")
    )
    own: dict[int, dict[tuple[str, str], Decimal]] = defaultdict(dict)
    for unit_id, item, column, value in entries:
        own[unit_id][(item, column)] = value
    for report in imported:
        for item, cells in (report.figures.get("table2") or {}).items():
            for column, value in (cells or {}).items():
                if (item, column) in t.table2_cells(edition):
                    own[report.unit_id].setdefault((item, column), Decimal(str(value)))
    if not own:
        return t.build_table2({}, edition)
    children: dict[int | None, list[int]] = defaultdict(list)
    for unit_id, parent_id in Unit.objects.filter(path__startswith=unit.path).values_list("id", "parent_id"):
        children[parent_id].append(unit_id)

    def node(unit_id: int) -> t.Table2Node:
        return t.Table2Node(own.get(unit_id, {}), tuple(node(c) for c in children.get(unit_id, ())))

    return t.build_table2(t.roll_up_table2(node(unit.pk)), edition)


def _breakdowns(rows: list[dict], imported: list[ImportedReport]) -> dict:
    by_channel: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    for row in rows:
        if row["new"]:
            by_channel[row["channel"]] += row["new"]
            by_kind[row["unit__kind"]] += row["new"]
    for report in imported:
        b = report.figures.get("breakdowns") or {}
        for key, value in (b.get("by_channel") or {}).items():
            by_channel[key] += int(value)
        for key, value in (b.get("by_unit_kind") or {}).items():
            by_kind[key] += int(value)
    channel_order = [c for c in Channel.values if by_channel.get(c)]
    channel_order += sorted(k for k in by_channel if k not in Channel.values)
    kind_order = [k for k in Unit.Kind.values if by_kind.get(k)]
    kind_order += sorted(k for k in by_kind if k not in Unit.Kind.values)
    return {
        "by_channel": {c: by_channel[c] for c in channel_order},
        "by_unit_kind": {k: by_kind[k] for k in kind_order},
    }


@t.in_statutory_language
def compile_report(
    unit: Unit, year: int, edition: str | None = None, *, rule: str | None = None, mapping: t.RowMapping | None = None,
    list_overdue: int = 0,
) -> dict:
    """Tables 三, 四 and 二 of `unit` and everything below it for report `year`, with the breakdowns of
    the year's new requests and every check — the annual-report.md JSON document.

    Check 7 counts the overdue and late requests in the main query; `list_overdue` > 0 also names
    the first ones by deadline (one more query over the year's rows); overdue_requests() is the list."""
    edition = t.edition_for(year, edition)
    rule = rule or table4_rule()
    mapping = mapping or row_mapping()
    period = Period.of_year(year)
    imported, imported_previous = _imported_in_scope(unit, year, with_previous=True)
    unit_info = {"code": unit.code, "name": unit.name}
    previous, previous_source = _previous_carried_out(unit, year, imported_previous)

    if imported and imported[0].unit_id == unit.pk:
        # The unit's whole report was imported: its figures are the report.
        report = imported[0]
        table3 = _imported_table3(report, edition)
        table4 = report.figures["table4"]
        checks = t.run_checks(table3, table4, edition, previous_carried_out=previous, previous_source=previous_source)
        return t.document(
            year=year, edition=edition, unit=unit_info, table3=table3, table4=table4,
            table2=_table2(unit, year, edition, imported), breakdowns=_breakdowns([], imported), checks=checks,
            table4_rule=rule, extra={"imported_units": [unit.code]},
        )

    scope = q.requests_in(unit, tuple(r.unit.path for r in imported))
    rows = q.year_counts(scope, period)
    table3 = t.build_table3(rows, edition, mapping)
    table4 = t.build_table4(q.table4_counts(scope, period, rule))
    for report in imported:
        table3 = t.add_table3(table3, _imported_table3(report, edition))
        table4 = t.add_table4(table4, report.figures["table4"])
    overdue_count = sum(r["overdue"] for r in rows)
    overdue = q.overdue_list(scope, period, list_overdue) if overdue_count and list_overdue else []
    fee_unpaid = sum(r["concluded"] for r in rows if r["outcome"] == "abandoned_fee_unpaid")
    checks = t.run_checks(
        table3, table4, edition, previous_carried_out=previous, previous_source=previous_source,
        overdue=overdue, overdue_count=overdue_count, fee_unpaid_outcomes=fee_unpaid,
    )
    return t.document(
        year=year, edition=edition, unit=unit_info, table3=table3, table4=table4,
        table2=_table2(unit, year, edition, imported), breakdowns=_breakdowns(rows, imported), checks=checks,
        table4_rule=rule, extra={"imported_units": [r.unit.code for r in imported]},
    )


# --- Drill-down -------------------------------------------------------------------------------------


def _scope_for(unit: Unit, year: int) -> QuerySet:
    return q.requests_in(unit, tuple(r.unit.path for r in _imported_in_scope(unit, year)))


def requests_for_cell(
    unit: Unit, year: int, row_code: str, column_code: str, edition: str | None = None,
    *, mapping: t.RowMapping | None = None,
) -> QuerySet:
    """The requests one table-三 cell counts (the compile's own Q objects)."""
    edition = t.edition_for(year, edition)
    period = Period.of_year(year)
    # q_relevant too: exactly the compile's rows, even for a record concluded before it was received
    row = q.q_row(row_code, period, edition, mapping or row_mapping())
    where = q.q_relevant(period) & row & q.q_column(column_code)
    return _scope_for(unit, year).filter(where)


def overdue_requests(unit: Unit, year: int) -> QuerySet:
    """Check 7's list: open on 31 December past the deadline, or replied late in the year."""
    return _scope_for(unit, year).filter(q.q_overdue_or_late(Period.of_year(year))).order_by("due_on", "pk")


def requests_for_table4_cell(unit: Unit, year: int, group: str, column: str, *, rule: str | None = None) -> QuerySet:
    """The requests one table-四 cell counts."""
    if group not in t.TABLE4_GROUPS or column not in t.TABLE4_COLUMNS:
        raise ValueError(f"no table-四 cell {group}/{column}")
    return _scope_for(unit, year).filter(q.q_table4(group, column, Period.of_year(year), rule or table4_rule()))


# --- Publish and revise --------------------------------------------------------------------------------


def published_report(unit: Unit, year: int) -> PublishedReport | None:
    return PublishedReport.objects.filter(unit=unit, year=year, is_superseded=False).first()


def _compile_for_publishing(unit: Unit, year: int, edition: str | None) -> dict:
    doc = compile_report(unit, year, edition)
    if t.has_errors(doc["checks"]):
        failed = [c["message"] for c in doc["checks"] if not c["ok"] and c["level"] == t.ERROR]
        raise ReportError(
            _("报告未通过检查，不能发布：%(errors)s") % {"errors": "；".join(failed)}, checks=doc["checks"]
        )
    return doc


def publish_report(
    unit: Unit, year: int, *, actor, edition: str | None = None, now: datetime | None = None
) -> PublishedReport:
    """Freeze the figures with who and when; refused while any error check fails or if already published."""
    already = _("%(unit)s %(year)s年度报告已发布；如需更正请修订并说明理由。") % {"unit": unit, "year": year}
    try:
        with transaction.atomic():
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            if published_report(unit, year) is not None:
                raise ReportError(already)
            doc = _compile_for_publishing(unit, year, edition)
            return PublishedReport.objects.create(
                unit=unit, year=year, edition=doc["edition"], figures=doc, revision=0,
                published_by=actor, published_at=now or timezone.now(),
            )
    except IntegrityError as exc:  # a concurrent publish won the race (the partial unique constraint)
        raise ReportError(already) from exc


def revise_report(
    unit: Unit, year: int, *, actor, reason: str, edition: str | None = None, now: datetime | None = None
) -> PublishedReport:
    """修订: publish the live figures again with a reason; the previous version is kept, superseded."""
    reason = (reason or "").strip()
    if not reason:
        raise ReportError(_("修订年度报告须填写修订理由。"))
    try:
        with transaction.atomic():
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            current = published_report(unit, year)
            if current is None:
                raise ReportError(_("%(unit)s %(year)s年度报告尚未发布，无需修订。") % {"unit": unit, "year": year})
            doc = _compile_for_publishing(unit, year, edition or current.edition)
            PublishedReport.objects.filter(pk=current.pk).update(is_superseded=True)
            return PublishedReport.objects.create(
                unit=unit, year=year, edition=doc["edition"], figures=doc, revision=current.revision + 1,
                reason=reason, published_by=actor, published_at=now or timezone.now(),
            )
    except IntegrityError as exc:  # a concurrent revision took the same number
        raise ReportError(_("该报告刚被他人修订，请刷新后重试。")) from exc


def differences(frozen: dict, live: dict) -> list[dict]:
    """Cells of tables 三 and 四 whose live figure differs from the frozen one."""
    diffs = []
    for code, values in frozen["table3"]["rows"].items():
        live_values = live["table3"]["rows"].get(code, [0] * len(t.COLUMNS))
        for i, col in enumerate(t.COLUMNS):
            if values[i] != live_values[i]:
                diffs.append(
                    {"table": "table3", "row": code, "column": col, "frozen": values[i], "live": live_values[i]}
                )
    for group in t.TABLE4_GROUPS:
        for col in t.TABLE4_COLUMNS:
            a, b = frozen["table4"][group][col], live["table4"][group][col]
            if a != b:
                diffs.append({"table": "table4", "row": group, "column": col, "frozen": a, "live": b})
    return diffs


# --- Roll-up overview ---------------------------------------------------------------------------------


def overview(unit: Unit, year: int, edition: str | None = None) -> list[dict]:
    """Each child unit (and the unit's own cases, first): figures, check results, published or not.
    A constant number of queries: the counts are grouped by the handling unit's path."""
    edition = t.edition_for(year, edition)
    rule, mapping, period = table4_rule(), row_mapping(), Period.of_year(year)
    children = list(unit.children.order_by("path"))
    imported = _imported_in_scope(unit, year)
    scope = q.requests_in(unit, tuple(r.unit.path for r in imported))

    def bucket(path: str) -> str:
        for child in children:
            if path.startswith(child.path):
                return child.path
        return unit.path

    rows3: dict[str, list[dict]] = defaultdict(list)
    for row in q.year_counts(scope, period, by=("unit__path", "applicant_type", "outcome")):
        rows3[bucket(row["unit__path"])].append(row)
    rows4: dict[str, list[dict]] = defaultdict(list)
    for row in q.table4_counts(scope, period, rule, by=("unit__path",)):
        rows4[bucket(row["unit__path"])].append(row)
    published = {
        p.unit_id: p
        for p in PublishedReport.objects.filter(
            unit__in=[unit, *children], year=year, is_superseded=False
        ).select_related("published_by")
    }
    previous = {
        p.unit_id: p.figures["table3"]["rows"]["carried_out"]
        for p in PublishedReport.objects.filter(unit__in=[unit, *children], year=year - 1, is_superseded=False)
    }
    result = []
    for member in [unit, *children]:
        is_self = member.pk == unit.pk
        rows = rows3.get(member.path, [])
        table3 = t.build_table3(rows, edition, mapping)
        table4 = t.build_table4(rows4.get(member.path, []))
        imported_here = [r for r in imported if bucket(r.unit.path) == member.path]
        for report in imported_here:
            table3 = t.add_table3(table3, _imported_table3(report, edition))
            table4 = t.add_table4(table4, report.figures["table4"])
        checks = t.run_checks(
            table3, table4, edition,
            previous_carried_out=None if is_self else previous.get(member.pk), previous_source=_("已发布的"),
            overdue=[], overdue_count=sum(r["overdue"] for r in rows),
        )
        pub = published.get(member.pk)
        result.append(
            {
                "unit": {"code": member.code, "name": member.name, "kind": member.kind},
                "is_self": is_self,
                "table3": table3,
                "table4": table4,
                "checks": checks,
                "has_errors": t.has_errors(checks),
                "imported": [r.unit.code for r in imported_here],
                "published": None
                if pub is None
                else {
                    "revision": pub.revision, "published_at": pub.published_at,
                    "published_by": str(pub.published_by or ""),
                },
            }
        )
    return result


# --- Imported reports and submitted files ---------------------------------------------------------------


REPORT_FILE_MAX_BYTES = 5 * 1024 * 1024  # a statutory report is tens of kilobytes


def load_report_file(path_or_file, name: str | None = None) -> dict:
    """A submitted report: JSON in the annual-report.md shape, or XLSX in the statutory layout (read
    by reporting.exports.read_report_xlsx). At most REPORT_FILE_MAX_BYTES."""
    name = name or getattr(path_or_file, "name", None) or str(path_or_file)
    suffix = Path(name).suffix.lower()
    if isinstance(path_or_file, str | Path):  # OSError (no such file) is the caller's to report
        path = Path(path_or_file)
        data = path.read_bytes() if path.stat().st_size <= REPORT_FILE_MAX_BYTES else None
    else:
        data = path_or_file.read(REPORT_FILE_MAX_BYTES + 1)
        data = data.encode("utf-8") if isinstance(data, str) else data
    if data is None or len(data) > REPORT_FILE_MAX_BYTES:
        raise ReportError(_("报告文件超过%(limit)d MB，不予读取。") % {"limit": REPORT_FILE_MAX_BYTES // 2**20})
    path_or_file = io.BytesIO(data)
    if suffix == ".xlsx":
        try:
            return read_report_xlsx(path_or_file)
        except ReportError:
            raise
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the submitter's file error
            raise ReportError(_("无法读取XLSX文件：%(error)s") % {"error": excerpt(exc, 80)}) from exc
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(_("文件不是有效的JSON：%(error)s") % {"error": excerpt(exc, 80)}) from exc
    except RecursionError:  # "[[[[…" nested deeper than the parser goes
        raise ReportError(_("文件不是有效的JSON：%(error)s") % {"error": "nesting too deep"}) from None


def check_submitted(doc) -> list[dict]:
    """Checks 1–6 of a submitted report; check 5 against the unit's published report when the file
    names a unit and year this installation knows."""
    previous, source = None, ""
    if isinstance(doc, dict) and isinstance(doc.get("unit"), dict) and isinstance(doc.get("year"), int):
        unit = Unit.objects.filter(code=doc["unit"].get("code")).first()
        if unit is not None:
            previous, source = _previous_carried_out(unit, doc["year"])
    return t.check_document(doc, previous_carried_out=previous, previous_source=source)


def import_report(unit: Unit, doc: dict, *, actor, source=None) -> ImportedReport:
    """Store a unit's submitted tables (replacing an earlier import of the same year). Shape errors
    refuse the import; figure errors are stored with it and show wherever it is rolled up."""
    checks = t.validate_document(doc)
    if checks:
        raise ReportError("；".join(c["message"] for c in checks), checks=checks)
    code = (doc.get("unit") or {}).get("code")
    if code and code != unit.code:
        raise ReportError(
            _("文件中的单位编码“%(code)s”与所选单位“%(unit)s”不一致。") % {"code": code, "unit": unit.code}
        )
    if t.check_shape(doc["table3"]["rows"], doc["table4"], doc["edition"]):
        checks = t.check_shape(doc["table3"]["rows"], doc["table4"], doc["edition"])
        raise ReportError("；".join(c["message"] for c in checks), checks=checks)
    for item, cells in (doc.get("table2") or {}).items():
        for column, value in (cells or {}).items() if isinstance(cells, dict) else [(None, None)]:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ReportError(_("表二“%(item)s”的“%(column)s”应为数字。") % {"item": item, "column": column})
    previous, previous_source = _previous_carried_out(unit, doc["year"])
    checks = t.check_document(doc, previous_carried_out=previous, previous_source=previous_source)
    with transaction.atomic():
        report, _created = ImportedReport.objects.update_or_create(
            unit=unit, year=doc["year"],
            defaults={"edition": doc["edition"], "figures": doc, "checks": checks, "imported_by": actor},
        )
        if source is not None:
            report.source.save(Path(source.name).name, source, save=True)
    return report
