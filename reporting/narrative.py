"""The report's words and charts, from the compile document: section 一's generated draft, the three
charts of the seed report, 同比, and the staff-edited text of 一/五/六.

Everything below `Context` is computed from one compile document (services.compile_report), so the
narrative, the charts and the tables cannot disagree (the seed report's narrative and channel chart
do: they swap 信函 and 网络). Only the previous year's new-request count and the fees collected are
read besides, by report_context().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from disclosure.models import Channel, FeeNotice, Unit
from disclosure.periods import Period

from . import queries as q
from . import tables as t
from .models import PublishedReport, ReportText

# Outcome groups of table 三 (the narrative's and the third chart's categories), in the format's order.
OUTCOME_GROUPS = (
    ("granted", gettext_noop("予以公开")),
    ("partial", gettext_noop("部分公开")),
    ("refused", gettext_noop("不予公开")),
    ("unavailable", gettext_noop("无法提供")),
    ("not_processed", gettext_noop("不予处理")),
    ("other", gettext_noop("其他处理")),
)
UNIT_KIND_LABELS = dict(Unit.Kind.choices)
CHANNEL_LABELS = dict(Channel.choices)
SECTION_TITLES = (
    gettext_noop("一、总体情况"),
    gettext_noop("二、主动公开政府信息情况"),
    gettext_noop("三、收到和处理政府信息公开申请情况"),
    gettext_noop("四、政府信息公开行政复议、行政诉讼情况"),
    gettext_noop("五、存在的主要问题及改进情况"),
    gettext_noop("六、其他需要报告的事项"),
)


def outcome_group(row_code: str) -> str | None:
    """The group of an outcome row (granted, partial, refused.* …); None for new/carried/total rows."""
    if row_code in t.NON_OUTCOME_ROWS:
        return None
    return row_code.split(".")[0]


def outcome_groups(doc: dict, column: int = len(t.COLUMNS) - 1) -> dict[str, int]:
    """Concluded requests per outcome group in one column of table 三 (default 总计)."""
    counts = {code: 0 for code, _l in OUTCOME_GROUPS}
    for code, values in doc["table3"]["rows"].items():
        group = outcome_group(code)
        if group:
            counts[group] += values[column]
    return counts


# --- Charts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chart:
    """A bar chart: categories along one axis, one or more series (stacked when more than one)."""

    code: str
    title: str
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def is_stacked(self) -> bool:
        return len(self.series) > 1

    def totals(self) -> list[int]:
        return [sum(values[i] for _n, values in self.series) for i in range(len(self.categories))]


def charts(doc: dict) -> list[Chart]:
    """The seed report's three charts: new requests by channel and by kind of unit, and the year's
    outcomes by applicant type (the groups of table 三, stacked)."""
    b = doc.get("breakdowns") or {}
    by_channel = b.get("by_channel") or {}
    by_kind = b.get("by_unit_kind") or {}
    columns = t.APPLICANT_COLUMNS
    per_column = [outcome_groups(doc, i) for i in range(len(columns))]
    return [
        Chart(
            "by_channel",
            _("依申请公开数量统计图（按申请方式分）"),
            tuple(str(CHANNEL_LABELS.get(c, c)) for c in by_channel),
            ((_("新收申请"), tuple(by_channel.values())),),
        ),
        Chart(
            "by_unit_kind",
            _("依申请公开数量统计图（按被申请对象分）"),
            tuple(str(UNIT_KIND_LABELS.get(k, k)) for k in by_kind),
            ((_("新收申请"), tuple(by_kind.values())),),
        ),
        Chart(
            "outcomes_by_applicant",
            _("%(year)s年依申请公开答复情况（按申请人类型分）") % {"year": doc["year"]},
            tuple(_(t.COLUMN_LABELS[c]) for c in columns),
            tuple((_(label), tuple(pc[code] for pc in per_column)) for code, label in OUTCOME_GROUPS),
        ),
    ]


# --- 同比 and the draft of section 一 -----------------------------------------------------------------


def change_text(current: int, previous: int | None) -> str:
    """同比: “同比上升12.5%” / “同比下降15.6%” / “与上年持平”; empty when last year is unknown."""
    if previous is None:
        return ""
    if previous == 0:
        return _("上年无新收申请") if current else _("与上年持平")
    if current == previous:
        return _("与上年持平")
    pct = (Decimal(abs(current - previous)) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)
    word = _("上升") if current > previous else _("下降")
    return _("同比%(word)s%(pct)s%%（上年%(prev)s件）") % {"word": word, "pct": pct, "prev": previous}


def _shares(items: list[tuple[str, int]]) -> list[tuple[str, int, Decimal]]:
    shares = t.percentages([n for _l, n in items])
    return [(label, n, s) for (label, n), s in zip(items, shares, strict=True)]


@dataclass(frozen=True)
class Context:
    """What the words need besides the compile document."""

    previous_new: int | None = None
    fees: tuple[Decimal, int] | None = None  # (amount in 元, notices paid) — 2021 edition's 六
    texts: dict[str, str] = field(default_factory=dict)  # ReportText section → text


def draft_overview(doc: dict, ctx: Context) -> list[str]:
    """Section 一's paragraphs: the staff's opening text, then the figures of tables 三 and 四."""
    rows = doc["table3"]["rows"]
    last = len(t.COLUMNS) - 1
    year, name = doc["year"], doc["unit"]["name"]
    paragraphs = []
    if ctx.texts.get("1", "").strip():
        paragraphs += [p for p in ctx.texts["1"].splitlines() if p.strip()]
    new = rows["new"][last]
    change = change_text(new, ctx.previous_new)
    kinds = [(str(UNIT_KIND_LABELS.get(k, k)), n) for k, n in (doc["breakdowns"].get("by_unit_kind") or {}).items()]
    channels = [(str(CHANNEL_LABELS.get(c, c)), n) for c, n in (doc["breakdowns"].get("by_channel") or {}).items()]
    text = _("1、受理情况。%(year)s年，%(name)s共新收政府信息公开申请%(new)s件") % {
        "year": year, "name": name, "new": new
    }
    text += f"，{change}" if change else ""
    if len(kinds) > 1:
        text += _("，其中") + "，".join(_("%(kind)s收到%(n)s件") % {"kind": k, "n": n} for k, n in kinds)
    text += "。"
    if channels and new:
        text += "；".join(
            _("以%(channel)s方式申请%(n)s件，占%(share)s%%") % {"channel": c, "n": n, "share": s}
            for c, n, s in _shares(channels)
        ) + "。"
    paragraphs.append(text)

    total = rows["total"][last]
    groups = [(_(label), outcome_groups(doc)[code]) for code, label in OUTCOME_GROUPS]
    text = _("2、办理情况。%(year)s年共办结政府信息公开申请%(total)s件（本年新收%(new)s件，上年结转%(cin)s件；"
             "结转下年度继续办理%(cout)s件）。") % {
        "year": year, "total": total, "new": new, "cin": rows["carried_in"][last], "cout": rows["carried_out"][last],
    }
    if total:
        text += _("其中") + "；".join(
            _("“%(group)s”%(n)s件，占%(share)s%%") % {"group": g, "n": n, "share": s}
            for g, n, s in _shares(groups) if n
        ) + "。"
    paragraphs.append(text)

    t4 = doc["table4"]
    litigation = t4["litigation_direct"]["total"] + t4["litigation_after_reconsideration"]["total"]
    paragraphs.append(
        _("3、行政复议和行政诉讼情况。因政府信息公开工作被申请行政复议%(rec)s件（结果维持%(ru)s件、结果纠正%(rc)s件、"
          "其他结果%(ro)s件、尚未审结%(rp)s件），被提起行政诉讼%(lit)s件（结果维持%(lu)s件、结果纠正%(lc)s件、"
          "其他结果%(lo)s件、尚未审结%(lp)s件）。") % {
            "rec": t4["reconsideration"]["total"], "ru": t4["reconsideration"]["upheld"],
            "rc": t4["reconsideration"]["corrected"], "ro": t4["reconsideration"]["other"],
            "rp": t4["reconsideration"]["pending"], "lit": litigation,
            **{f"l{k[0]}": t4["litigation_direct"][c] + t4["litigation_after_reconsideration"][c]
               for k, c in (("u", "upheld"), ("c", "corrected"), ("o", "other"), ("p", "pending"))},
        }
    )
    return paragraphs


def intro(doc: dict) -> str:
    year, name = doc["year"], doc["unit"]["name"]
    return _(
        "根据《中华人民共和国政府信息公开条例》（以下简称《条例》）的要求，向社会公开《%(name)s%(year)s年政府信息公开工作年度报告》。"
        "全文包括：总体情况，主动公开政府信息情况，收到和处理政府信息公开申请情况，政府信息公开行政复议、行政诉讼情况，"
        "存在的主要问题及改进情况，其他需要报告的事项。本年度报告中所列数据的统计期限：%(year)s年1月1日至%(year)s年12月31日。"
    ) % {"name": name, "year": year}


def title(doc: dict) -> str:
    return _("%(name)s%(year)s年政府信息公开工作年度报告") % {"name": doc["unit"]["name"], "year": doc["year"]}


def section_texts(doc: dict, ctx: Context) -> dict[str, list[str]]:
    """五 and 六: the staff's text; 六 of the 2021 edition also states the fees collected (国办函〔2020〕109号)."""
    year = doc["year"]
    problems = [p for p in ctx.texts.get("5", "").splitlines() if p.strip()] or [_("（待填写）")]
    other = [p for p in ctx.texts.get("6", "").splitlines() if p.strip()]
    if doc["edition"] == t.EDITION_2021 and ctx.fees is not None:
        amount, count = ctx.fees
        other.insert(
            0,
            _("%(year)s年度共收取政府信息公开信息处理费%(amount)s元（%(n)s件）。")
            % {"year": year, "amount": amount, "n": count}
            if count else _("%(year)s年度未收取政府信息公开信息处理费。") % {"year": year},
        )
    if not other:
        other = [_("%(year)s年度无其他需要报告的事项。") % {"year": year}]
    return {"5": problems, "6": other}


# --- What the words read besides the document (a few queries, constant in the number of requests) ----


def previous_new(unit: Unit, year: int) -> int | None:
    """Last year's new requests: its published report, else counted live; None before 2019."""
    if year - 1 < t.FIRST_YEAR:
        return None
    published = PublishedReport.objects.filter(unit=unit, year=year - 1, is_superseded=False).only("figures").first()
    if published is not None:
        return published.figures["table3"]["rows"]["new"][-1]
    return q.requests_in(unit).filter(q.q_new(Period.of_year(year - 1))).count()


def fees_collected(unit: Unit, year: int) -> tuple[Decimal, int]:
    """信息处理费 paid in the year on requests of the unit and everything below it."""
    agg = FeeNotice.objects.filter(
        Period.of_year(year).q("paid_on"), request__unit__path__startswith=unit.path
    ).aggregate(amount=Sum("amount"), n=Count("pk"))
    return Decimal(agg["amount"] or 0).quantize(Decimal("0.01")), agg["n"]


def report_context(unit: Unit, doc: dict) -> Context:
    texts = dict(ReportText.objects.filter(unit=unit, year=doc["year"]).values_list("section", "text"))
    fees = fees_collected(unit, doc["year"]) if doc["edition"] == t.EDITION_2021 else None
    return Context(previous_new=previous_new(unit, doc["year"]), fees=fees, texts=texts)


def context_for_document(doc: dict) -> Context:
    """For renderers that get only the document (annual_report --format docx|html)."""
    unit = Unit.objects.filter(code=doc["unit"]["code"]).first()
    return Context() if unit is None else report_context(unit, doc)
