"""信息处理费 under 国办函〔2020〕109号 (statute.md §3, §6.6): pure arithmetic, no database, no clock.

- 按件 (per_item): the applicant's ordinal k among their applications received by the unit in the
  natural month of the receipt date — 1–10 free, 11–30 100 元/件, then +100 元/件 every 10 件
  (31–40 200, 41–50 300, …).
- 按量 (per_page): the pages provided — 1–30 free, 31–100 10 元/页, 101–200 20 元/页, 201+ 40 元/页,
  cumulatively (250 pages: 70×10 + 100×20 + 50×40 = 4 700 元).
- One method per notice; no fee for an application received before 2021-01-01.

The basis texts are the 收费通知书's statutory wording (Chinese in every UI language, as the letters);
the refusals follow the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from .workflow import WorkflowError

IN_FORCE = date(2021, 1, 1)
PER_ITEM = "per_item"
PER_PAGE = "per_page"
METHODS = (PER_ITEM, PER_PAGE)
MAX_PAGES = 1_000_000  # more is a typo, not a disclosure
MAX_ORDINAL = 100_000


class FeeInputError(WorkflowError):
    """Input that has no fee: a clear message for the clerk (never a 500)."""


def per_item_fee(k: int) -> int:
    """元 for the k-th application of the month (109号第四条)."""
    if k <= 10:
        return 0
    if k <= 30:
        return 100
    return 100 * (1 + -(-(k - 30) // 10))  # 31–40 → 200, 41–50 → 300, …


def per_page_fee(pages: int) -> int:
    """元 for the pages provided (109号第五条), 超额累进."""
    return (
        10 * min(max(pages - 30, 0), 70)
        + 20 * min(max(pages - 100, 0), 100)
        + 40 * max(pages - 200, 0)
    )


def per_item_standard(k: int) -> str:
    if k <= 10:
        return "同一申请人一个自然月内申请10件以下（含10件）的，不收费"
    if k <= 30:
        return "一个自然月内第11件至第30件，每件100元"
    low = 30 + 10 * ((k - 31) // 10) + 1
    return "一个自然月内第%(low)d件至第%(high)d件，每件%(rate)d元" % {
        "low": low, "high": low + 9, "rate": per_item_fee(k),
    }


def per_page_standard(pages: int) -> str:
    return "30页以下（含30页）不收费；31至100页每页10元；101至200页每页20元；201页以上每页40元"


@dataclass(frozen=True)
class Quote:
    method: str
    amount: int  # 元
    basis: str
    ordinal: int | None = None
    pages: int | None = None

    def as_json(self) -> dict:
        out: dict[str, object] = {"method": self.method}
        if self.method == PER_ITEM:
            out["ordinal"] = self.ordinal
        else:
            out["pages"] = self.pages
        out["amount"] = self.amount
        out["basis"] = self.basis
        return out


def parse_pages(value: object) -> int | None:
    """The pages a clerk or a client typed: None when not given; FeeInputError when not a sane count."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FeeInputError(_("页数应为整数。"), field="pages")
    try:
        pages = int(str(value).strip())
    except ValueError:
        raise FeeInputError(_("页数应为整数。"), field="pages") from None
    if pages < 0:
        raise FeeInputError(_("页数不能为负数。"), field="pages")
    if pages > MAX_PAGES:
        raise FeeInputError(_("页数不能超过%(max)d页，请核对。") % {"max": MAX_PAGES}, field="pages")
    return pages


def choose_method(method: str | None, pages: int | None) -> str:
    """109号第三条: 按件 or 按量, never both. Pages given select 按量."""
    if method in (None, ""):
        return PER_PAGE if pages is not None else PER_ITEM
    if method not in METHODS:
        raise FeeInputError(_("计收方式只能是按件（per_item）或按量（per_page）。"), field="method")
    if method == PER_ITEM and pages is not None:
        raise FeeInputError(_("一份收费通知只能选择按件或按量一种方式计收，不能同时适用。"), field="pages")
    if method == PER_PAGE and pages is None:
        raise FeeInputError(_("按量计收需要填写提供的页数。"), field="pages")
    return method


def quote(*, received_on: date, ordinal: int | None = None, pages: int | None = None, method: str | None = None,
          has_id_number: bool = True) -> Quote:
    """The fee for one application. `ordinal` is its place in the applicant's month (1 for a
    request without an ID number: it counts by itself)."""
    method = choose_method(method, pages)
    before = received_on < IN_FORCE
    if method == PER_ITEM:
        if not isinstance(ordinal, int) or ordinal < 1 or ordinal > MAX_ORDINAL:
            raise FeeInputError(_("当月申请序号应为正整数。"), field="ordinal")
        amount = 0 if before else per_item_fee(ordinal)
        basis = (
            "国办函〔2020〕109号第四条，按件计收：本申请为该申请人%(y)d年%(m)d月向本机关提出的第%(k)d件申请；%(std)s"
            % {
                "y": received_on.year,
                "m": received_on.month,
                "k": ordinal,
                "std": per_item_standard(ordinal),
            }
        )
        if not has_id_number:
            basis += "（申请未登记证件号码，单独计件）"
    else:
        assert pages is not None  # choose_method refuses 按量 without pages
        amount = 0 if before else per_page_fee(pages)
        basis = "国办函〔2020〕109号第五条，按量计收：提供%(p)d页；%(std)s" % {
            "p": pages, "std": per_page_standard(pages),
        }
    if before:
        basis = "收到申请日期（%(d)s）早于2021年1月1日，国办函〔2020〕109号尚未施行，不收取信息处理费" % {
            "d": received_on.isoformat(),
        }
    return Quote(method=method, amount=amount, basis=basis, ordinal=ordinal if method == PER_ITEM else None,
                 pages=pages if method == PER_PAGE else None)
