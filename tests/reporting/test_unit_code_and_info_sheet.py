"""Report URLs name the unit by its code (?unit=jindong) as well as by its id; the XLSX's 报告信息
sheet is in Chinese and still read back on import (as are files written with the English keys)."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reporting.exports_xlsx import INFO_SHEET, read_xlsx
from tests.factories import RequestFactory


@pytest.fixture
def granted(tree):
    return RequestFactory(unit=tree["dept"], applicant_type="natural_person", received_on=date(2025, 3, 3),
                          submitted_on=date(2025, 3, 3), concluded_on=date(2025, 3, 20), outcome="granted",
                          status="replied")


@pytest.mark.parametrize("code", ["jd-fgj", "JD-FGJ"])
def test_the_report_page_takes_the_unit_code(client, tree, people, granted, code):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:report"), {"unit": code, "year": 2025})
    assert response.status_code == 200
    assert response.context["form"].cleaned_data["unit"] == tree["dept"]


def test_a_unit_code_the_user_may_not_see_is_refused_like_its_id(client, tree, people, granted):
    client.force_login(people["clerk"])
    by_code = client.get(reverse("reporting:report"), {"unit": "wucheng", "year": 2025})
    assert by_code.status_code == 200 and by_code.context["form"].errors.get("unit")
    assert "婺城区" not in by_code.content.decode().partition('id="content"')[2].partition("</form>")[2]
    assert client.get(reverse("reporting:download"), {"unit": "wucheng", "year": 2025, "format": "json"}).status_code == 404


def test_the_download_takes_the_unit_code_and_its_info_sheet_is_chinese(client, tree, people, granted):
    client.force_login(people["clerk"])
    response = client.get(reverse("reporting:download"), {"unit": "jd-fgj", "year": 2025, "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = [tuple(r) for r in book[INFO_SHEET].iter_rows(values_only=True)]
    assert rows == [("单位代码", "jd-fgj"), ("单位名称", tree["dept"].name), ("报告年度", 2025), ("格式版本", "2021")]
    doc = read_xlsx(io.BytesIO(response.content))
    assert doc["unit"]["code"] == "jd-fgj" and doc["year"] == 2025 and doc["edition"] == "2021"


def test_a_workbook_with_the_old_english_info_keys_is_still_read(client, tree, people, granted):
    client.force_login(people["clerk"])
    content = client.get(reverse("reporting:download"), {"unit": tree["dept"].pk, "year": 2025, "format": "xlsx"}).content
    book = load_workbook(io.BytesIO(content))
    for cell, key in zip(book[INFO_SHEET]["A"], ("unit_code", "unit_name", "year", "edition"), strict=True):
        cell.value = key
    old = io.BytesIO()
    book.save(old)
    old.seek(0)
    doc = read_xlsx(old)
    assert doc["unit"]["code"] == "jd-fgj" and doc["year"] == 2025
