"""The calendar in the database: load_calendar from the package or a CSV, recomputing open deadlines."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from disclosure import services
from disclosure.models import CalendarDay, CalendarYear, DisclosureRequest
from disclosure.workcalendar import load_work_calendar, missing_next_year

D = date.fromisoformat


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("load_calendar", *args, stdout=out, stderr=err)
    return out.getvalue()


def run_failing(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("load_calendar", *args, stdout=out, stderr=err)
    return str(info.value), err.getvalue()


def snapshot():
    return (
        list(CalendarDay.objects.order_by("date").values_list("date", "is_workday", "note", "source")),
        list(CalendarYear.objects.order_by("year").values_list("year", "source")),
    )


def write(tmp_path, text, encoding="utf-8", name="2027.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


# 2027 as a test schedule (the State Council's 2027 notice is not in chinesecalendar 1.11.0).
SCHEDULE_2027 = """date,is_workday,note
2027-01-01,0,元旦
2027-01-02,0,元旦
2027-01-03,0,元旦
2027-01-04,0,元旦（测试安排）
2027-01-09,1,元旦调休上班（测试安排）
"""


# --- from the package ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_migration_seeded_every_package_year():
    years = set(CalendarYear.objects.values_list("year", flat=True))
    assert years == set(range(2004, 2027))
    assert CalendarDay.objects.get(date=D("2019-10-12")).is_workday is True
    assert CalendarDay.objects.get(date=D("2020-01-31")).is_workday is False


@pytest.mark.django_db
def test_load_years_from_the_package(tmp_path):
    CalendarDay.objects.filter(date__year=2019).delete()
    CalendarYear.objects.filter(year=2019).delete()
    assert load_work_calendar().is_workday(D("2019-10-12")) is False  # an unloaded Saturday
    out = run("--year", "2019")
    assert "2019 年" in out
    assert "调休上班" in out
    calendar = load_work_calendar()
    assert calendar.is_workday(D("2019-10-12"))
    assert not calendar.is_workday(D("2019-10-07"))
    assert 2019 in calendar.known_years


@pytest.mark.django_db
def test_load_from_the_package_replaces_local_edits_of_that_year():
    CalendarDay.objects.create(date=D("2025-03-05"), is_workday=False, note="手工误录")
    run("--year", "2025")
    assert not CalendarDay.objects.filter(date=D("2025-03-05")).exists()


@pytest.mark.django_db
def test_year_not_in_the_package_is_refused_and_nothing_written():
    before = snapshot()
    message, _ = run_failing("--year", "2026", "--year", "2027")
    assert "2027" in message
    assert "--csv" in message
    assert snapshot() == before


# --- from a CSV ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_csv_marks_the_year_loaded(tmp_path):
    out = run("--csv", write(tmp_path, SCHEDULE_2027))
    assert "2027 年：放假 4 天，调休上班 1 天" in out
    calendar = load_work_calendar()
    assert 2027 in calendar.known_years
    assert not calendar.is_workday(D("2027-01-04"))
    assert calendar.is_workday(D("2027-01-09"))
    assert CalendarYear.objects.get(year=2027).source == "CSV: 2027.csv"


@pytest.mark.django_db
def test_load_csv_with_chinese_headers_in_gbk(tmp_path):
    text = "日期,是否工作日,说明\n2027-10-01,放假,国庆节\n2027-10-09,上班,国庆节调休上班\n"
    run("--csv", write(tmp_path, text, encoding="gb18030"))
    assert CalendarDay.objects.get(date=D("2027-10-01")).note == "国庆节"
    assert CalendarDay.objects.get(date=D("2027-10-09")).is_workday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("date,is_workday,note\n2027-13-01,0,坏日期\n", ["第2行，date列", "2027-13-01"]),
        ("date,is_workday,note\n2027-01-01,maybe,元旦\n", ["第2行，is_workday列", "maybe"]),
        ("date,is_workday,note\n2027-01-01,0,元旦\n2027-01-01,1,又一次\n", ["第3行", "与第2行重复"]),
        ("date,is_workday,note\n2027-01-01,0,元旦,多余\n", ["第2行", "列数多于表头"]),
        ("day,off\n2027-01-01,0\n", ["缺少表头"]),
        ("", ["缺少表头"]),
        ("date,is_workday,note\n", ["没有日期行"]),
        ("date,is_workday,note\n2027-01-01,0," + "长" * 101 + "\n", ["第2行，note列"]),
    ],
    ids=["bad-date", "bad-flag", "duplicate", "extra-column", "no-header", "empty", "no-rows", "long-note"],
)
@pytest.mark.django_db
def test_csv_errors_name_row_and_column_and_write_nothing(tmp_path, text, expected):
    before = snapshot()
    message, err = run_failing("--csv", write(tmp_path, text))
    assert "未载入任何数据" in message
    for fragment in expected:
        assert fragment in err
    assert snapshot() == before


@pytest.mark.django_db
def test_csv_reports_every_bad_row_not_just_the_first(tmp_path):
    text = "date,is_workday,note\n2027-01-01,0,元旦\n2027-02-30,0,坏\n2027-03-01,x,坏\n2028-01-01,0,元旦\n"
    before = snapshot()
    message, err = run_failing("--csv", write(tmp_path, text))
    assert "2 处错误" in message
    assert "第3行" in err and "第4行" in err
    assert snapshot() == before  # the good rows of 2027 and 2028 were not loaded either


@pytest.mark.django_db
def test_missing_csv_file_is_an_error(tmp_path):
    message, _ = run_failing("--csv", str(tmp_path / "nope.csv"))
    assert "不存在" in message


# --- a calendar edit recomputes open deadlines --------------------------------------------------


@pytest.mark.django_db
def test_loading_2027_recomputes_a_provisional_deadline(tmp_path, people, tree):
    open_request = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-12-20"), applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=D("2026-12-15"), content="申请公开2026年度决算",
    )
    settled = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-12-20"), applicant_type="natural_person",
        applicant_name="李四", channel="in_person", submitted_on=D("2026-03-02"), content="申请公开2025年度决算",
    )
    closed = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-12-20"), applicant_type="natural_person",
        applicant_name="王五", channel="in_person", submitted_on=D("2026-12-16"), content="申请公开某文件",
    )
    services.conclude(closed, actor=people["clerk"], outcome="withdrawn", concluded_on=D("2026-12-17"),
                      today=D("2026-12-20"))
    row = DisclosureRequest.objects.get(pk=open_request.pk)
    assert row.due_is_provisional
    assert row.due_on == D("2027-01-13")  # Monday–Friday less 1 January
    closed_due = DisclosureRequest.objects.get(pk=closed.pk).due_on

    out = run("--csv", write(tmp_path, SCHEDULE_2027))

    row = DisclosureRequest.objects.get(pk=open_request.pk)
    assert not row.due_is_provisional
    assert row.due_on == D("2027-01-13")  # 4 Jan off, Saturday 9 Jan worked: the same day
    assert "有 1 件" in out
    assert DisclosureRequest.objects.get(pk=settled.pk).due_is_provisional is False
    assert DisclosureRequest.objects.get(pk=closed.pk).due_on == closed_due  # concluded: left alone


@pytest.mark.django_db
def test_calendar_edit_moves_an_open_deadline(tmp_path, people, tree):
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-12-20"), applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=D("2026-12-15"), content="申请公开2026年度决算",
    )
    schedule = "date,is_workday,note\n2027-01-01,0,元旦\n2027-01-04,0,元旦（测试安排）\n2027-01-05,0,元旦（测试安排）\n"
    out = run("--csv", write(tmp_path, schedule))
    row = DisclosureRequest.objects.get(pk=req.pk)
    assert row.due_on == D("2027-01-15")  # two more days off: two days later
    assert not row.due_is_provisional
    assert "有 1 件" in out
    out = run("--csv", write(tmp_path, schedule, name="again.csv"))
    assert "有 0 件" in out  # nothing left to change


@pytest.mark.django_db
def test_recompute_open_deadlines_counts_only_changes(people, tree):
    services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-11-26"), applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=D("2026-03-02"), content="申请公开某文件",
    )
    assert services.recompute_open_deadlines() == 0
    DisclosureRequest.objects.update(due_on=D("2026-01-01"))  # a stale stored deadline
    assert services.recompute_open_deadlines() == 1


# --- next year's coverage (statute.md §6.3) -----------------------------------------------------


@pytest.mark.parametrize(
    ("today", "known", "missing"),
    [
        ("2026-11-26", range(2004, 2027), 2027),
        ("2026-11-26", range(2004, 2028), None),
        ("2025-06-01", range(2004, 2027), None),
        ("2026-01-01", {2026}, 2027),
    ],
)
def test_missing_next_year(today, known, missing):
    assert missing_next_year(D(today), known_years=set(known)) == missing


@pytest.mark.django_db
def test_missing_next_year_reads_the_loaded_years(tmp_path):
    assert missing_next_year(D("2026-11-26")) == 2027
    assert missing_next_year(D("2025-11-26")) is None
    run("--csv", write(tmp_path, SCHEDULE_2027))
    assert missing_next_year(D("2026-11-26")) is None


@pytest.mark.django_db
def test_check_option_fails_until_next_year_is_loaded(tmp_path, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: D("2026-11-26"))
    message, _ = run_failing("--check")
    assert "2027" in message and "暂定" in message
    run("--csv", write(tmp_path, SCHEDULE_2027))
    assert "已载入" in run("--check")


@pytest.mark.django_db
def test_a_file_in_neither_utf8_nor_gbk_is_refused(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"date,is_workday\n\xff\xfe\xff\xfe\x81\n")
    before = snapshot()
    _, err = run_failing("--csv", str(path))
    assert "编码" in err
    assert snapshot() == before


@pytest.mark.django_db
def test_a_request_waiting_for_a_correction_is_not_provisional(people, tree):
    # issue 13 item 8: stored as the export and the changelist read it
    req = services.register_request(
        actor=people["clerk"], unit=tree["dept"], today=D("2026-12-29"), applicant_type="natural_person",
        applicant_name="张三", channel="in_person", submitted_on=D("2026-12-28"), content="申请公开2026年度决算",
    )
    assert DisclosureRequest.objects.get(pk=req.pk).due_is_provisional
    services.request_correction(DisclosureRequest.objects.get(pk=req.pk), actor=people["clerk"],
                                requested_on=D("2026-12-29"), items="请写明所需信息的名称", period_until=D("2027-01-15"),
                                today=D("2026-12-29"))
    row = DisclosureRequest.objects.get(pk=req.pk)
    assert (row.due_on, row.due_is_provisional) == (None, False)
