"""The ledger (依申请公开台账, ledger.md): import and export of requests, and the units and staff files.

Every import is all-or-nothing: the whole file is read and checked first, each bad cell is reported
as `row N, column X: reason` (N is the spreadsheet row, the header is row 1; X is the column as the
file names it), and only a file without errors is written — in one transaction, with bulk writes and
a constant number of queries, so a 10,000-row ledger takes seconds. The management commands only
parse arguments and print; the admin and the API call the same functions.

A ledger records history, so an imported request gets its state from its dates
(workflow.status_for_history) and its deadlines from deadlines.compute_deadline on one calendar,
and one `import` event; it does not replay the workflow's arrows one by one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import deadlines as dl
from .access import mask_id_number
from .idnumbers import InvalidIdNumber, check_id_number, is_person
from .models import (
    ApplicantType,
    Channel,
    Consultation,
    DisclosureRequest,
    FeeNotice,
    ProceedingOutcome,
    RequestEvent,
    StaffRole,
    Unit,
)
from .services import deadline_fields, format_reference
from .workcalendar import load_work_calendar
from .workflow import CONCLUDED_STATUSES, OUTCOME_ALIASES, Action, Outcome, Status, status_for_history

# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


class LedgerInvalid(Exception):
    """The file has errors; nothing was written. `errors` lists every bad cell, in row order."""

    def __init__(self, errors: list[RowError]):
        self.errors = sorted(errors, key=lambda e: e.row)  # stable: columns stay in file order
        super().__init__("\n".join(str(e) for e in self.errors))


class LedgerFileError(ValueError):
    """The file cannot be read at all (not CSV/XLSX, empty, wrong encoding)."""


# --- reading CSV and XLSX ----------------------------------------------------------------------


@dataclass
class Sheet:
    header: list
    rows: list[tuple[int, list]]  # (spreadsheet row number, cells); blank rows left out


class ImpreciseNumber(str):
    """A number cell too long for a spreadsheet's floating point (an 18-digit ID number typed as a
    number): its last digits are already lost, so it must not be stored as if it were exact."""


def _cell(value):
    """XLSX cell → str or date (real date cells are accepted as dates)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
        return ImpreciseNumber(text) if abs(value) >= 2**53 else text
    return str(value).strip()


def read_sheet(source) -> Sheet:
    """A CSV (UTF-8 with or without BOM) or XLSX file, from a path, bytes or a binary file."""
    if isinstance(source, bytes):
        data = source
    elif hasattr(source, "read"):
        data = source.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise LedgerFileError(_("无法读取文件“%(path)s”：%(error)s") % {"path": source, "error": exc.strerror}) from exc
    if data[:4] == b"PK\x03\x04":
        rows = _xlsx_rows(data)
    elif data[:4] == b"\xd0\xcf\x11\xe0":
        raise LedgerFileError(_("不支持旧版 .xls 文件，请另存为 .xlsx 或 UTF-8 编码的 CSV。"))
    else:
        rows = _csv_rows(data)
    numbered = [(n, cells) for n, cells in enumerate(rows, start=1)]
    if not numbered or not any(str(c).strip() for c in numbered[0][1]):
        raise LedgerFileError(_("文件为空，或第1行不是表头。"))
    body = [(n, cells) for n, cells in numbered[1:] if any(c != "" for c in cells)]
    return Sheet(header=numbered[0][1], rows=body)


def _csv_rows(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel in a Chinese locale saves CSV as GBK; accept it rather than refuse
            text = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise LedgerFileError(_("文件不是 UTF-8 编码的 CSV，也不是 XLSX。")) from exc
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:  # NUL bytes, a field longer than the csv module allows
        raise LedgerFileError(_("无法读取 CSV 文件：%(error)s") % {"error": exc}) from exc


def _xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    try:
        return [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    except Exception as exc:  # a damaged sheet inside a readable archive
        raise LedgerFileError(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}) from exc
    finally:
        book.close()


# --- headers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool = False
    also: tuple[str, ...] = ()


def _norm_header(text) -> str:
    return re.sub(r"\s+", "", str(text or "")).lstrip("\ufeff").strip("*＊").lower()


# Columns some offices keep that carry no ledger data (row numbers).
IGNORED_HEADERS = frozenset({"序号", "no", "no.", "#"})


@dataclass
class Header:
    index: dict[str, int]
    names: dict[str, str]
    chinese: bool

    def name(self, column: Column) -> str:
        """The column as the file names it (or would, in the file's language, when it is absent)."""
        return self.names.get(column.key) or (column.zh if self.chinese else column.key)


def map_header(cells: list, columns: Iterable[Column], ignored: Iterable[Column] = ()) -> tuple[Header, list[RowError]]:
    columns = list(columns)
    lookup = {_norm_header(a): c for c in columns for a in (c.key, c.zh, *c.also)}
    skip = {_norm_header(a) for c in ignored for a in (c.key, c.zh, *c.also)} | IGNORED_HEADERS
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    errors: list[RowError] = []
    chinese = english = 0
    for position, raw in enumerate(cells):
        text = str(raw or "").strip().lstrip("\ufeff")
        norm = _norm_header(text)
        if not norm or norm in skip:
            continue
        column = lookup.get(norm)
        if column is None:
            errors.append(RowError(1, text, _("未知的列名；请使用台账格式规定的英文键或中文表头。")))
            continue
        if column.key in index:
            errors.append(
                RowError(1, text, _("与第%(n)d列“%(other)s”重复。") % {"n": index[column.key] + 1, "other": names[column.key]})
            )
            continue
        index[column.key], names[column.key] = position, text
        if re.search(r"[\u4e00-\u9fff]", text):
            chinese += 1
        else:
            english += 1
    header = Header(index=index, names=names, chinese=chinese > english)
    for column in columns:
        if column.required and column.key not in index:
            errors.append(
                RowError(1, header.name(column), _("缺少必填列“%(zh)s”（%(key)s）。") % {"zh": column.zh, "key": column.key})
            )
    return header, errors


def _label(header: Header, column: Column) -> str:
    """How a reason names another column: 收到补正日期 or 收到补正日期（correction_received_on）."""
    name = header.name(column)
    return column.zh if name == column.zh else f"{column.zh}（{name}）"


def _cells_by_key(cells: list, header: Header) -> dict:
    return {key: (cells[pos] if pos < len(cells) else "") for key, pos in header.index.items()}


# --- values --------------------------------------------------------------------------------------

DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]0{1,2}:00(?::00)?)?$")


def parse_date(value) -> date:
    day = None
    if isinstance(value, date):
        day = value
    elif match := DATE_RE.match(str(value).strip()):
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    if day is None:
        raise ValueError(_("“%(value)s”不是有效的日期，应为 YYYY-MM-DD。") % {"value": value})
    if not 1950 <= day.year <= 2100:  # a typo, and working-day walks must stay inside date's range
        raise ValueError(_("“%(value)s”的年份不合理，应为 YYYY-MM-DD。") % {"value": day.isoformat()})
    return day


def _norm_value(text) -> str:
    text = re.sub(r"\s+", "", str(text)).lower().replace("(", "（").replace(")", "）")
    return re.sub("[\"'“”‘’]", "", text)


def _choice_lookup(choices, extra: dict[str, str] | None = None) -> dict[str, str]:
    """code and Chinese label (and the English label) → code."""
    lookup = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for value, label in choices:
                lookup[_norm_value(label)] = value
    for value, _label in choices:
        lookup[_norm_value(value)] = value
    for alias, value in (extra or {}).items():
        lookup[_norm_value(alias)] = value
    return lookup


_LOOKUPS: dict[str, dict[str, str]] = {}


def _lookups() -> dict[str, dict[str, str]]:
    if not _LOOKUPS:
        proceeding = _choice_lookup(
            ProceedingOutcome.choices,
            {"结果维持": "upheld", "结果纠正": "corrected", "其他结果": "other", "pending": "", "尚未审结": ""},
        )
        _LOOKUPS.update(
            channel=_choice_lookup(
                Channel.choices,
                {"当面提交": "in_person", "现场": "in_person", "信件": "letter", "邮寄": "letter",
                 "网上": "online", "网上申请": "online", "互联网": "online", "电子邮箱": "email", "邮件": "email"},
            ),
            applicant_type=_choice_lookup(
                ApplicantType.choices, {"个人": "natural_person", "公民": "natural_person", "企业": "commercial"}
            ),
            result=_choice_lookup(
                Outcome.choices,
                {
                    **OUTCOME_ALIASES,
                    "已主动公开": "already_public",
                    "部分公开": "partial",
                    "经检索没有": "unavailable.not_held",
                    "撤回": "withdrawn",
                    "其他": "other",
                    "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请": "abandoned_no_correction",
                    "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请": "abandoned_fee_unpaid",
                },
            ),
            reconsideration_outcome=proceeding,
            litigation_outcome=proceeding,
            yes_no={"yes": True, "y": True, "true": True, "1": True, "是": True,
                    "no": False, "n": False, "false": False, "0": False, "否": False},
        )
    return _LOOKUPS


def _strip_numbering(text: str) -> str:
    """Table 三 labels carry numbering: （六）其他处理, 1.属于国家秘密."""
    return re.sub(r"^(（[一二三四五六七]）|\d+[.．、])", "", text)


CHOICE_NAMES = {
    "channel": "申请方式", "applicant_type": "申请人类型", "result": "办理结果",
    "reconsideration_outcome": "复议结果", "litigation_outcome": "诉讼结果",
}


def _parse_choice(kind: str, value) -> str:
    lookup = _lookups()[kind]
    norm = _norm_value(value)
    for candidate in (norm, _strip_numbering(norm)):
        if candidate in lookup:
            return lookup[candidate]
    raise ValueError(
        _("“%(value)s”不是有效的%(what)s（应为代码或中文名称）。") % {"value": value, "what": _(CHOICE_NAMES[kind])}
    )


def _text(max_length: int | None):
    def parse(value) -> str:
        if isinstance(value, ImpreciseNumber):
            raise ValueError(_("该单元格是超过15位的数字，末几位已失去精度；请把这一列设为文本格式后重新输入。"))
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if max_length and len(text) > max_length:
            raise ValueError(_("不能超过%(n)d个字符（现有%(len)d个）。") % {"n": max_length, "len": len(text)})
        return text

    return parse


def _extension_days(value):
    text = str(value).strip()
    if not re.fullmatch(r"\d+", text):
        raise ValueError(_("“%(value)s”不是整数；延长工作日数应为1至20。") % {"value": value})
    days = int(text)
    if days > dl.MAX_EXTENSION_DAYS:
        raise ValueError(_("延长工作日数为%(n)d，超过条例第三十三条规定的20个工作日。") % {"n": days})
    return days or None


def _yes_no(value):
    result = _lookups()["yes_no"].get(_norm_value(value))
    if result is None:
        raise ValueError(_("“%(value)s”应为 yes/no（是/否）。") % {"value": value})
    return result


# --- the ledger columns (ledger.md, in this order) ----------------------------------------------

LEDGER_COLUMNS = (
    Column("ref", "申请编号", True),
    Column("unit", "受理单位编码", True),
    Column("channel", "申请方式", True),
    Column("submitted_on", "提交日期", True),
    Column("received_on", "收到申请日期", True),
    Column("applicant_type", "申请人类型", True),
    Column("applicant_name", "申请人", True),
    Column("applicant_id_number", "证件号码"),
    Column("applicant_contact", "联系方式"),
    Column("content", "申请内容", True),
    Column("correction_requested_on", "补正告知日期"),
    Column("correction_received_on", "收到补正日期"),
    Column("consultation_sent_on", "征求意见日期"),
    Column("consultation_replied_on", "征求意见答复日期"),
    Column("fee_notice_on", "收费通知日期"),
    Column("fee_paid_on", "缴费日期"),
    Column("extension_days", "延长工作日数"),
    Column("concluded_on", "办结日期", also=("答复日期",)),
    Column("result", "办理结果"),
    Column("reconsideration_filed_on", "申请复议日期"),
    Column("reconsideration_outcome", "复议结果"),
    Column("reconsideration_decided_on", "复议决定日期"),
    Column("litigation_filed_on", "起诉日期"),
    Column("litigation_after_reconsideration", "是否复议后起诉"),
    Column("litigation_outcome", "诉讼结果"),
    Column("litigation_decided_on", "判决日期"),
)
COMPUTED_COLUMNS = (
    Column("status", "状态"),
    Column("due_on", "答复期限"),
    Column("due_is_provisional", "期限为暂定"),
    Column("working_days_used", "已用工作日"),
    Column("overdue", "是否逾期"),
)
LEDGER_KEYS = tuple(c.key for c in LEDGER_COLUMNS)
COLUMN = {c.key: c for c in LEDGER_COLUMNS}
DATE_KEYS = tuple(k for k in LEDGER_KEYS if k.endswith("_on"))
# DisclosureRequest fields written straight from a ledger column (ledger key → model field).
MODEL_FIELDS = {
    k: ("outcome" if k == "result" else k)
    for k in LEDGER_KEYS
    if k not in ("unit", "consultation_sent_on", "consultation_replied_on", "fee_notice_on", "fee_paid_on")
}
HANDLING_DATES = (
    "correction_requested_on", "correction_received_on", "consultation_sent_on",
    "consultation_replied_on", "fee_notice_on", "fee_paid_on",
)
PROCEEDING_DATES = ("reconsideration_filed_on", "reconsideration_decided_on", "litigation_filed_on", "litigation_decided_on")
# (earlier, later): the later needs the earlier and may not precede it.
DATE_PAIRS = (
    ("correction_requested_on", "correction_received_on"),
    ("consultation_sent_on", "consultation_replied_on"),
    ("fee_notice_on", "fee_paid_on"),
    ("reconsideration_filed_on", "reconsideration_decided_on"),
    ("litigation_filed_on", "litigation_decided_on"),
)


def _parsers() -> dict[str, Callable]:
    parsers: dict[str, Callable] = {k: parse_date for k in DATE_KEYS}
    parsers.update(
        ref=_text(100), applicant_name=_text(200), applicant_id_number=_text(64), applicant_contact=_text(300),
        content=_text(None),
        **{kind: (lambda v, kind=kind: _parse_choice(kind, v)) for kind in CHOICE_NAMES},
        litigation_after_reconsideration=_yes_no,
        extension_days=_extension_days,
    )
    return parsers


def _empty(key: str):
    if key in DATE_KEYS or key in ("extension_days", "litigation_after_reconsideration"):
        return None
    return ""


def check_consistency(v: dict, name: Callable[[str], str]) -> list[tuple[str, str]]:
    """ledger.md "Rows must be consistent": (column key, reason) for each rule a complete row breaks."""
    errors: list[tuple[str, str]] = []
    received, concluded = v["received_on"], v["concluded_on"]

    def add(key, message, **params):
        params = {k: (name(p) if k.startswith("col") else p) for k, p in params.items()}
        errors.append((key, message % {"this": name(key), **params}))

    if v["submitted_on"] and received and v["submitted_on"] > received:
        add("submitted_on", _("%(this)s（%(d)s）晚于%(col)s（%(r)s）。"), d=v["submitted_on"], col="received_on", r=received)
    for key in DATE_KEYS:
        if key not in ("submitted_on", "received_on") and v[key] and received and v[key] < received:
            add(key, _("%(this)s（%(d)s）早于%(col)s（%(r)s）。"), d=v[key], col="received_on", r=received)
    for earlier, later in DATE_PAIRS:
        if v[later] and not v[earlier]:
            add(earlier, _("填写了%(col)s，%(this)s不能为空。"), col=later)
        elif v[later] and v[later] < v[earlier]:
            add(later, _("%(this)s（%(d)s）早于%(col)s（%(e)s）。"), d=v[later], col=earlier, e=v[earlier])
    for outcome_key, filed in (("reconsideration_outcome", "reconsideration_filed_on"), ("litigation_outcome", "litigation_filed_on")):
        if v[outcome_key] and not v[filed]:
            add(filed, _("填写了%(col)s，%(this)s不能为空。"), col=outcome_key)
    if v["litigation_after_reconsideration"] is not None and not v["litigation_filed_on"]:
        add("litigation_filed_on", _("填写了%(col)s，%(this)s不能为空。"), col="litigation_after_reconsideration")
    if concluded and not v["result"]:
        add("result", _("填写了%(col)s，%(this)s不能为空。"), col="concluded_on")
    if v["result"] and not concluded:
        add("concluded_on", _("填写了%(col)s，%(this)s不能为空。"), col="result")
    if concluded:
        for key in HANDLING_DATES:
            if v[key] and v[key] > concluded:
                add(key, _("%(this)s（%(d)s）晚于%(col)s（%(c)s）。"), d=v[key], col="concluded_on", c=concluded)
        for key in PROCEEDING_DATES:
            if v[key] and v[key] < concluded:
                add(key, _("%(this)s（%(d)s）早于%(col)s（%(c)s）。"), d=v[key], col="concluded_on", c=concluded)
    needs = {
        Outcome.ABANDONED_NO_CORRECTION: ("correction_requested_on",),
        Outcome.UNAVAILABLE_UNCLEAR: ("correction_requested_on", "correction_received_on"),
        Outcome.ABANDONED_FEE_UNPAID: ("fee_notice_on",),
    }
    for key in needs.get(v["result"], ()):
        if not v[key]:
            add(key, _("%(col)s为“%(label)s”时，%(this)s不能为空。"), col="result", label=Outcome(v["result"]).label)
    order = {k: i for i, k in enumerate(LEDGER_KEYS)}
    seen: set[tuple[str, str]] = set()
    unique = [e for e in errors if not (e in seen or seen.add(e))]
    return sorted(unique, key=lambda e: order[e[0]])


# --- the ledger view of a stored request ---------------------------------------------------------


def ledger_values(req: DisclosureRequest, consultations: list, fees: list, unit_code: str) -> dict:
    """What the ledger shows of a request: the first consultation and the first fee notice."""
    first_c = consultations[0] if consultations else None
    first_f = fees[0] if fees else None
    values = {k: getattr(req, f) for k, f in MODEL_FIELDS.items()}
    values.update(
        # an open request's outcome is a draft awaiting legal review or sign-off, not a result
        result=req.outcome if req.concluded_on else "",
        unit=unit_code,
        extension_days=req.extension_days or None,
        consultation_sent_on=first_c.sent_on if first_c else None,
        consultation_replied_on=first_c.replied_on if first_c else None,
        fee_notice_on=first_f.notice_on if first_f else None,
        fee_paid_on=first_f.paid_on if first_f else None,
    )
    return values


def _case_dates(req: DisclosureRequest, consultations: list, fees: list) -> dl.CaseDates:
    """As services.case_dates, from records in memory (no query per row)."""
    pauses = [dl.Interval(sent_on=c.sent_on, answered_on=c.replied_on) for c in consultations]
    if settings.GONGKAI_FEE_PAUSES_CLOCK:
        pauses += [dl.Interval(sent_on=f.notice_on, answered_on=f.paid_on, max_days=None) for f in fees]
    return dl.CaseDates(
        received_on=req.received_on,
        correction_requested_on=req.correction_requested_on,
        correction_received_on=req.correction_received_on,
        pauses=tuple(pauses),
        extension_days=req.extension_days,
        concluded_on=req.concluded_on,
    )


# States the ledger cannot tell apart from `handling` (or `archived` from a conclusion): kept.
FINER_OPEN = frozenset({Status.REGISTERED, Status.REVIEWING, Status.LEGAL_REVIEW, Status.SIGN_OFF})


def _history_status(req: DisclosureRequest, consultations: list, old: str | None) -> str:
    new = status_for_history(
        concluded=req.concluded_on is not None,
        outcome=req.outcome,
        waiting_correction=bool(req.correction_requested_on and not req.correction_received_on),
        consulting=any(c.replied_on is None for c in consultations),
    )
    if old == Status.ARCHIVED and new in CONCLUDED_STATUSES:
        return old
    if old in FINER_OPEN and new == Status.HANDLING:
        return old
    return new


def _reference_number(unit: Unit, ref: str, received_on: date) -> tuple[int, int | None]:
    """(ref_year, ref_seq): a ref in the unit's own format keeps automatic numbering clear of it."""
    match = re.search(r"(\d{4})\D+0*(\d+)\D*$", ref)
    if match:
        year, seq = int(match.group(1)), int(match.group(2))
        if 1900 < year < 3000 and format_reference(unit, year, seq) == ref:
            return year, seq
    return received_on.year, None


# --- import --------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Row:
    number: int
    values: dict
    given: set  # ledger keys whose column is in the file


LOOKUP_CHUNK = 10_000  # rows per prefetch query: one query for a 10,000-row ledger, within SQLite's 32,766 variables
WRITE_BATCH = 1000


def import_ledger(source, *, actor=None, calendar: dl.WorkCalendar | None = None, source_name: str = "") -> ImportResult:
    """Import a ledger file; LedgerInvalid (nothing written) if any row is bad.

    A row whose (unit, ref) exists updates that request: the columns in the file replace the stored
    values, columns left out of the file keep them. Importing the same file twice changes nothing.
    """
    sheet = read_sheet(source)
    header, errors = map_header(sheet.header, LEDGER_COLUMNS, COMPUTED_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    units = {u.code: u for u in Unit.objects.only("id", "code", "name", "path", "ref_prefix")}
    units_ci = {code.lower(): u for code, u in units.items()}
    parsers = _parsers()
    rows: list[_Row] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, cells in sheet.rows:
        raw = _cells_by_key(cells, header)
        values, row_errors = {}, []
        for key, value in raw.items():
            column = COLUMN[key]
            if value == "" or (isinstance(value, str) and not value.strip()):
                if column.required:
                    row_errors.append(RowError(number, header.name(column), _("必填项，不能为空。")))
                values[key] = _empty(key)
                continue
            if key == "unit":
                unit = units.get(str(value).strip()) or units_ci.get(str(value).strip().lower())
                if unit is None:
                    row_errors.append(RowError(number, header.name(column), _("单位编码“%(code)s”不存在，请先导入单位。") % {"code": value}))
                else:
                    values[key] = unit.code
                continue
            try:
                values[key] = parsers[key](value)
            except ValueError as exc:
                row_errors.append(RowError(number, header.name(column), str(exc)))
        if values.get("applicant_id_number"):  # the check digit, as services.register_request checks it
            try:
                values["applicant_id_number"] = check_id_number(
                    values["applicant_id_number"], person=is_person(values.get("applicant_type")))
            except InvalidIdNumber as exc:
                row_errors.append(RowError(number, header.name(COLUMN["applicant_id_number"]), str(exc)))
        if not row_errors:
            pair = (values["unit"], values["ref"])
            if pair in first_row:
                row_errors.append(
                    RowError(number, header.name(COLUMN["ref"]),
                             _("与第%(row)d行的申请编号和受理单位重复。") % {"row": first_row[pair]})
                )
            first_row.setdefault(pair, number)
        errors += row_errors
        if not row_errors:
            rows.append(_Row(number, values, set(raw)))
    calendar = calendar or load_work_calendar()
    with transaction.atomic():
        # Rows that parsed are checked for consistency (against what is stored for columns the
        # file leaves out) even when other rows failed, so that one run lists every bad row.
        result = _write_ledger(rows, header, units, calendar, actor, source_name, errors)
    if result.created or result.updated:
        refresh_statistics()
    return result


def refresh_statistics() -> None:
    """After a bulk import: fresh planner statistics for the requests table. SQLite plans the
    report compile's partial indexes only with them (it never gathers statistics by itself);
    0x10002 = analyse every table that needs it, not only those this connection has queried."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize=0x10002")
        elif connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {DisclosureRequest._meta.db_table}")


def _existing_requests(rows: list[_Row], units: dict[str, Unit]) -> dict[tuple[int, str], DisclosureRequest]:
    found = {}
    for start in range(0, len(rows), LOOKUP_CHUNK):
        chunk = rows[start : start + LOOKUP_CHUNK]
        unit_ids = {units[r.values["unit"]].pk for r in chunk}
        refs = {r.values["ref"] for r in chunk}
        qs = (
            DisclosureRequest.objects.select_for_update()
            .filter(unit_id__in=unit_ids, ref__in=refs)
            .prefetch_related("consultations", "fee_notices")
        )
        found.update({(r.unit_id, r.ref): r for r in qs})
    return found


def _write_ledger(rows, header, units, calendar, actor, source_name, errors) -> ImportResult:
    existing = _existing_requests(rows, units)
    code_by_id = {u.pk: code for code, u in units.items()}
    plans = []
    for row in rows:
        unit = units[row.values["unit"]]
        req = existing.get((unit.pk, row.values["ref"]))
        if req is not None:
            consultations, fees = list(req.consultations.all()), list(req.fee_notices.all())
            before = ledger_values(req, consultations, fees, code_by_id[req.unit_id])
        else:
            consultations, fees = [], []
            before = {k: _empty(k) for k in LEDGER_KEYS}
        merged = {**before, **{k: v for k, v in row.values.items() if k in row.given}}
        problems = check_consistency(merged, lambda k: _label(header, COLUMN[k]))
        errors += [RowError(row.number, header.name(COLUMN[k]), reason) for k, reason in problems]
        plans.append((row, unit, req, consultations, fees, before, merged))
    if errors:
        raise LedgerInvalid(errors)

    writes = _Writes(calendar=calendar, now=timezone.now())
    result = ImportResult()
    for row, unit, req, consultations, fees, before, merged in plans:
        old_status = req.status if req is not None else None
        if req is None:
            req = DisclosureRequest(unit=unit)
            req.ref_year, req.ref_seq = _reference_number(unit, merged["ref"], merged["received_on"])
        changed = [k for k in LEDGER_KEYS if merged[k] != before[k]]
        _set_ledger_fields(req, merged, is_new=old_status is None)
        records = writes.sync_records(req, consultations, fees, merged) if changed else None
        if records is not None:
            consultations, fees = records
        derived = deadline_fields(dl.compute_deadline(_case_dates(req, consultations, fees), calendar))
        derived["status"] = _history_status(req, consultations, old_status)
        derived_changed = [k for k, v in derived.items() if getattr(req, k) != v]
        if old_status is not None and not changed and not derived_changed:
            result.unchanged += 1
            continue
        _set(req, **derived)
        data = {"source": source_name, "row": row.number}
        if old_status is None:
            result.created += 1
            writes.new_requests.append(req)
            data["ref"] = req.ref
        else:
            result.updated += 1
            writes.changed_requests.append(_set(req, version=req.version + 1, updated_at=writes.now))
            data["changed"] = changed + (["deadline"] if set(derived_changed) - {"status"} else [])
        writes.events.append(
            RequestEvent(request=req, actor=actor, action=Action.IMPORT, from_status=old_status or "",
                         to_status=req.status, data=data)
        )
    writes.flush()
    return result


def _set_ledger_fields(req: DisclosureRequest, merged: dict, *, is_new: bool) -> None:
    draft_outcome = "" if is_new or req.concluded_on else req.outcome
    for key, name in MODEL_FIELDS.items():
        value = merged[key]
        setattr(req, name, 0 if value is None and key == "extension_days" else value)
    if not req.concluded_on:
        req.outcome = draft_outcome  # an open request keeps its draft outcome (see ledger_values)
    if not req.correction_requested_on:
        req.correction_rounds = 0
    elif not req.correction_rounds:
        req.correction_rounds = 1


REQUEST_UPDATE_FIELDS = [
    *MODEL_FIELDS.values(), "correction_rounds", "status", "version", "updated_at",
    "correction_due_on", "clock_start_on", "base_due_on", "due_on", "due_is_provisional",
]


@dataclass
class _Writes:
    """Everything an import writes, collected row by row and flushed in bulk at the end."""

    calendar: dl.WorkCalendar
    now: datetime
    new_requests: list = field(default_factory=list)
    changed_requests: list = field(default_factory=list)
    events: list = field(default_factory=list)
    created: list = field(default_factory=list)  # (request, Consultation or FeeNotice): saved after the request
    changed_consultations: list = field(default_factory=list)
    changed_fees: list = field(default_factory=list)
    dropped_consultations: list = field(default_factory=list)
    dropped_fees: list = field(default_factory=list)

    def sync_records(self, req, consultations: list, fees: list, merged: dict) -> tuple[list, list]:
        """Make the first consultation and fee notice match the row; returns the records after."""
        calendar = self.calendar
        consultations, new, changed, dropped = _sync_first(
            consultations, merged["consultation_sent_on"], merged["consultation_replied_on"],
            lambda sent, replied: Consultation(
                kind=Consultation.Kind.THIRD_PARTY, party=_("（台账导入，未记载）"), sent_on=sent, replied_on=replied,
                due_on=dl.add_workdays(sent, dl.CONSULTATION_DAYS, calendar),
            ),
            lambda c, sent, replied: _set(c, sent_on=sent, replied_on=replied,
                                          due_on=dl.add_workdays(sent, dl.CONSULTATION_DAYS, calendar)),
            lambda c: (c.sent_on, c.replied_on),
        )
        self.created += [(req, record) for record in new]
        self.changed_consultations += changed
        self.dropped_consultations += dropped
        fees, new, changed, dropped = _sync_first(
            fees, merged["fee_notice_on"], merged["fee_paid_on"],
            lambda sent, paid: FeeNotice(
                amount=0, basis=_("（台账导入，金额不详）"), notice_on=sent, paid_on=paid,
                due_on=dl.add_workdays(sent, dl.FEE_PAYMENT_DAYS, calendar),
            ),
            lambda f, sent, paid: _set(f, notice_on=sent, paid_on=paid,
                                       due_on=dl.add_workdays(sent, dl.FEE_PAYMENT_DAYS, calendar)),
            lambda f: (f.notice_on, f.paid_on),
        )
        self.created += [(req, record) for record in new]
        self.changed_fees += changed
        self.dropped_fees += dropped
        return consultations, fees

    def flush(self) -> None:
        """A fixed number of bulk statements, whatever the number of rows (per batch)."""
        DisclosureRequest.objects.bulk_create(self.new_requests, batch_size=WRITE_BATCH)
        if any(r.pk is None for r in self.new_requests):  # a backend that returns no ids from bulk inserts
            ids = {
                (unit_id, ref): pk
                for pk, unit_id, ref in DisclosureRequest.objects.filter(
                    unit_id__in={r.unit_id for r in self.new_requests}, ref__in={r.ref for r in self.new_requests}
                ).values_list("pk", "unit_id", "ref")
            }
            for r in self.new_requests:
                r.pk = ids[(r.unit_id, r.ref)]
        if self.changed_requests:
            DisclosureRequest.objects.bulk_update(self.changed_requests, REQUEST_UPDATE_FIELDS, batch_size=WRITE_BATCH // 4)
        if self.dropped_consultations:
            Consultation.objects.filter(pk__in=self.dropped_consultations).delete()
        if self.dropped_fees:
            FeeNotice.objects.filter(pk__in=self.dropped_fees).delete()
        for request, record in self.created:
            record.request = request  # now that the request has its id
        Consultation.objects.bulk_create([r for _q, r in self.created if isinstance(r, Consultation)], batch_size=WRITE_BATCH)
        FeeNotice.objects.bulk_create([r for _q, r in self.created if isinstance(r, FeeNotice)], batch_size=WRITE_BATCH)
        if self.changed_consultations:
            Consultation.objects.bulk_update(self.changed_consultations, ["sent_on", "replied_on", "due_on"], batch_size=WRITE_BATCH)
        if self.changed_fees:
            FeeNotice.objects.bulk_update(self.changed_fees, ["notice_on", "paid_on", "due_on"], batch_size=WRITE_BATCH)
        for event in self.events:
            event.request = event.request  # picks up the id of a request created above
        RequestEvent.objects.bulk_create(self.events, batch_size=WRITE_BATCH)


def _set(obj, **values):
    for k, v in values.items():
        setattr(obj, k, v)
    return obj


def _sync_first(records: list, first_on, second_on, make, update, dates):
    """The ledger shows the first consultation (fee notice): make the records match the row.

    Returns (records after the change, to create, to update, ids to delete).
    """
    current = dates(records[0]) if records else (None, None)
    if current == (first_on, second_on):
        return records, [], [], []
    if first_on is None:  # the row says there was none
        return [], [], [], [r.pk for r in records]
    if records:
        return [update(records[0], first_on, second_on), *records[1:]], [], [records[0]], []
    record = make(first_on, second_on)
    return [record], [record], [], []


# --- export --------------------------------------------------------------------------------------


def ledger_queryset(*, year: int | None = None, unit: Unit | None = None):
    """--year Y: received in Y, or received before Y and still open on Y-01-01; --unit: the subtree."""
    qs = DisclosureRequest.objects.select_related("unit").prefetch_related("consultations", "fee_notices")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if year is not None:
        start, end = date(year, 1, 1), date(year + 1, 1, 1)
        qs = qs.filter(
            Q(received_on__gte=start, received_on__lt=end)
            | Q(received_on__lt=start) & (Q(concluded_on__isnull=True) | Q(concluded_on__gte=start))
        )
    return qs.order_by("unit__path", "received_on", "ref", "pk")


def export_rows(queryset, *, calendar: dl.WorkCalendar, today: date, mask_ids: bool = False) -> Iterator[dict]:
    """One dict per request: the ledger columns then the computed ones, as Python values."""
    for req in queryset.iterator(chunk_size=2000):
        consultations, fees = list(req.consultations.all()), list(req.fee_notices.all())
        row = ledger_values(req, consultations, fees, req.unit.code)
        if mask_ids:
            row["applicant_id_number"] = mask_id_number(row["applicant_id_number"])
        concluded = req.status in CONCLUDED_STATUSES
        due = req.due_on
        overdue = due is not None and (
            (req.concluded_on is not None and req.concluded_on > due) or (not concluded and today > due)
        )
        row.update(
            status=req.status,
            due_on=due,
            due_is_provisional=req.due_is_provisional,
            working_days_used=dl.workdays_used(_case_dates(req, consultations, fees), calendar, today),
            overdue=overdue,
        )
        yield row


EXPORT_COLUMNS = LEDGER_COLUMNS + COMPUTED_COLUMNS


def _headers(language: str) -> list[str]:
    return [c.key if language == "en" else c.zh for c in EXPORT_COLUMNS]


def _flat(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_csv(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    writer = csv.writer(out)
    writer.writerow(_headers(headers))
    count = 0
    for row in rows:
        writer.writerow([_flat(row[c.key]) for c in EXPORT_COLUMNS])
        count += 1
    return count


def write_json(rows: Iterable[dict], out) -> int:
    """A list of objects keyed by the English keys; dates YYYY-MM-DD, empty → null, yes/no → booleans."""
    out.write("[")
    count = 0
    for row in rows:
        item = {}
        for c in EXPORT_COLUMNS:
            value = row[c.key]
            item[c.key] = value.isoformat() if isinstance(value, date) else (None if value == "" else value)
        out.write(("\n" if count == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_xlsx(rows: Iterable[dict], out, *, headers: str = "zh") -> int:
    """Dates as real date cells; yes/no as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("台账"))
    sheet.append(_headers(headers))
    count = 0
    for row in rows:
        cells = []
        for c in EXPORT_COLUMNS:
            value = row[c.key]
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            else:
                cells.append(_flat(value))
        sheet.append(cells)
        count += 1
    book.save(out)
    return count


# --- units file ----------------------------------------------------------------------------------

UNIT_COLUMNS = (
    Column("code", "单位编码", True),
    Column("name", "单位名称", True),
    Column("parent", "上级单位编码"),
    Column("kind", "单位类型", True),
)
CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class UnitsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_units(source) -> UnitsResult:
    """Create or update units; a parent may come after its children in the file. All-or-nothing."""
    sheet = read_sheet(source)
    header, errors = map_header(sheet.header, UNIT_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    col = {c.key: c for c in UNIT_COLUMNS}
    kinds = _choice_lookup(Unit.Kind.choices, {"本级政府": "government", "乡镇": "township", "街道": "township"})
    stored = {u.code: u for u in Unit.objects.select_related("parent")}
    rows: dict[str, tuple[int, dict]] = {}
    for number, cells in sheet.rows:
        raw = {k: str(v).strip() for k, v in _cells_by_key(cells, header).items()}
        values = {"parent": ""} | raw
        bad = []
        for c in UNIT_COLUMNS:
            if c.required and not values.get(c.key):
                bad.append(RowError(number, header.name(c), _("必填项，不能为空。")))
        code = values.get("code", "")
        if code and not CODE_RE.match(code):
            bad.append(RowError(number, header.name(col["code"]), _("“%(code)s”只能包含字母、数字、“-”和“_”。") % {"code": code}))
        elif len(code) > 64:
            bad.append(RowError(number, header.name(col["code"]), _("不能超过64个字符。")))
        if len(values.get("name", "")) > 200:
            bad.append(RowError(number, header.name(col["name"]), _("不能超过200个字符。")))
        if values.get("kind"):
            kind = kinds.get(_norm_value(values["kind"]))
            if kind is None:
                bad.append(RowError(number, header.name(col["kind"]),
                                    _("“%(value)s”不是有效的单位类型（government 本级政府、department 部门、township 乡镇（街道）、other 其他）。") % {"value": values["kind"]}))
            values["kind"] = kind
        if code in rows:
            bad.append(RowError(number, header.name(col["code"]), _("与第%(row)d行的单位编码重复。") % {"row": rows[code][0]}))
        else:
            clash = next((c for c in list(stored) + list(rows) if c != code and c.lower() == code.lower()), None)
            if clash:
                bad.append(RowError(number, header.name(col["code"]),
                                    _("“%(code)s”与已有单位编码“%(other)s”仅大小写不同。") % {"code": code, "other": clash}))
        errors += bad
        if not bad:
            rows[code] = (number, values)
    # The tree after the import: stored parents, overridden by the file.
    parent_of = {code: (u.parent.code if u.parent_id else "") for code, u in stored.items()}
    parent_of.update({code: values["parent"] for code, (_n, values) in rows.items()})
    for code, (number, values) in rows.items():
        parent = values["parent"]
        if parent and parent not in parent_of:
            errors.append(RowError(number, header.name(col["parent"]), _("上级单位编码“%(code)s”不存在。") % {"code": parent}))
            continue
        chain, seen = [code], {code}
        while parent:
            if parent in seen:
                errors.append(RowError(number, header.name(col["parent"]),
                                       _("上级单位形成循环：%(chain)s。") % {"chain": " → ".join([*chain, parent])}))
                break
            chain.append(parent)
            seen.add(parent)
            parent = parent_of.get(parent, "")
    if errors:
        raise LedgerInvalid(errors)
    return _write_units(rows, stored, parent_of)


def _depth(code: str, parent_of: dict[str, str]) -> int:
    depth = 0
    while parent_of.get(code):
        code, depth = parent_of[code], depth + 1
    return depth


@transaction.atomic
def _write_units(rows, stored, parent_of) -> UnitsResult:
    result = UnitsResult()
    for code in sorted(rows, key=lambda c: _depth(c, parent_of)):  # parents before children
        _number, values = rows[code]
        parent = stored.get(values["parent"]) if values["parent"] else None
        unit = stored.get(code)
        if unit is None:
            unit = Unit(code=code, name=values["name"], kind=values["kind"], parent=parent)
            unit.save()
            stored[code] = unit
            result.created += 1
        elif (unit.name, unit.kind, unit.parent_id) != (values["name"], values["kind"], parent.pk if parent else None):
            unit.name, unit.kind, unit.parent = values["name"], values["kind"], parent
            unit.save()
            result.updated += 1
        else:
            result.unchanged += 1
    if result.updated:
        _rebuild_paths()
    return result


def _rebuild_paths() -> None:
    """Moves can chain within one file; recompute every path from the parents, top-down."""
    units = {u.pk: u for u in Unit.objects.only("id", "code", "parent_id", "path")}

    def path(u) -> str:
        return (path(units[u.parent_id]) if u.parent_id else "/") + u.code + "/"

    dirty = []
    for u in units.values():
        p = path(u)
        if p != u.path:
            u.path = p
            dirty.append(u)
    Unit.objects.bulk_update(dirty, ["path"], batch_size=500)


# --- staff file ----------------------------------------------------------------------------------

STAFF_COLUMNS = (
    Column("username", "用户名", True),
    Column("full_name", "姓名", True),
    Column("email", "邮箱"),
    Column("unit", "单位编码", True),
    Column("role", "角色", True),
)


@dataclass
class StaffResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    roles_added: int = 0
    usernames: list[str] = field(default_factory=list)


def import_staff(source, *, password: str | None = None) -> StaffResult:
    """Create or update accounts and add their unit roles (one row per role). All-or-nothing.

    New accounts get `password` if given, otherwise an unusable one (set through a reset link);
    existing accounts keep theirs. Roles not in the file are left alone.
    """
    User = get_user_model()
    sheet = read_sheet(source)
    header, errors = map_header(sheet.header, STAFF_COLUMNS)
    if errors:
        raise LedgerInvalid(errors)
    col = {c.key: c for c in STAFF_COLUMNS}
    roles = _choice_lookup(StaffRole.Role.choices, {"负责人": "head", "管理员": "admin"})
    units = {u.code: u for u in Unit.objects.only("id", "code")}
    username_ok = UnicodeUsernameValidator()
    people: dict[str, tuple[int, dict]] = {}
    grants: list[tuple[str, int, str]] = []
    for number, cells in sheet.rows:
        values = {"email": ""} | {k: str(v).strip() for k, v in _cells_by_key(cells, header).items()}
        bad = [RowError(number, header.name(c), _("必填项，不能为空。")) for c in STAFF_COLUMNS if c.required and not values[c.key]]
        username = values["username"]

        def complain(key, message):
            bad.append(RowError(number, header.name(col[key]), message))

        if username:
            try:
                username_ok(username)
                if len(username) > 150:
                    raise ValidationError(_("不能超过150个字符。"))
            except ValidationError as exc:
                complain("username", " ".join(str(m) for m in exc.messages))
        if len(values["full_name"]) > 100:
            complain("full_name", _("不能超过100个字符。"))
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                complain("email", _("“%(value)s”不是有效的邮箱地址。") % {"value": values["email"]})
        if values["unit"] and values["unit"] not in units:
            complain("unit", _("单位编码“%(code)s”不存在，请先导入单位。") % {"code": values["unit"]})
        role = roles.get(_norm_value(values["role"])) if values["role"] else None
        if values["role"] and role is None:
            complain("role", _("“%(value)s”不是有效的角色（clerk 经办人、reviewer 审核人、legal_reviewer 法制审核人、head 工作机构负责人、supervisor 督办人、admin 系统管理员）。") % {"value": values["role"]})
        if username in people and not bad:
            first_number, first = people[username]
            for key in ("full_name", "email"):
                if values[key] != first[key] and key in header.index:
                    complain(key, _("与第%(row)d行同一用户名的“%(other)s”不一致。") % {"row": first_number, "other": first[key]})
        errors += bad
        if not bad:
            people.setdefault(username, (number, values))
            grants.append((username, units[values["unit"]].pk, role))
    if errors:
        raise LedgerInvalid(errors)
    with transaction.atomic():
        return _write_staff(User, people, grants, password, "email" in header.index)


def _write_staff(User, people, grants, password, has_email) -> StaffResult:
    result = StaffResult()
    users = {u.username: u for u in User.objects.filter(username__in=list(people))}
    for username, (_number, values) in people.items():
        user = users.get(username)
        email = values["email"] if has_email else (user.email if user else "")
        if user is None:
            user = User(username=username, full_name=values["full_name"], email=email, is_staff=True)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            users[username] = user
            result.created += 1
            result.usernames.append(username)
        elif (user.full_name, user.email, user.is_staff) != (values["full_name"], email, True):
            user.full_name, user.email, user.is_staff = values["full_name"], email, True
            user.save(update_fields=["full_name", "email", "is_staff"])
            result.updated += 1
        else:
            result.unchanged += 1
    held = set(
        StaffRole.objects.filter(user__in=list(users.values())).values_list("user__username", "unit_id", "role")
    )
    missing = list(dict.fromkeys(g for g in grants if g not in held))
    StaffRole.objects.bulk_create([StaffRole(user=users[u], unit_id=unit_id, role=r) for u, unit_id, r in missing])
    result.roles_added = len(missing)
    return result
