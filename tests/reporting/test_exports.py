"""XLSX, DOCX and HTML of the seed report (compiled from the seed ledger), read back cell by cell and
merge by merge; the narrative's figures against the tables; annual_report / check_annual_report with files."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from openpyxl import load_workbook

from disclosure.models import FeeNotice, Unit
from reporting import exports, narrative, services
from reporting import tables as t
from reporting.models import ReportText
from tests.factories import RequestFactory
from tests.reporting.test_seed import SEED_TABLE3, SEED_TABLE4, load_seed_ledger


@pytest.fixture
def seed_doc(db):
    return services.compile_report(load_seed_ledger(), 2019)


def workbook(doc):
    return load_workbook(io.BytesIO(exports.render_xlsx(doc)))


def merges(ws):
    return {str(r) for r in ws.merged_cells.ranges}


# The seed's table 三 header and label column merges (2019 edition), written out by hand from the seed.
SEED_T3_MERGES = {
    "A1:C3", "D1:J1", "D2:D3", "E2:I2", "J2:J3",  # note, 申请人情况, 自然人, 法人或其他组织, 总计
    "A4:C4", "A5:C5",  # 一、本年新收 / 二、上年结转
    "A6:A25",  # 三、本年度办理结果 over （一）…（七）
    "B6:C6", "B7:C7",  # （一）予以公开, （二）部分公开
    "B8:B15", "B16:B18", "B19:B23",  # （三）不予公开 ×8, （四）无法提供 ×3, （五）不予处理 ×5
    "B24:C24", "B25:C25",  # （六）其他处理 (one row in 2019), （七）总计
    "A26:C26",  # 四、结转下年度继续办理
}
SEED_T4_MERGES = {"A1:E1", "F1:O1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3", "F2:J2", "K2:O2"}


def test_xlsx_table3_merges_are_exactly_the_statutory_header_and_groups(seed_doc):
    assert merges(workbook(seed_doc)["表三"]) == SEED_T3_MERGES


def test_xlsx_table3_labels_and_figures_cell_by_cell(seed_doc):
    ws = workbook(seed_doc)["表三"]
    assert ws["A1"].value == "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert (ws["D1"].value, ws["D2"].value, ws["E2"].value, ws["J2"].value) == ("申请人情况", "自然人", "法人或其他组织", "总计")
    assert [ws.cell(3, c).value for c in range(5, 10)] == ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert (ws["A4"].value, ws["A5"].value, ws["A6"].value) == (
        "一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量", "三、本年度办理结果")
    assert (ws["B8"].value, ws["C8"].value, ws["C15"].value) == ("（三）不予公开", "1.属于国家秘密", "8.属于行政查询事项")
    assert (ws["B16"].value, ws["B19"].value, ws["C23"].value) == (
        "（四）无法提供", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息")
    assert (ws["B24"].value, ws["B25"].value, ws["A26"].value) == ("（六）其他处理", "（七）总计", "四、结转下年度继续办理")
    figures = [[ws.cell(r, c).value for c in range(4, 11)] for r in range(4, 27)]
    assert figures == list(SEED_TABLE3.values())
    assert ws["D4"].border.left.style == "thin" and ws["C10"].border.bottom.style == "thin"
    assert ws["C10"].alignment.wrap_text and ws.column_dimensions["C"].width > ws.column_dimensions["D"].width


def test_xlsx_2021_edition_groups_other_processing_over_three_rows(seed_doc):
    doc = services.compile_report(Unit.objects.get(code="jindong"), 2019, edition="2021")
    ws = workbook(doc)["表三"]
    assert {"B24:B26", "A6:A27", "B27:C27", "A28:C28"} <= merges(ws)
    assert (ws["B24"].value, ws["C26"].value) == ("（六）其他处理", "3.其他")
    assert [ws.cell(26, c).value for c in range(4, 11)] == [1, 0, 0, 0, 0, 0, 1]


def test_xlsx_table4_merges_labels_and_figures(seed_doc):
    ws = workbook(seed_doc)["表四"]
    assert merges(ws) == SEED_T4_MERGES
    assert (ws["A1"].value, ws["F1"].value, ws["F2"].value, ws["K2"].value) == ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉")
    assert [ws.cell(2, c).value for c in range(1, 6)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert [ws.cell(3, c).value for c in range(6, 16)] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2
    assert [ws.cell(4, c).value for c in range(1, 16)] == [1, 1, 3, 0, 5, 4, 1, 0, 1, 6, 0, 0, 0, 0, 0]


def test_xlsx_table2_sections_in_the_edition_layout(seed_doc):
    ws = workbook(seed_doc)["表二"]
    assert (ws["A1"].value, ws["A2"].value, ws["B2"].value, ws["A3"].value) == ("第二十条第（一）项", "信息内容", "本年新制作数量", "规章")
    assert "A1:D1" in merges(ws)
    column_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert [v for v in column_a if v and v.startswith("第二十条")] == [s.title for s in t.TABLE2["2019"]]


def test_xlsx_has_the_three_charts_as_native_charts_over_the_same_figures(seed_doc):
    wb = workbook(seed_doc)
    ws = wb["图表"]
    assert len(ws._charts) == 3
    values = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    assert (values["当面"], values["信函"], values["网络"]) == (3, 34, 17)
    assert (values["本级政府"], values["部门"], values["乡镇（街道）"]) == (16, 19, 19)


def test_xlsx_reads_back_to_the_same_tables(seed_doc, tmp_path):
    path = tmp_path / "seed.xlsx"
    path.write_bytes(exports.render_xlsx(seed_doc))
    doc = exports.read_report_xlsx(str(path))
    assert (doc["year"], doc["edition"], doc["unit"]["code"]) == (2019, "2019", "jindong")
    assert doc["table3"]["rows"] == SEED_TABLE3 and doc["table4"] == SEED_TABLE4


def docx(doc, ctx=None):
    return Document(io.BytesIO(exports.render_docx(doc, ctx or narrative.Context())))


def test_docx_has_title_intro_and_the_six_sections(seed_doc):
    d = docx(seed_doc)
    assert d.paragraphs[0].text == "金东区人民政府2019年政府信息公开工作年度报告"
    assert d.paragraphs[1].text.startswith("根据《中华人民共和国政府信息公开条例》")
    headings = [p.text for p in d.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(narrative.SECTION_TITLES)
    assert len(d.inline_shapes) == 3  # the three charts


def _shares(text):
    return [Decimal(x) for x in re.findall(r"占(\d+\.\d\d)%", text)]


def test_docx_narrative_figures_equal_the_tables_and_shares_add_up_to_100(seed_doc):
    d = docx(seed_doc)
    table3 = d.tables[1]
    assert table3.cell(3, 9).text == "54" and table3.cell(4, 9).text == "2"
    received = next(p.text for p in d.paragraphs if p.text.startswith("1、受理情况"))
    assert f"共新收政府信息公开申请{table3.cell(3, 9).text}件" in received
    assert "当面方式申请3件，占5.56%" in received and "信函方式申请34件，占62.96%" in received
    assert sum(_shares(received)) == 100
    handled = next(p.text for p in d.paragraphs if p.text.startswith("2、办理情况"))
    total = table3.cell(24, 9).text  # （七）总计
    assert f"共办结政府信息公开申请{total}件" in handled and total == "56"
    assert "“予以公开”20件" in handled and "“无法提供”30件" in handled and "不予处理" not in handled
    assert sum(_shares(handled)) == 100


def test_docx_tables_keep_the_statutory_merges_and_figures(seed_doc):
    d = docx(seed_doc)
    t2, t3, t4 = d.tables
    assert t3.cell(0, 0)._tc is t3.cell(2, 2)._tc  # the note over three columns and three rows
    assert t3.cell(0, 3)._tc is t3.cell(0, 9)._tc and t3.cell(0, 3).text == "申请人情况"
    assert t3.cell(1, 4)._tc is t3.cell(1, 8)._tc and t3.cell(1, 4).text == "法人或其他组织"
    assert t3.cell(5, 0)._tc is t3.cell(24, 0)._tc and t3.cell(5, 0).text == "三、本年度办理结果"
    assert t3.cell(7, 1)._tc is t3.cell(14, 1)._tc and t3.cell(7, 2).text == "1.属于国家秘密"
    assert [[t3.cell(r, c).text for c in range(3, 10)] for r in range(3, 26)] == [
        [str(v) for v in row] for row in SEED_TABLE3.values()]
    assert t4.cell(0, 5)._tc is t4.cell(0, 14)._tc and t4.cell(0, 5).text == "行政诉讼"
    assert [t4.cell(3, c).text for c in range(15)] == ["1", "1", "3", "0", "5", "4", "1", "0", "1", "6"] + ["0"] * 5
    assert t2.cell(0, 0).text == "第二十条第（一）项"


def test_docx_year_on_year_and_staff_text(seed_doc):
    ctx = narrative.Context(previous_new=64, texts={"5": "一是人员不足。\n二是平台分散。", "6": ""})
    d = docx(seed_doc, ctx)
    texts = [p.text for p in d.paragraphs]
    assert any("共新收政府信息公开申请54件，同比下降15.6%（上年64件）" in p for p in texts)
    assert "一是人员不足。" in texts and "二是平台分散。" in texts
    assert "2019年度无其他需要报告的事项。" in texts


def test_fees_collected_appear_in_section_six_of_the_2021_edition(tree, people):
    paid = RequestFactory(unit=tree["dept"], received_on=date(2025, 3, 3))
    FeeNotice.objects.create(request=paid, amount=Decimal("120.50"), basis="按件", notice_on=date(2025, 3, 10),
                             due_on=date(2025, 3, 30), paid_on=date(2025, 3, 20))
    FeeNotice.objects.create(request=paid, amount=Decimal(99), basis="按件", notice_on=date(2025, 3, 10),
                             due_on=date(2025, 3, 30))  # not paid: not collected
    other = RequestFactory(unit=tree["other"], received_on=date(2025, 3, 3))
    FeeNotice.objects.create(request=other, amount=Decimal(50), basis="按件", notice_on=date(2025, 3, 10),
                             due_on=date(2025, 3, 30), paid_on=date(2025, 3, 20))
    ReportText.objects.create(unit=tree["root"], year=2025, section="6", text="无其他事项。")
    doc = services.compile_report(tree["root"], 2025)
    texts = [p.text for p in docx(doc, narrative.report_context(tree["root"], doc)).paragraphs]
    assert "2025年度共收取政府信息公开信息处理费120.50元（1件）。" in texts and "无其他事项。" in texts


def test_no_fee_sentence_in_the_2019_edition(seed_doc):
    texts = narrative.section_texts(seed_doc, narrative.Context(fees=(Decimal(10), 1)))
    assert not any("信息处理费" in p for p in texts["6"])


@pytest.mark.parametrize("counts", [[3, 34, 17], [1, 1, 1], [1, 2], [7], [0, 0], [1, 1, 1, 1, 1, 1, 1]])
def test_narrative_shares_always_add_up_to_exactly_100(counts):
    shares = [s for _l, _n, s in narrative._shares([(str(i), c) for i, c in enumerate(counts)])]
    assert sum(shares) == (100 if sum(counts) else 0)


@pytest.mark.parametrize("current,previous,text", [
    (54, 64, "同比下降15.6%（上年64件）"), (66, 60, "同比上升10.0%（上年60件）"), (5, 5, "与上年持平"),
    (5, 0, "上年无新收申请"), (5, None, ""),
])
def test_year_on_year_wording(current, previous, text):
    assert narrative.change_text(current, previous) == text


def test_html_export_is_standalone_with_tables_and_charts(seed_doc):
    html = exports.render_html(seed_doc, narrative.Context()).decode()
    assert html.startswith("<!DOCTYPE html>") and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count('<figure class="chart"') == 3 and 'colspan="10" class="head">行政诉讼' in html
    assert "金东区人民政府2019年政府信息公开工作年度报告" in html


def test_annual_report_command_writes_xlsx_docx_and_html(seed_doc, tmp_path):
    for fmt in ("xlsx", "docx", "html"):
        path = tmp_path / f"r.{fmt}"
        call_command("annual_report", "--year", "2019", "--format", fmt, "-o", str(path), stdout=io.StringIO())
        assert path.stat().st_size > 1000
    wb = load_workbook(tmp_path / "r.xlsx")
    assert wb.sheetnames[:3] == ["表二", "表三", "表四"] and wb["表三"]["J4"].value == 54
    assert Document(str(tmp_path / "r.docx")).paragraphs[0].text.endswith("2019年政府信息公开工作年度报告")


def test_annual_report_binary_format_without_output_file_is_refused(seed_doc):
    with pytest.raises(CommandError, match="-o"):
        call_command("annual_report", "--year", "2019", "--format", "xlsx", stdout=io.StringIO())


def test_check_annual_report_accepts_the_statutory_xlsx(seed_doc, tmp_path):
    path = tmp_path / "unit.xlsx"
    path.write_bytes(exports.render_xlsx(seed_doc))
    out = io.StringIO()
    call_command("check_annual_report", str(path), stdout=out)
    assert "全部检查通过" in out.getvalue()


def test_check_annual_report_names_every_failure_in_a_broken_xlsx(seed_doc, tmp_path):
    wb = workbook(seed_doc)
    wb["表三"]["D4"] = 50  # 自然人 new 51 → 50: the row total and the column reconciliation break
    wb["表四"]["E4"] = 6  # 复议总计 5 → 6
    path = tmp_path / "broken.xlsx"
    wb.save(path)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("check_annual_report", str(path), stdout=out)
    assert exit_info.value.code == 1
    text = out.getvalue()
    assert "[row_total]" in text and "[column_reconciliation]" in text and "[table4_total]" in text


def test_xlsx_with_text_in_a_figure_cell_is_a_file_error(seed_doc, tmp_path):
    wb = workbook(seed_doc)
    wb["表三"]["E6"] = "二"
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(services.ReportError, match="E6"):
        services.load_report_file(str(path))


def test_supervisor_imports_a_units_statutory_xlsx_in_the_admin(client, tree, people, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from reporting.models import ImportedReport

    settings.MEDIA_ROOT = tmp_path
    doc = services.compile_report(tree["town"], 2025)
    doc["table3"]["rows"]["new"] = [2, 0, 0, 0, 0, 0, 2]
    doc["table3"]["rows"]["carried_out"] = [2, 0, 0, 0, 0, 0, 2]
    upload = SimpleUploadedFile("town.xlsx", exports.render_xlsx(doc))
    client.force_login(people["supervisor"])
    response = client.post(reverse("admin:reporting_importedreport_add"), {"unit": tree["town"].pk, "upload": upload})
    assert response.status_code == 302
    report = ImportedReport.objects.get()
    assert report.figures["table3"]["rows"]["new"] == [2, 0, 0, 0, 0, 0, 2] and not report.has_errors
    assert services.compile_report(tree["root"], 2025)["table3"]["rows"]["new"][-1] == 2
