"""The units file's optional who-decides-what columns: 法制审核范围 (legal_review) and 岗位分离
(separate_duties). Present, they replace what is stored (empty: follow the system settings); absent,
the stored choice stays — as the unit's admin page sets them."""

import pytest

from disclosure.ledger import LedgerInvalid, import_units
from disclosure.models import Unit

pytestmark = pytest.mark.django_db


def load(text: str):
    return import_units(text.encode("utf-8"))


def rules(code):
    unit = Unit.objects.get(code=code)
    return unit.legal_review, unit.separate_duties


def test_codes_chinese_labels_and_empty_values_and_a_second_import_changes_nothing():
    text = ("单位编码,单位名称,上级单位编码,单位类型,法制审核范围,岗位分离\n"
            "jindong,金东区人民政府,,government,所有答复均须经法制审核,是\n"
            "jd-fgj,金东区发展和改革局,jindong,department,adverse,no\n"
            "jd-dhj,东孝街道,jindong,township,,\n")
    assert load(text).created == 3
    assert rules("jindong") == ("all", True)
    assert rules("jd-fgj") == ("adverse", False)
    assert rules("jd-dhj") == ("", None)  # follows GONGKAI_LEGAL_REVIEW and GONGKAI_SEPARATE_DUTIES
    again = load(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_empty_cell_returns_a_unit_to_the_system_settings_and_an_absent_column_keeps_the_choice():
    load("code,name,parent,kind,legal_review,separate_duties\njindong,金东区人民政府,,government,all,yes\n")
    assert load("code,name,parent,kind\njindong,金东区人民政府,,government\n").unchanged == 1
    assert rules("jindong") == ("all", True)
    assert load("code,name,parent,kind,separate_duties\njindong,金东区人民政府,,government,\n").updated == 1
    assert rules("jindong") == ("all", None)


@pytest.mark.parametrize("column, value, words", [
    ("legal_review", "部分", "法制审核范围"),
    ("separate_duties", "也许", "是/否"),
])
def test_a_bad_value_is_an_error_naming_the_column_and_nothing_is_written(column, value, words):
    with pytest.raises(LedgerInvalid) as exc:
        load(f"code,name,parent,kind,{column}\njindong,金东区人民政府,,government,{value}\n")
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, column)]
    assert words in exc.value.errors[0].reason and value in exc.value.errors[0].reason
    assert not Unit.objects.exists()


def test_the_errors_read_in_english_too():
    from django.utils import translation

    with translation.override("en"), pytest.raises(LedgerInvalid) as exc:
        load("code,name,parent,kind,separate_duties\njindong,金东区人民政府,,government,也许\n")
    assert exc.value.errors[0].reason == "“也许” should be yes/no (是/否); empty follows the system setting."
