"""The units file's two optional columns for letters (letters.md): 复议机关 and 文号前缀."""

import pytest

from disclosure.ledger import LedgerInvalid, import_units
from disclosure.models import Unit

pytestmark = pytest.mark.django_db


def load(text: str):
    return import_units(text.encode("utf-8"))


def test_the_columns_are_read_by_their_chinese_headers_and_a_second_import_changes_nothing():
    text = ("单位编码,单位名称,上级单位编码,单位类型,复议机关,文号前缀\n"
            "jindong,金东区人民政府,,government,金华市人民政府,金东政\n"
            "jd-fgj,金东区发展和改革局,jindong,department,,金东发改\n")
    assert load(text).created == 2
    root, dept = Unit.objects.get(code="jindong"), Unit.objects.get(code="jd-fgj")
    assert (root.reconsideration_body, root.letter_prefix) == ("金华市人民政府", "金东政")
    assert (dept.reconsideration_body, dept.letter_prefix) == ("", "金东发改")
    again = load(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_file_without_the_columns_keeps_what_is_stored():
    load("code,name,parent,kind,letter_prefix\njindong,金东区人民政府,,government,金东政\n")
    result = load("code,name,parent,kind\njindong,金东区人民政府,,government\n")
    assert result.unchanged == 1
    assert Unit.objects.get(code="jindong").letter_prefix == "金东政"


def test_a_value_too_long_is_an_error_naming_the_column():
    with pytest.raises(LedgerInvalid) as exc:
        load("code,name,parent,kind,letter_prefix\njindong,金东区人民政府,,government," + "长" * 30 + "\n")
    assert any(e.column == "letter_prefix" and "20" in e.reason for e in exc.value.errors)
