"""Check digits of resident ID numbers (GB 11643) and credit codes (GB 32100): pure, no database."""

import pytest

from disclosure.idnumbers import (
    InvalidIdNumber,
    check_id_number,
    credit_code_check,
    is_valid_credit_code,
    is_valid_resident_id,
    mask_id_numbers_in_text,
    resident_id_check,
)


@pytest.mark.parametrize(
    "number, valid",
    [
        ("11010519491231002X", True),  # the standard's example, check digit X
        ("11010519491231002x", False),  # lower-case x is normalised by check_id_number, not here
        ("110105194912310021", False),  # wrong check digit
        ("330101199003151234", True),
        ("330101199002301234", False),  # 30 February
        ("33010119900315123", False),  # 17 characters
        ("3301011990031512345", False),  # 19 characters
        ("33010119900315123A", False),
    ],
)
def test_resident_id_check_digit_and_birth_date(number, valid):
    assert is_valid_resident_id(number) is valid


@pytest.mark.parametrize(
    "code, valid",
    [
        ("91350100M000100Y43", True),  # a published credit code
        ("91350100M000100Y44", False),
        ("91330700MA2XXXXL0X", True),
        ("91330700MA2XXXXX0X", False),
        ("91350100I000100Y43", False),  # I is not in the alphabet
    ],
)
def test_credit_code_check_character(code, valid):
    assert is_valid_credit_code(code) is valid


def test_check_characters_computed_agree_with_the_validators():
    assert resident_id_check("11010519491231002") == "X"
    assert credit_code_check("91350100M000100Y4") == "3"


@pytest.mark.parametrize(
    "value, person, expected",
    [
        ("11010519491231002x", True, "11010519491231002X"),  # x upper-cased
        (" 1101 0519 4912 3100 2X ", True, "11010519491231002X"),  # spaces dropped
        ("91350100M000100Y43", False, "91350100M000100Y43"),
        ("91350100M000100Y43", None, "91350100M000100Y43"),
        ("E12345678", True, "E12345678"),  # a passport: no check digit to verify
        ("330101900315123", True, "330101900315123"),  # an old 15-digit number
        ("H1234567890ABCDEFG", True, "H1234567890ABCDEFG"),  # 18 characters, no ID, a person: another document
    ],
)
def test_accepted_numbers_come_back_normalised(value, person, expected):
    assert check_id_number(value, person=person) == expected


@pytest.mark.parametrize(
    "value, person, says",
    [
        ("110105194912310021", True, "校验位"),
        ("110105194912310021", None, "校验位"),
        ("330101199002301237", True, "出生日期"),  # check digit right, 30 February
        ("91350100M000100Y44", False, "统一社会信用代码"),
        ("91350100M000100Y44", None, "统一社会信用代码"),
    ],
)
def test_wrong_numbers_are_refused_with_a_reason(value, person, says):
    with pytest.raises(InvalidIdNumber, match=says):
        check_id_number(value, person=person)


def test_an_all_digit_credit_code_is_accepted_for_an_organisation_but_not_as_a_persons_id():
    body = "91330100000000000"
    code = body + credit_code_check(body)
    assert code.isdigit() and not is_valid_resident_id(code)
    assert check_id_number(code, person=False) == code
    with pytest.raises(InvalidIdNumber):
        check_id_number(code, person=True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("申请人 11010519491231002X 已登记", "申请人 110***********002X 已登记"),
        ("id=330101199003151234&x=1", "id=330***********1234&x=1"),
        ("phone 13812345678 stays", "phone 13812345678 stays"),
        ("longer 3301011990031512345 is no ID", "longer 3301011990031512345 is no ID"),
    ],
)
def test_id_numbers_in_free_text_are_masked(text, expected):
    assert mask_id_numbers_in_text(text) == expected
