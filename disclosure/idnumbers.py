"""Check digits of Chinese identity numbers (pure, stdlib only).

- 居民身份证号码 (GB 11643-1999): 17 digits + a check digit 0-9 or X (ISO 7064 MOD 11-2);
  characters 7-14 are the date of birth.
- 统一社会信用代码 (GB 32100-2015): 18 characters from "0123456789ABCDEFGHJKLMNPQRTUWXY"
  (no I, O, S, V, Z), the last a MOD 31 check character.

Other documents (passports, 港澳台 permits, old 15-digit ID numbers) have no check digit we
can rely on and are accepted as typed. Only a value that *looks like* one of the two formats above
is checked, so a typo in a resident ID number or a credit code is caught at registration.
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.translation import gettext as _

# the log filter's masking of ID numbers in free text lives with the log filter (security is below us)
from security.logfilter import ID_NUMBER_RE as ID_NUMBER_RE
from security.logfilter import mask_id_numbers_in_text as mask_id_numbers_in_text

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

RESIDENT_ID_RE = re.compile(r"^\d{17}[\dX]$")
CREDIT_CODE_RE = re.compile(rf"^[{CREDIT_ALPHABET}]{{18}}$")
# Applicant types (models.ApplicantType values) that are organisations and so may give a credit code.
PERSON_TYPES = frozenset({"natural_person"})


class InvalidIdNumber(ValueError):
    """The value looks like a resident ID number or credit code but its check digit is wrong."""


def resident_id_check(body17: str) -> str:
    return ID_CHECK[sum(int(c) * w for c, w in zip(body17, ID_WEIGHTS, strict=True)) % 11]


def credit_code_check(body17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def is_valid_resident_id(value: str) -> bool:
    if not RESIDENT_ID_RE.match(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return resident_id_check(value[:17]) == value[17]


def is_valid_credit_code(value: str) -> bool:
    return bool(CREDIT_CODE_RE.match(value)) and credit_code_check(value[:17]) == value[17]


def normalize_id_number(value: object) -> str:
    """Trim, drop inner spaces and upper-case an 18-character number (a trailing x becomes X)."""
    text = str(value or "").strip()
    compact = re.sub(r"[\s\u3000]+", "", text)
    if len(compact) == 18 and compact.isascii() and compact.isalnum():
        return compact.upper()
    return text


def check_id_number(value: object, *, person: bool | None = None) -> str:
    """Return the normalised number, or raise InvalidIdNumber naming what is wrong.

    person=True (a natural person, an agent): an 18-digit value must be a valid resident ID number.
    person=False (an organisation): a valid resident ID number or credit code.
    person=None (type unknown): either.
    """
    number = normalize_id_number(value)
    if len(number) != 18 or not number.isascii() or not number.isalnum():
        return number  # another document (passport, permit, 15-digit ID): accepted as typed
    if RESIDENT_ID_RE.match(number):
        if is_valid_resident_id(number):
            return number
        if person is not True and is_valid_credit_code(number):
            return number
        if not resident_id_check(number[:17]) == number[17]:
            raise InvalidIdNumber(
                _("居民身份证号码校验位不正确（第18位应为%(c)s），请核对。") % {"c": resident_id_check(number[:17])}
            )
        raise InvalidIdNumber(_("居民身份证号码中的出生日期（%(d)s）不是有效日期，请核对。") % {"d": number[6:14]})
    if person is True:
        return number  # 18 letters and digits that are no resident ID: some other document
    if CREDIT_CODE_RE.match(number) and not is_valid_credit_code(number):
        raise InvalidIdNumber(_("统一社会信用代码校验位不正确，请核对。"))
    return number


def is_person(applicant_type: str | None) -> bool | None:
    if not applicant_type:
        return None
    return applicant_type in PERSON_TYPES


