"""国办函〔2020〕109号 arithmetic (disclosure/fees.py): pure, no database."""

from datetime import date

import pytest

from disclosure import fees
from disclosure.fees import FeeInputError, choose_method, parse_pages, per_item_fee, per_page_fee, quote

D = date.fromisoformat


def page_rate(page: int) -> int:
    """The rate of the n-th page, straight from statute.md §3 (an independent reading)."""
    if page <= 30:
        return 0
    if page <= 100:
        return 10
    if page <= 200:
        return 20
    return 40


@pytest.mark.parametrize(
    ("k", "fee"),
    [(1, 0), (10, 0), (11, 100), (29, 100), (30, 100), (31, 200), (35, 200), (40, 200), (41, 300), (50, 300),
     (51, 400), (60, 400), (61, 500), (100, 800)],
)
def test_per_item_tiers(k, fee):
    assert per_item_fee(k) == fee


@pytest.mark.parametrize(
    ("pages", "fee"),
    [(0, 0), (1, 0), (30, 0), (31, 10), (100, 700), (101, 720), (200, 2700), (201, 2740), (250, 4700), (300, 6700)],
)
def test_per_page_tiers(pages, fee):
    assert per_page_fee(pages) == fee


def test_statute_examples():
    # statute.md §3: 250 pages → 70×10 + 100×20 + 50×40 = 4 700 元; the 35th application → 200 元
    assert quote(received_on=D("2024-05-03"), pages=250).amount == 4700
    assert quote(received_on=D("2024-05-03"), ordinal=35).amount == 200


@pytest.mark.parametrize("pages", range(0, 420, 7))
def test_per_page_is_the_sum_of_each_pages_rate(pages):
    assert per_page_fee(pages) == sum(page_rate(n) for n in range(1, pages + 1))


@pytest.mark.parametrize("k", range(1, 120))
def test_per_item_rises_100_every_ten_from_the_31st(k):
    expected = 0 if k <= 10 else 100 if k <= 30 else 100 * (2 + (k - 31) // 10)
    assert per_item_fee(k) == expected


def test_the_quote_json_has_the_contract_shape():
    item = quote(received_on=D("2026-03-02"), ordinal=11).as_json()
    assert list(item) == ["method", "ordinal", "amount", "basis"]
    assert item["method"] == "per_item" and item["ordinal"] == 11 and item["amount"] == 100
    assert "第11件" in item["basis"] and "109号" in item["basis"]
    page = quote(received_on=D("2026-03-02"), pages=31).as_json()
    assert list(page) == ["method", "pages", "amount", "basis"] and page["amount"] == 10


@pytest.mark.parametrize(("received", "amount"), [("2020-12-31", 0), ("2021-01-01", 200)])
def test_no_fee_before_2021(received, amount):
    q = quote(received_on=D(received), ordinal=35)
    assert q.amount == amount
    if amount == 0:
        assert "2021年1月1日" in q.basis
    assert quote(received_on=D(received), pages=250).amount == (4700 if amount else 0)


def test_a_request_without_an_id_number_counts_alone():
    q = quote(received_on=D("2026-03-02"), ordinal=1, has_id_number=False)
    assert q.amount == 0 and "单独计件" in q.basis


@pytest.mark.parametrize(
    ("value", "field"),
    [("-1", "pages"), (-5, "pages"), ("abc", "pages"), ("1.5", "pages"), (str(fees.MAX_PAGES + 1), "pages"),
     ("9" * 40, "pages"), (True, "pages")],
)
def test_bad_page_counts_are_clear_messages(value, field):
    with pytest.raises(FeeInputError) as info:
        parse_pages(value)
    assert info.value.field == field and str(info.value.message)


@pytest.mark.parametrize(("value", "pages"), [(None, None), ("", None), (" ", None), ("0", 0), (" 42 ", 42), (7, 7)])
def test_page_counts(value, pages):
    assert parse_pages(value) == pages


def test_one_method_per_notice():
    assert choose_method(None, None) == "per_item"
    assert choose_method(None, 5) == "per_page"
    assert choose_method("per_page", 5) == "per_page"
    with pytest.raises(FeeInputError, match="不能同时"):
        choose_method("per_item", 5)
    with pytest.raises(FeeInputError, match="页数"):
        choose_method("per_page", None)
    with pytest.raises(FeeInputError):
        choose_method("both", None)


@pytest.mark.parametrize("ordinal", [None, 0, -3, fees.MAX_ORDINAL + 1])
def test_a_per_item_quote_needs_a_real_ordinal(ordinal):
    with pytest.raises(FeeInputError):
        quote(received_on=D("2026-03-02"), ordinal=ordinal)
