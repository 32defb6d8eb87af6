"""The request ledger (ledger.md): import_ledger and export_ledger, and disclosure.ledger underneath."""

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook, load_workbook

from disclosure import deadlines as dl
from disclosure import services
from disclosure.ledger import (
    LEDGER_KEYS,
    check_consistency,
    import_ledger,
    import_units,
    parse_choice,
    parse_date,
)
from disclosure.models import Consultation, DisclosureRequest, FeeNotice, RequestEvent, Unit
from disclosure.workcalendar import load_work_calendar
from tests.steps import office_reply

DATA = Path(__file__).parents[1] / "data" / "ledger"
HEADER = (
    "ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,content,"
    "correction_requested_on,correction_received_on,consultation_sent_on,consultation_replied_on,"
    "fee_notice_on,fee_paid_on,extension_days,concluded_on,result,reconsideration_filed_on,"
    "reconsideration_outcome,reconsideration_decided_on,litigation_filed_on,litigation_after_reconsideration,"
    "litigation_outcome,litigation_decided_on"
)
COLUMNS = HEADER.split(",")
GOOD = {
    "ref": "R-1", "unit": "jd-fgj", "channel": "in_person", "submitted_on": "2025-03-03",
    "received_on": "2025-03-03", "applicant_type": "natural_person", "applicant_name": "张三",
    "content": "某项目批复",
}


def run(*args):
    """(exit status, stdout, stderr) of a management command."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue(), err.getvalue()


def ledger_file(tmp_path, rows, header=HEADER, name="ledger.csv", bom=False):
    columns = header.split(",")
    lines = [header] + [",".join(str(row.get(c, "")) for c in columns) for row in rows]
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def units(db):
    import_units(DATA / "units.csv")
    Unit.objects.filter(code="jindong").update(ref_prefix="金东公开")
    return {u.code: u for u in Unit.objects.all()}


def by_ref():
    return {r.ref: r for r in DisclosureRequest.objects.all()}


# --- pure parsing and rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [("2019-09-27", date(2019, 9, 27)), ("2019/9/7", date(2019, 9, 7)), ("2019年9月27日", date(2019, 9, 27)),
     ("2019-09-27 00:00:00", date(2019, 9, 27)), (date(2020, 1, 20), date(2020, 1, 20))],
)
def test_dates_are_read_in_the_ledger_formats(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2019-13-01", "2019-02-30", "27/09/2019", "昨天", "2019-09", "9999-12-31", "0219-09-27"])
def test_a_bad_date_is_refused_with_its_value(text):
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date(text)


@pytest.mark.parametrize(
    "kind, given, code",
    [
        ("channel", "当面", "in_person"), ("channel", "网络", "online"), ("channel", "EMAIL", "email"),
        ("applicant_type", "法律服务机构", "legal_service"), ("applicant_type", "其他", "other_org"),
        ("result", "予以公开", "granted"), ("result", "other.no_correction", "abandoned_no_correction"),
        ("result", "other.fee_unpaid", "abandoned_fee_unpaid"), ("result", "other.other", "other"),
        ("result", "部分公开（区分处理）", "partial"), ("result", "部分公开(区分处理)", "partial"),
        ("result", "危及“三安全一稳定”", "refused.security_stability"), ("result", "无正当理由逾期不补正，视为放弃", "abandoned_no_correction"),
        ("result", "1.属于国家秘密", "refused.state_secret"),
        ("reconsideration_outcome", "维持", "upheld"), ("reconsideration_outcome", "纠正", "corrected"),
        ("litigation_outcome", "其他", "other"), ("litigation_outcome", "尚未审结", ""),
    ],
)
def test_enumerations_accept_the_code_or_the_chinese_label(kind, given, code):
    assert parse_choice(kind, given) == code


def complete(**changes):
    row = {k: None for k in LEDGER_KEYS} | {k: "" for k in ("result", "reconsideration_outcome", "litigation_outcome")}
    row.update(received_on=date(2025, 3, 3), submitted_on=date(2025, 3, 3))
    row.update(changes)
    return row


D = date
CONSISTENCY_RULES = [
    # (row values, the column each error names)
    ({"correction_received_on": D(2025, 3, 10)}, ["correction_requested_on"]),
    ({"concluded_on": D(2025, 3, 20)}, ["result"]),
    ({"result": "granted"}, ["concluded_on"]),
    ({"submitted_on": D(2025, 3, 4)}, ["submitted_on"]),
    ({"correction_requested_on": D(2025, 3, 1)}, ["correction_requested_on"]),
    ({"consultation_sent_on": D(2025, 2, 1)}, ["consultation_sent_on"]),
    ({"concluded_on": D(2025, 3, 1), "result": "granted"}, ["concluded_on"]),
    ({"consultation_replied_on": D(2025, 3, 10)}, ["consultation_sent_on"]),
    ({"fee_paid_on": D(2025, 3, 10)}, ["fee_notice_on"]),
    ({"fee_notice_on": D(2025, 3, 10), "fee_paid_on": D(2025, 3, 9)}, ["fee_paid_on"]),
    ({"correction_requested_on": D(2025, 3, 10), "correction_received_on": D(2025, 3, 5)}, ["correction_received_on"]),
    ({"consultation_sent_on": D(2025, 3, 25), "concluded_on": D(2025, 3, 20), "result": "granted"}, ["consultation_sent_on"]),
    ({"fee_notice_on": D(2025, 3, 5), "fee_paid_on": D(2025, 3, 25), "concluded_on": D(2025, 3, 20), "result": "granted"},
     ["fee_paid_on"]),
    ({"reconsideration_filed_on": D(2025, 3, 10), "concluded_on": D(2025, 3, 20), "result": "granted"},
     ["reconsideration_filed_on"]),
    ({"litigation_filed_on": D(2025, 3, 10), "concluded_on": D(2025, 3, 20), "result": "granted"}, ["litigation_filed_on"]),
    ({"reconsideration_filed_on": D(2025, 5, 1), "reconsideration_decided_on": D(2025, 4, 1)}, ["reconsideration_decided_on"]),
    ({"litigation_filed_on": D(2025, 5, 1), "litigation_decided_on": D(2025, 4, 1)}, ["litigation_decided_on"]),
    ({"reconsideration_decided_on": D(2025, 5, 1)}, ["reconsideration_filed_on"]),
    ({"reconsideration_outcome": "upheld"}, ["reconsideration_filed_on"]),
    ({"litigation_outcome": "corrected"}, ["litigation_filed_on"]),
    ({"litigation_after_reconsideration": True}, ["litigation_filed_on"]),
    ({"concluded_on": D(2025, 4, 1), "result": "abandoned_no_correction"}, ["correction_requested_on"]),
    ({"concluded_on": D(2025, 4, 1), "result": "unavailable.unclear_after_correction"},
     ["correction_requested_on", "correction_received_on"]),
    ({"concluded_on": D(2025, 4, 1), "result": "unavailable.unclear_after_correction",
      "correction_requested_on": D(2025, 3, 5)}, ["correction_received_on"]),
    ({"concluded_on": D(2025, 4, 1), "result": "abandoned_fee_unpaid"}, ["fee_notice_on"]),
    # the 第三十五条 columns Gongkai adds after the contract's
    ({"delayed_until": D(2025, 6, 30)}, ["reasons_requested_on"]),
    ({"reasons_requested_on": D(2025, 3, 10), "delayed_until": D(2025, 3, 7)}, ["delayed_until"]),
    ({"reasons_requested_on": D(2025, 3, 1)}, ["reasons_requested_on"]),
    ({"reasons_requested_on": D(2025, 4, 2), "concluded_on": D(2025, 4, 1), "result": "granted"},
     ["reasons_requested_on"]),
]


@pytest.mark.parametrize("changes, columns", CONSISTENCY_RULES)
def test_each_consistency_rule_names_the_column(changes, columns):
    assert [key for key, _reason in check_consistency(complete(**changes), str)] == columns


def test_a_consistent_history_passes_every_rule():
    row = complete(
        correction_requested_on=D(2025, 3, 5), correction_received_on=D(2025, 3, 10),
        consultation_sent_on=D(2025, 3, 12), consultation_replied_on=D(2025, 3, 20),
        fee_notice_on=D(2025, 3, 21), fee_paid_on=D(2025, 3, 24), concluded_on=D(2025, 4, 10), result="partial",
        reconsideration_filed_on=D(2025, 4, 10), reconsideration_outcome="upheld", reconsideration_decided_on=D(2025, 6, 1),
        litigation_filed_on=D(2025, 6, 10), litigation_after_reconsideration=True, litigation_decided_on=D(2025, 9, 1),
    )
    assert check_consistency(row, str) == []


def test_received_on_may_be_a_non_working_day_and_submitted_on_may_precede_it():
    assert check_consistency(complete(submitted_on=D(2019, 9, 25), received_on=D(2019, 9, 28)), str) == []


# --- valid ledgers ------------------------------------------------------------------------------


def test_an_english_csv_without_bom_imports_every_request(units):
    status, out, err = run("import_ledger", str(DATA / "ledger_en.csv"))
    assert (status, err) == (0, "")
    assert "created=9 updated=0 unchanged=0" in out
    reqs = by_ref()
    assert {ref: r.status for ref, r in reqs.items()} == {
        "FG-2019-001": "replied", "FG-2020-001": "replied", "FG-2019-002": "replied", "FG-2020-002": "replied",
        "FG-2025-001": "awaiting_correction", "FG-2025-002": "consulting", "FG-2024-001": "closed",
        "FG-2024-002": "replied", "FG-2025-003": "handling",
    }
    assert reqs["FG-2024-001"].outcome == "abandoned_no_correction"  # the alias other.no_correction
    assert reqs["FG-2019-001"].applicant_id_number == "330101198001031234"
    assert reqs["FG-2019-002"].litigation_after_reconsideration is True
    assert reqs["FG-2019-002"].reconsideration_outcome == "upheld"
    assert reqs["FG-2024-002"].unit.code == "jd-dhj"


def test_imported_records_carry_consultations_fees_and_extension(units):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    reqs = by_ref()
    calendar = load_work_calendar()
    open_consultation = Consultation.objects.get(request=reqs["FG-2025-002"])
    assert open_consultation.kind == Consultation.Kind.THIRD_PARTY
    assert open_consultation.replied_on is None
    assert open_consultation.due_on == dl.add_workdays(date(2025, 3, 10), 15, calendar)
    fee = FeeNotice.objects.get(request=reqs["FG-2024-002"])
    assert (fee.notice_on, fee.paid_on) == (date(2024, 6, 17), date(2024, 6, 18))
    assert reqs["FG-2019-002"].extension_days == 20
    assert reqs["FG-2019-002"].extension_approved_by is None
    assert reqs["FG-2025-001"].due_on is None and reqs["FG-2025-001"].clock_start_on is None


@pytest.mark.parametrize(
    "ref, base_due, due",
    [  # statute.md §4: National Day 2019 with its make-up Saturday, Spring Festival 2020, extensions
        ("FG-2019-001", date(2019, 10, 30), date(2019, 10, 30)),
        ("FG-2020-001", date(2020, 2, 25), date(2020, 2, 25)),
        ("FG-2019-002", date(2019, 10, 30), date(2019, 11, 27)),
        ("FG-2020-002", date(2020, 2, 25), date(2020, 3, 24)),
    ],
)
def test_imported_deadlines_match_the_statute_examples(units, ref, base_due, due):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    req = by_ref()[ref]
    assert (req.base_due_on, req.due_on, req.due_is_provisional) == (base_due, due, False)


STATUTE_TABLE = [  # statute.md §4: receipt, +7 wd (补正 notice), +20 wd (reply), +20 more (extended)
    ("2019-05-15", date(2019, 5, 24), date(2019, 6, 13), date(2019, 7, 11)),
    ("2019-09-27", date(2019, 10, 12), date(2019, 10, 30), date(2019, 11, 27)),
    ("2019-09-28", date(2019, 10, 12), date(2019, 10, 30), date(2019, 11, 27)),
    ("2020-01-20", date(2020, 2, 6), date(2020, 2, 25), date(2020, 3, 24)),
    ("2025-09-26", date(2025, 10, 13), date(2025, 10, 30), date(2025, 11, 27)),
]


@pytest.mark.parametrize("received, correction_due, due, extended", STATUTE_TABLE)
def test_every_row_of_the_statute_table_imports_with_its_deadlines(units, tmp_path, received, correction_due, due, extended):
    rows = [GOOD | {"ref": "plain", "submitted_on": received, "received_on": received},
            GOOD | {"ref": "extended", "submitted_on": received, "received_on": received, "extension_days": "20"}]
    assert run("import_ledger", str(ledger_file(tmp_path, rows)))[0] == 0
    reqs = by_ref()
    assert (reqs["plain"].correction_due_on, reqs["plain"].due_on) == (correction_due, due)
    assert (reqs["extended"].base_due_on, reqs["extended"].due_on) == (due, extended)


@pytest.mark.parametrize("fees_pause_the_clock", [False, True])
def test_imported_deadlines_are_those_the_services_compute(units, settings, tmp_path, fees_pause_the_clock):
    settings.GONGKAI_FEE_PAUSES_CLOCK = fees_pause_the_clock
    run("import_ledger", str(DATA / "ledger_en.csv"))
    # an open request whose fee notice is unpaid: the pause runs to the end of the payment period
    unpaid = dict(GOOD, ref="R-FEE", fee_notice_on="2025-03-05")
    assert run("import_ledger", str(ledger_file(tmp_path, [unpaid])))[0] == 0
    calendar = load_work_calendar()
    for req in DisclosureRequest.objects.prefetch_related("consultations", "fee_notices"):
        expected = services.deadline_fields(dl.compute_deadline(services.case_dates(req), calendar))
        assert {k: getattr(req, k) for k in expected} == expected, req.ref


def test_a_chinese_csv_with_bom_and_labels_imports(units):
    status, out, err = run("import_ledger", str(DATA / "ledger_zh_bom.csv"))
    assert (status, err) == (0, "")
    reqs = by_ref()
    first = reqs["金东公开〔2025〕第0007号"]
    assert (first.channel, first.applicant_type, first.outcome) == ("in_person", "natural_person", "granted")
    assert first.concluded_on == date(2025, 10, 20)  # header 答复日期
    assert first.due_on == date(2025, 10, 30)  # statute.md §4: 2025-09-26 → 2025-10-30
    assert (first.ref_year, first.ref_seq) == (2025, 7)  # the unit's own numbering format
    second = reqs["金东公开〔2025〕第0008号"]
    assert (second.outcome, second.reconsideration_outcome) == ("unavailable.unclear_after_correction", "corrected")
    third = reqs["金东公开〔2025〕第0009号"]
    assert (third.status, third.litigation_after_reconsideration, third.litigation_outcome) == ("closed", False, "upheld")


def test_automatic_numbering_continues_after_imported_references(units, people):
    run("import_ledger", str(DATA / "ledger_zh_bom.csv"))
    from disclosure.models import StaffRole

    StaffRole.objects.create(user=people["clerk"], unit=units["jindong"], role="clerk")
    req = services.register_request(
        actor=people["clerk"], unit=units["jindong"], today=date(2025, 11, 3), channel="in_person",
        submitted_on=date(2025, 11, 3), applicant_type="natural_person", applicant_name="周九", content="新申请",
    )
    assert req.ref == "金东公开〔2025〕第0010号"


def test_a_csv_with_bom_and_the_same_csv_without_import_alike(units, tmp_path):
    rows = [GOOD, GOOD | {"ref": "R-2", "concluded_on": "2025-03-20", "result": "予以公开"}]
    ledger_file(tmp_path, rows, name="a.csv", bom=True)
    assert run("import_ledger", str(tmp_path / "a.csv"))[0] == 0
    with_bom = {r.ref: (r.status, r.due_on, r.outcome) for r in DisclosureRequest.objects.all()}
    ledger_file(tmp_path, rows, name="b.csv", bom=False)
    status, out, _err = run("import_ledger", str(tmp_path / "b.csv"))
    assert status == 0 and "created=0 updated=0 unchanged=2" in out
    assert {r.ref: (r.status, r.due_on, r.outcome) for r in DisclosureRequest.objects.all()} == with_bom


def xlsx_from_csv(csv_path, xlsx_path, *, real_dates=True):
    book = Workbook()
    sheet = book.active
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        for i, row in enumerate(csv.reader(handle)):
            if i and real_dates:
                row = [date.fromisoformat(v) if len(v) == 10 and v[4] == "-" and v[:4].isdigit() else v for v in row]
                row = [int(v) if isinstance(v, str) and v.isdigit() and len(v) <= 11 else v for v in row]
            sheet.append(row)
    book.save(xlsx_path)
    return xlsx_path


def test_an_xlsx_with_real_date_cells_imports_like_the_csv(units, tmp_path):
    path = xlsx_from_csv(DATA / "ledger_en.csv", tmp_path / "ledger.xlsx")
    assert load_workbook(path).active["E2"].is_date  # a real date cell, not text
    status, out, err = run("import_ledger", str(path))
    assert (status, err) == (0, "")
    from_xlsx = {r.ref: (r.status, r.received_on, r.due_on, r.extension_days) for r in DisclosureRequest.objects.all()}
    status, out, err = run("import_ledger", str(DATA / "ledger_en.csv"))
    assert "created=0 updated=0 unchanged=9" in out
    assert from_xlsx["FG-2019-002"] == ("replied", date(2019, 9, 27), date(2019, 11, 27), 20)


def test_an_id_number_saved_as_a_number_cell_is_refused_as_imprecise(units, tmp_path):
    book = Workbook()
    book.active.append(["ref", "unit", "channel", "submitted_on", "received_on", "applicant_type", "applicant_name",
                        "applicant_id_number", "content"])
    book.active.append(["X-1", "jd-fgj", "in_person", date(2025, 3, 3), date(2025, 3, 3), "natural_person", "张三",
                        330101198001031234, "内容"])
    book.save(tmp_path / "id.xlsx")
    status, _out, err = run("import_ledger", str(tmp_path / "id.xlsx"))
    assert status == 1 and err.startswith("row 2, column applicant_id_number: ")
    assert DisclosureRequest.objects.count() == 0


def test_an_xlsx_with_chinese_headers_and_text_dates_imports(units, tmp_path):
    path = xlsx_from_csv(DATA / "ledger_zh_bom.csv", tmp_path / "zh.xlsx", real_dates=False)
    status, _out, err = run("import_ledger", str(path))
    assert (status, err) == (0, "")
    assert DisclosureRequest.objects.count() == 3


# --- bad rows: exit 1, every bad row on stderr, nothing written ---------------------------------

BAD_ROWS = [
    ({"applicant_name": ""}, "row 2, column applicant_name:"),
    ({"content": "  "}, "row 2, column content:"),
    ({"received_on": "2025-02-30"}, "row 2, column received_on:"),
    ({"submitted_on": "03/03/2025"}, "row 2, column submitted_on:"),
    ({"unit": "nowhere"}, "row 2, column unit:"),
    ({"channel": "飞鸽传书"}, "row 2, column channel:"),
    ({"applicant_type": "alien"}, "row 2, column applicant_type:"),
    ({"concluded_on": "2025-03-20", "result": "granted_maybe"}, "row 2, column result:"),
    ({"reconsideration_filed_on": "2025-04-01", "reconsideration_outcome": "赢了"}, "row 2, column reconsideration_outcome:"),
    ({"litigation_filed_on": "2025-04-01", "litigation_after_reconsideration": "maybe"},
     "row 2, column litigation_after_reconsideration:"),
    ({"extension_days": "21"}, "row 2, column extension_days:"),
    ({"extension_days": "ten"}, "row 2, column extension_days:"),
    ({"correction_received_on": "2025-03-10"}, "row 2, column correction_requested_on:"),
    ({"concluded_on": "2025-03-20"}, "row 2, column result:"),
    ({"result": "granted"}, "row 2, column concluded_on:"),
    ({"correction_requested_on": "2025-03-01"}, "row 2, column correction_requested_on:"),
    ({"submitted_on": "2025-03-04"}, "row 2, column submitted_on:"),
    ({"consultation_sent_on": "2025-03-25", "concluded_on": "2025-03-20", "result": "granted"},
     "row 2, column consultation_sent_on:"),
    ({"reconsideration_filed_on": "2025-03-10", "concluded_on": "2025-03-20", "result": "granted"},
     "row 2, column reconsideration_filed_on:"),
    ({"litigation_filed_on": "2025-05-01", "litigation_decided_on": "2025-04-01"}, "row 2, column litigation_decided_on:"),
    ({"concluded_on": "2025-04-01", "result": "abandoned_no_correction"}, "row 2, column correction_requested_on:"),
    ({"concluded_on": "2025-04-01", "result": "unavailable.unclear_after_correction", "correction_requested_on": "2025-03-05"},
     "row 2, column correction_received_on:"),
    ({"concluded_on": "2025-04-01", "result": "abandoned_fee_unpaid"}, "row 2, column fee_notice_on:"),
]


@pytest.mark.parametrize("changes, line", BAD_ROWS)
def test_a_bad_row_is_reported_and_nothing_is_written(units, tmp_path, changes, line):
    path = ledger_file(tmp_path, [GOOD | changes, GOOD | {"ref": "R-ok"}])
    status, _out, err = run("import_ledger", str(path))
    assert status == 1
    assert err.splitlines()[0].startswith(line), err
    assert all(line.startswith("row 2, column ") for line in err.splitlines())
    assert DisclosureRequest.objects.count() == 0
    assert RequestEvent.objects.count() == 0


def test_every_bad_row_is_listed_with_its_spreadsheet_row_number(units, tmp_path):
    rows = [GOOD, GOOD | {"ref": "R-2", "unit": "nowhere"}, GOOD | {"ref": "R-3"},
            GOOD | {"ref": "R-4", "received_on": "tomorrow", "channel": "x"}, GOOD | {"ref": "R-5", "result": "granted"},
            GOOD]  # row 7 repeats row 2's (unit, ref)
    status, out, err = run("import_ledger", str(ledger_file(tmp_path, rows)))
    assert status == 1
    assert [line.split(":")[0] for line in err.splitlines()] == [
        "row 3, column unit", "row 5, column channel", "row 5, column received_on", "row 6, column concluded_on",
        "row 7, column ref",
    ]
    assert "5" in out and DisclosureRequest.objects.count() == 0


def test_chinese_headers_are_named_as_the_file_names_them(units, tmp_path):
    header = "申请编号,受理单位编码,申请方式,提交日期,收到申请日期,申请人类型,申请人,申请内容,答复日期,办理结果"
    row = {"申请编号": "Z-1", "受理单位编码": "jd-fgj", "申请方式": "当面", "提交日期": "2025-03-03",
           "收到申请日期": "2025-03-03", "申请人类型": "自然人", "申请人": "张三", "申请内容": "内容", "答复日期": "2025-03-20"}
    status, _out, err = run("import_ledger", str(ledger_file(tmp_path, [row], header=header)))
    assert status == 1
    assert err.startswith("row 2, column 办理结果: "), err
    assert "答复日期" in err


@pytest.mark.parametrize(
    "header, line",
    [
        (HEADER.replace("applicant_name,", ""), "row 1, column applicant_name:"),
        (HEADER + ",remarks", "row 1, column remarks:"),
        (HEADER.replace("content", "received_on"), "row 1, column received_on:"),
    ],
)
def test_a_bad_header_is_reported_as_row_1(units, tmp_path, header, line):
    status, _out, err = run("import_ledger", str(ledger_file(tmp_path, [GOOD], header=header)))
    assert status == 1
    assert line in err


def test_a_file_that_is_not_a_ledger_is_refused(units, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(Exception, match="文件为空"):
        call_command("import_ledger", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(Exception, match="无法读取"):
        call_command("import_ledger", str(tmp_path / "missing.csv"), stdout=io.StringIO())
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(Exception, match="XLSX"):
        call_command("import_ledger", str(tmp_path / "fake.xlsx"), stdout=io.StringIO())


# --- re-import ---------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(units):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    before = list(DisclosureRequest.objects.order_by("pk").values())
    events = RequestEvent.objects.count()
    status, out, _err = run("import_ledger", str(DATA / "ledger_en.csv"))
    assert status == 0 and "created=0 updated=0 unchanged=9" in out
    assert list(DisclosureRequest.objects.order_by("pk").values()) == before
    assert RequestEvent.objects.count() == events == 9
    assert set(RequestEvent.objects.values_list("action", flat=True)) == {"import"}


def test_reimporting_a_changed_row_updates_that_request_and_appends_one_event(units, tmp_path):
    path = ledger_file(tmp_path, [GOOD, GOOD | {"ref": "R-2", "consultation_sent_on": "2025-03-05"}])
    run("import_ledger", str(path))
    req = DisclosureRequest.objects.get(ref="R-1")
    first_event = RequestEvent.objects.get(request=req)
    changed = [GOOD | {"concluded_on": "2025-03-28", "result": "部分公开", "applicant_name": "张三丰"},
               GOOD | {"ref": "R-2", "consultation_sent_on": "2025-03-05"}]
    status, out, _err = run("import_ledger", str(ledger_file(tmp_path, changed)))
    assert status == 0 and "created=0 updated=1 unchanged=1" in out
    req.refresh_from_db()
    assert (req.status, req.outcome, req.applicant_name, req.version) == ("replied", "partial", "张三丰", 1)
    assert DisclosureRequest.objects.count() == 2
    events = list(RequestEvent.objects.filter(request=req).order_by("pk"))
    assert events[0].pk == first_event.pk and events[0].to_status == first_event.to_status == "handling"
    assert (events[1].action, events[1].from_status, events[1].to_status) == ("import", "handling", "replied")
    assert set(events[1].data["changed"]) >= {"applicant_name", "concluded_on", "result"}


def test_reimport_replaces_the_consultation_the_ledger_shows(units, tmp_path):
    run("import_ledger", str(ledger_file(tmp_path, [GOOD | {"consultation_sent_on": "2025-03-05"}])))
    req = DisclosureRequest.objects.get()
    assert req.status == "consulting"
    run("import_ledger", str(ledger_file(tmp_path, [GOOD | {"consultation_sent_on": "2025-03-05",
                                                            "consultation_replied_on": "2025-03-12"}])))
    req.refresh_from_db()
    assert req.status == "handling"
    assert list(req.consultations.values_list("sent_on", "replied_on")) == [(date(2025, 3, 5), date(2025, 3, 12))]
    assert req.due_on == dl.add_workdays(
        date(2025, 3, 3), 20, load_work_calendar(), skip=dl.workdays_in(date(2025, 3, 6), date(2025, 3, 12), load_work_calendar())
    )
    run("import_ledger", str(ledger_file(tmp_path, [GOOD])))
    req.refresh_from_db()
    assert req.consultations.count() == 0 and req.due_on == date(2025, 3, 31)


def test_columns_left_out_of_the_file_keep_their_stored_values(units, tmp_path):
    run("import_ledger", str(ledger_file(tmp_path, [GOOD | {"fee_notice_on": "2025-03-05", "extension_days": "10"}])))
    short = "ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,content,concluded_on,result"
    status, out, err = run("import_ledger", str(ledger_file(
        tmp_path, [GOOD | {"concluded_on": "2025-04-30", "result": "abandoned_fee_unpaid"}], header=short)))
    assert (status, err) == (0, ""), err
    req = DisclosureRequest.objects.get()
    assert (req.status, req.extension_days, req.fee_notices.count()) == ("closed", 10, 1)


def test_import_runs_a_constant_number_of_queries(units, tmp_path):
    def queries(n, tag):
        rows = [GOOD | {"ref": f"{tag}-{i}", "consultation_sent_on": "2025-03-05", "fee_notice_on": "2025-03-06"}
                for i in range(n)]
        path = ledger_file(tmp_path, rows, name=f"{tag}.csv")
        with CaptureQueriesContext(connection) as ctx:
            import_ledger(path)
        return len(ctx.captured_queries)

    # 12 rows stay within one bulk INSERT batch on SQLite (999 parameters), so equal counts mean
    # no query per row.
    assert queries(2, "a") == queries(12, "b")

    def requery(tag, n):
        rows = [GOOD | {"ref": f"{tag}-{i}", "consultation_sent_on": "2025-03-05", "consultation_replied_on": "2025-03-07",
                        "fee_notice_on": "2025-03-06"} for i in range(n)]
        with CaptureQueriesContext(connection) as ctx:
            import_ledger(ledger_file(tmp_path, rows, name=f"{tag}-2.csv"))
        return len(ctx.captured_queries)

    assert requery("a", 2) == requery("b", 12)


# --- export ------------------------------------------------------------------------------------


def export(*args):
    status, out, err = run("export_ledger", *args)
    assert (status, err) == (0, "")
    return out


def test_article_35_columns_import_and_export_with_the_later_deadline(units, tmp_path):
    header = HEADER + ",reasons_requested_on,delayed_until"
    row = GOOD | {"reasons_requested_on": "2025-03-05", "delayed_until": "2025-06-30"}
    status, out, err = run("import_ledger", str(ledger_file(tmp_path, [row, GOOD | {"ref": "R-2"}], header=header)))
    assert (status, err) == (0, "")
    requests = by_ref()
    assert (requests["R-1"].delayed_until, requests["R-1"].due_on) == (date(2025, 6, 30), date(2025, 6, 30))
    assert requests["R-1"].base_due_on == requests["R-2"].due_on == date(2025, 3, 31)
    rows = {r["ref"]: r for r in json.loads(export("--format", "json"))}
    assert (rows["R-1"]["reasons_requested_on"], rows["R-1"]["delayed_until"], rows["R-1"]["due_on"]) == (
        "2025-03-05", "2025-06-30", "2025-06-30")
    assert rows["R-2"]["delayed_until"] is None
    # a file without the columns (every ledger of the contract) leaves the stored delay alone
    run("import_ledger", str(ledger_file(tmp_path, [GOOD], name="plain.csv")))
    assert by_ref()["R-1"].due_on == date(2025, 6, 30)


def test_export_is_csv_with_chinese_headers_and_computed_columns_by_default(units):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    rows = list(csv.reader(io.StringIO(export())))
    assert rows[0][:3] == ["申请编号", "受理单位编码", "申请方式"]
    assert rows[0][17] == "办结日期"
    assert rows[0][-5:] == ["状态", "答复期限", "期限为暂定", "已用工作日", "是否逾期"]
    assert len(rows) == 10
    en = list(csv.DictReader(io.StringIO(export("--headers", "en"))))
    assert list(en[0])[:len(LEDGER_KEYS)] == list(LEDGER_KEYS)
    first = next(r for r in en if r["ref"] == "FG-2019-001")
    # 2019-09-27 → 2019-10-20: 29 Sep (make-up Sunday), 30 Sep, 8–12 Oct, 14–18 Oct
    assert (first["status"], first["due_on"], first["due_is_provisional"], first["working_days_used"], first["overdue"]) == (
        "replied", "2019-10-30", "no", "12", "no")
    waiting = next(r for r in en if r["ref"] == "FG-2025-001")
    assert (waiting["due_on"], waiting["overdue"], waiting["working_days_used"]) == ("", "no", "0")
    still_open = next(r for r in en if r["ref"] == "FG-2025-003")
    assert still_open["overdue"] == "yes"  # open since 2025-10-09, due 2025-11-05, today is later


def test_a_late_reply_is_exported_as_overdue(units, tmp_path):
    run("import_ledger", str(ledger_file(tmp_path, [GOOD | {"concluded_on": "2025-04-30", "result": "granted"},
                                                      GOOD | {"ref": "R-2", "concluded_on": "2025-03-31", "result": "granted"}])))
    rows = {r["ref"]: r for r in json.loads(export("--format", "json"))}
    assert (rows["R-1"]["due_on"], rows["R-1"]["overdue"]) == ("2025-03-31", True)
    assert rows["R-2"]["overdue"] is False


def test_a_deadline_into_an_unloaded_year_is_provisional_in_the_export(units, tmp_path):
    assert 2027 not in load_work_calendar().known_years
    run("import_ledger", str(ledger_file(tmp_path, [GOOD | {"submitted_on": "2026-12-21", "received_on": "2026-12-21"}])))
    [row] = csv.DictReader(io.StringIO(export("--headers", "en")))
    assert (row["due_is_provisional"], row["due_on"][:4]) == ("yes", "2027")


def test_json_export_uses_english_keys_null_and_booleans(units):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    rows = {r["ref"]: r for r in json.loads(export("--format", "json"))}
    row = rows["FG-2019-002"]
    assert list(row)[:len(LEDGER_KEYS)] == list(LEDGER_KEYS)
    assert row["litigation_after_reconsideration"] is True and row["overdue"] is False
    assert row["extension_days"] == 20 and row["working_days_used"] == 35
    assert row["applicant_id_number"] is None and row["received_on"] == "2019-09-27"
    assert rows["FG-2025-001"]["due_on"] is None


def test_xlsx_export_has_date_cells_and_imports_back_unchanged(units, tmp_path):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    path = tmp_path / "out.xlsx"
    export("--format", "xlsx", "-o", str(path))
    sheet = load_workbook(path).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[4] == "收到申请日期"
    assert all(hasattr(row[4].value, "year") for row in sheet.iter_rows(min_row=2))
    status, out, _err = run("import_ledger", str(path))
    assert status == 0 and "created=0 updated=0 unchanged=9" in out


def year_fixture(tmp_path):
    rows = [
        GOOD | {"ref": "in-2025", "submitted_on": "2025-02-03", "received_on": "2025-02-03"},
        GOOD | {"ref": "carried", "submitted_on": "2024-12-02", "received_on": "2024-12-02",
                "concluded_on": "2025-01-06", "result": "granted"},
        GOOD | {"ref": "done-2024", "submitted_on": "2024-12-02", "received_on": "2024-12-02",
                "concluded_on": "2024-12-31", "result": "granted"},
        GOOD | {"ref": "open-2023", "submitted_on": "2023-05-04", "received_on": "2023-05-04"},
        GOOD | {"ref": "in-2026", "submitted_on": "2026-01-05", "received_on": "2026-01-05"},
    ]
    return ledger_file(tmp_path, rows)


def test_export_year_keeps_requests_received_in_it_or_open_at_its_start(units, tmp_path):
    run("import_ledger", str(year_fixture(tmp_path)))
    refs = [r["ref"] for r in json.loads(export("--format", "json", "--year", "2025"))]
    assert sorted(refs) == ["carried", "in-2025", "open-2023"]


def test_export_unit_keeps_that_unit_and_every_unit_below_it(units, tmp_path):
    rows = [GOOD | {"ref": f"R-{code}", "unit": code} for code in ("jindong", "jd-fgj", "jd-fgj-zx", "jd-dhj")]
    run("import_ledger", str(ledger_file(tmp_path, rows)))
    assert sorted(r["ref"] for r in json.loads(export("--format", "json", "--unit", "jd-fgj"))) == ["R-jd-fgj", "R-jd-fgj-zx"]
    assert len(json.loads(export("--format", "json", "--unit", "jindong"))) == 4
    with pytest.raises(Exception, match="nowhere"):
        call_command("export_ledger", "--unit", "nowhere", stdout=io.StringIO())


def test_export_reads_without_a_query_per_request(units, tmp_path, django_assert_max_num_queries):
    rows = [GOOD | {"ref": f"R-{i}", "consultation_sent_on": "2025-03-05", "fee_notice_on": "2025-03-06"}
            for i in range(40)]
    run("import_ledger", str(ledger_file(tmp_path, rows)))
    with django_assert_max_num_queries(6):
        assert len(json.loads(export("--format", "json"))) == 40


def test_round_trip_reproduces_the_same_requests(units, tmp_path):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    run("import_ledger", str(DATA / "ledger_zh_bom.csv"))
    exported = export()
    path = tmp_path / "export.csv"
    path.write_text(exported, encoding="utf-8")
    status, out, _err = run("import_ledger", str(path))
    assert status == 0 and "created=0 updated=0 unchanged=12" in out
    # Into an empty unit: the export of the copies equals the original export but for the unit.
    Unit.objects.create(code="copy", name="副本", kind="other")
    copied = [r | {"受理单位编码": "copy"} for r in csv.DictReader(io.StringIO(exported))]
    copy_path = tmp_path / "copy.csv"
    with open(copy_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(copied[0]))
        writer.writeheader()
        writer.writerows(copied)
    status, out, _err = run("import_ledger", str(copy_path))
    assert status == 0 and "created=12" in out
    again = list(csv.DictReader(io.StringIO(export("--unit", "copy"))))
    key = lambda r: r["申请编号"]  # noqa: E731
    assert sorted(again, key=key) == sorted(copied, key=key)


def test_requests_handled_in_the_system_export_and_reimport_unchanged(tree, people, tmp_path):
    clerk = people["clerk"]
    req = services.register_request(
        actor=clerk, unit=tree["dept"], today=date(2025, 3, 3), channel="in_person", submitted_on=date(2025, 3, 3),
        applicant_type="natural_person", applicant_name="张三", content="某文件",
    )
    services.accept(req, actor=people["reviewer"])
    consultation = services.start_consultation(req, actor=clerk, kind="agency", party="市局",
                                               sent_on=date(2025, 3, 5), today=date(2025, 3, 5))
    services.record_consultation_reply(consultation, actor=clerk, replied_on=date(2025, 3, 12), today=date(2025, 3, 12))
    office_reply(req, people, outcome="granted", replied_on=date(2025, 4, 10), today=date(2025, 4, 10))
    other = services.register_request(
        actor=clerk, unit=tree["dept"], today=date(2025, 5, 6), channel="in_person", submitted_on=date(2025, 5, 6),
        applicant_type="commercial", applicant_name="某公司", content="另一文件",
    )
    drafted = services.register_request(
        actor=clerk, unit=tree["dept"], today=date(2025, 6, 2), channel="in_person", submitted_on=date(2025, 6, 2),
        applicant_type="natural_person", applicant_name="李四", content="第三份文件",
    )
    services.accept(drafted, actor=people["reviewer"])
    services.submit_for_legal_review(drafted, actor=clerk, outcome="refused.process_info", reply_data={"reason": "过程稿"})
    exported = export()
    status, out, _err = run("import_ledger", str(_write(tmp_path / "dept.csv", exported)))
    assert status == 0 and "created=0 updated=0 unchanged=3" in out
    other.refresh_from_db()
    assert other.status == "registered"  # a state the ledger cannot tell from "handling" is kept
    # A changed row of a request in legal review keeps its state and its draft outcome.
    changed = exported.replace("第三份文件", "第三份文件（更正）")
    status, out, _err = run("import_ledger", str(_write(tmp_path / "dept2.csv", changed)))
    assert status == 0 and "created=0 updated=1 unchanged=2" in out
    drafted.refresh_from_db()
    assert (drafted.status, drafted.outcome, drafted.content) == ("legal_review", "refused.process_info", "第三份文件（更正）")


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


# --- an imported request waiting for a correction, with no period on record ----------------------


@pytest.fixture
def imported_awaiting(units, people):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    req = DisclosureRequest.objects.get(ref="FG-2025-001")  # in jd-fgj, the clerk's unit
    assert (req.status, req.correction_requested_on, req.correction_period_until) == (
        "awaiting_correction", date(2025, 3, 5), None,
    )
    return req


def abandon(req, actor, concluded_on, reason=""):
    return services.conclude(req, actor=actor, outcome="abandoned_no_correction", concluded_on=concluded_on,
                             reason=reason, today=date(2025, 12, 1))


def test_an_imported_request_without_a_correction_period_is_abandoned_with_a_reason(imported_awaiting, people):
    abandon(imported_awaiting, people["clerk"], date(2025, 4, 1), reason="告知书载明的15日补正期限已届满")
    row = DisclosureRequest.objects.get(pk=imported_awaiting.pk)
    assert (row.status, row.outcome, row.concluded_on) == ("closed", "abandoned_no_correction", date(2025, 4, 1))
    assert row.events.order_by("id").last().data["reason"] == "告知书载明的15日补正期限已届满"


@pytest.mark.parametrize(
    ("concluded_on", "reason", "field"),
    [
        (date(2025, 4, 1), "", "reason"),  # the period is unknown: the reason must say it lapsed
        (date(2025, 4, 1), "   ", "reason"),
        (date(2025, 3, 5), "补正期限已届满", "concluded_on"),  # not after the notice
        (date(2025, 3, 4), "补正期限已届满", "concluded_on"),
    ],
)
def test_without_a_correction_period_abandoning_needs_a_reason_and_a_date_after_the_notice(
    imported_awaiting, people, concluded_on, reason, field
):
    from disclosure.workflow import WorkflowError

    with pytest.raises(WorkflowError) as info:
        abandon(imported_awaiting, people["clerk"], concluded_on, reason)
    assert info.value.field == field
    assert DisclosureRequest.objects.get(pk=imported_awaiting.pk).status == "awaiting_correction"


def test_an_import_refreshes_the_planner_statistics_of_the_requests_table(units):
    run("import_ledger", str(DATA / "ledger_en.csv"))
    table = DisclosureRequest._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            cursor.execute("SELECT count(*) FROM pg_stat_user_tables WHERE relname = %s AND "
                           "(last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL)", [table])
        assert cursor.fetchone()[0] > 0
