"""The rules a letter follows (letters.md "What a letter says"), pure: no database, no clock.

- the legal basis of each outcome (条例 article and item);
- whether an outcome needs reasons;
- the remedy clause (救济告知) by the letter's date: before 2024-01-01 the old 行政复议法 (复议 to the
  本级人民政府 or the 上一级主管部门, or a lawsuit within 6个月); from 2024-01-01 the 2023 law
  (第二十三条: 复议前置 for 不予公开; 第二十四条: a department's 复议机关 is its 本级人民政府);
- the 复议机关 derived from the unit tree, or the body configured for the unit;
- dates written as GB/T 9704-2012 writes 成文日期.

Every text here is Chinese and is never translated: it is printed in an official letter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from disclosure.workflow import REFUSALS, Outcome

from .kinds import Kind

# 中华人民共和国行政复议法 (2023年修订) in force.
NEW_RECONSIDERATION_LAW = date(2024, 1, 1)

REGULATION = "《中华人民共和国政府信息公开条例》"

# outcome → the articles named in the reply (letters.md's table). The outcomes the table does not
# list: 行政查询事项 is a 不予公开 under 第三十六条第（三）项 (30号's row); 要求确认或重新出具 is answered
# like a repeated request, 第三十六条第（六）项; the closing outcomes carry the article they close
# under (第三十条 for no correction; 109号 for an unpaid fee); a withdrawal and "other" name none.
LEGAL_BASIS: dict[str, tuple[str, ...]] = {
    Outcome.ALREADY_PUBLIC: ("第三十六条第（一）项",),
    Outcome.GRANTED: ("第三十六条第（二）项",),
    Outcome.PARTIAL: ("第三十七条",),
    Outcome.REFUSED_STATE_SECRET: ("第十四条", "第三十六条第（三）项"),
    Outcome.REFUSED_LAW_PROHIBITED: ("第十四条", "第三十六条第（三）项"),
    Outcome.REFUSED_SECURITY_STABILITY: ("第十四条", "第三十六条第（三）项"),
    Outcome.REFUSED_THIRD_PARTY: ("第十五条", "第三十六条第（三）项"),
    Outcome.REFUSED_INTERNAL_AFFAIRS: ("第十六条第一款", "第三十六条第（三）项"),
    Outcome.REFUSED_PROCESS_INFO: ("第十六条第二款", "第三十六条第（三）项"),
    Outcome.REFUSED_ENFORCEMENT_FILE: ("第十六条第二款", "第三十六条第（三）项"),
    Outcome.REFUSED_QUERY_MATTER: ("第三十六条第（三）项",),
    Outcome.UNAVAILABLE_NOT_HELD: ("第三十六条第（四）项",),
    Outcome.NOT_THIS_AGENCY: ("第三十六条第（五）项",),
    Outcome.NOT_PROCESSED_DUPLICATE: ("第三十六条第（六）项",),
    Outcome.NOT_PROCESSED_CONFIRM: ("第三十六条第（六）项",),
    Outcome.SPECIAL_ACCESS: ("第三十六条第（七）项",),
    Outcome.UNAVAILABLE_NEEDS_CREATION: ("第三十八条",),
    Outcome.UNAVAILABLE_UNCLEAR: ("第三十条",),
    Outcome.NOT_PROCESSED_PETITION: ("第三十九条第一款",),
    Outcome.NOT_PROCESSED_PUBLICATION: ("第三十九条第二款",),
    Outcome.NOT_PROCESSED_EXCESSIVE: ("第三十五条",),
    Outcome.ABANDONED_NO_CORRECTION: ("第三十条",),
    Outcome.ABANDONED_FEE_UNPAID: (),
    Outcome.WITHDRAWN: (),
    Outcome.OTHER: (),
}

# Outcomes that give the applicant information: their letter is a 答复书; the others a 告知书.
GIVES_INFORMATION = frozenset({Outcome.ALREADY_PUBLIC, Outcome.GRANTED, Outcome.PARTIAL})

# Outcomes a reply letter is written for (the closing ones end without a reply: 终止办理).
NO_REPLY_LETTER = frozenset({Outcome.ABANDONED_NO_CORRECTION, Outcome.ABANDONED_FEE_UNPAID, Outcome.WITHDRAWN})


def legal_basis(outcome: str) -> str:
    """The articles of the 条例 an outcome rests on, joined as a letter writes them, e.g.
    "第十四条、第三十六条第（三）项"; "" for an outcome that names none."""
    if outcome not in LEGAL_BASIS:
        raise ValueError(f"unknown outcome {outcome!r}")
    return "、".join(LEGAL_BASIS[outcome])


def legal_basis_sentence(outcome: str) -> str:
    """"根据《中华人民共和国政府信息公开条例》第……的规定" or "" when the outcome names no article."""
    basis = legal_basis(outcome)
    return f"根据{REGULATION}{basis}的规定" if basis else ""


def needs_reasons(outcome: str | None) -> bool:
    """Reasons are required for every 不予公开 and for the withheld part of a partial disclosure."""
    return outcome in REFUSALS or outcome == Outcome.PARTIAL


def is_refusal(outcome: str | None) -> bool:
    return outcome in REFUSALS


def reply_document_name(outcome: str | None) -> str:
    """答复书 for an outcome that gives information, 告知书 for one that gives none (letters.md)."""
    if outcome in GIVES_INFORMATION or not outcome:
        return "政府信息公开申请答复书"
    return "政府信息公开申请告知书"


def format_cn_date(d: date | None) -> str:
    """2026年3月5日: Arabic numerals, no leading zeros (GB/T 9704-2012 成文日期)."""
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"


# --- 复议机关 -----------------------------------------------------------------------------------

GOVERNMENT, DEPARTMENT, TOWNSHIP = "government", "department", "township"


@dataclass(frozen=True)
class UnitInfo:
    """A unit as the rules see it: its name and kind (disclosure.models.Unit.Kind values)."""

    name: str
    kind: str


def _nearest_government(ancestors: list[UnitInfo]) -> UnitInfo | None:
    return next((u for u in ancestors if u.kind == GOVERNMENT), None)


def reconsideration_body(chain: list[UnitInfo], configured: str = "", *, on: date | None = None) -> str:
    """The body a 行政复议 goes to, named in full; "" when the tree gives none and none is configured.

    `chain` is the unit first, then its ancestors nearest first. The body configured for the unit
    (the units file's `reconsideration_body`) always wins: it is there for a unit with no government
    above it, or to override the default (a vertically managed body, 海关、税务). Otherwise, from
    2024-01-01 (行政复议法 第二十四条): a department's is its 本级人民政府 (the nearest ancestor of kind
    government); a township's or a government's is the government above it (its parent of kind
    government). Before 2024 (`on` earlier), a department's 复议 could go to the 本级人民政府 or the
    上一级主管部门: the clause names both.
    """
    configured = (configured or "").strip()
    if configured:
        return configured
    if not chain:
        return ""
    unit, ancestors = chain[0], list(chain[1:])
    old_law = on is not None and on < NEW_RECONSIDERATION_LAW
    if unit.kind in (TOWNSHIP, GOVERNMENT):
        parent = ancestors[0] if ancestors else None
        return parent.name if parent is not None and parent.kind == GOVERNMENT else ""
    government = _nearest_government(ancestors)
    if old_law:
        return f"{government.name}或者上一级主管部门" if government else "本级人民政府或者上一级主管部门"
    return government.name if government else ""


# --- 救济告知 -----------------------------------------------------------------------------------

# how a letter calls itself in the clause ("收到本答复书之日起")
_SELF_NAME: dict[str, tuple[str, str]] = {
    Kind.REPLY: ("本答复", "本答复书"),
    Kind.FEE_NOTICE: ("本通知", "本通知书"),
}


def _self_name(kind: str, outcome: str | None) -> tuple[str, str]:
    if kind == Kind.REPLY:
        if outcome and outcome not in GIVES_INFORMATION:
            return "本告知", "本告知书"
        return _SELF_NAME[Kind.REPLY]
    return _SELF_NAME.get(kind, ("本告知", "本告知书"))


# Kinds that carry a remedy clause (letters.md): every reply and these notices.
REMEDY_KINDS = frozenset(
    {Kind.REPLY, Kind.CORRECTION_NOTICE, Kind.EXTENSION_NOTICE, Kind.DELAY_NOTICE, Kind.FEE_NOTICE}
)


def has_remedy_clause(kind: str) -> bool:
    return kind in REMEDY_KINDS


def remedy_clause(letter_on: date, outcome: str | None, body: str, *, kind: str = Kind.REPLY) -> str:
    """救济告知 by the letter's date (letters.md). `body` is reconsideration_body(...) for that date;
    "" is written as 【待填写：行政复议机关】 so that a letter without one cannot pass for finished."""
    body = body or "【待填写：行政复议机关】"
    short, full = _self_name(kind, outcome)
    start = f"如您对{short}不服，可以在收到{full}之日起60日内"
    if letter_on < NEW_RECONSIDERATION_LAW:
        return f"{start}向{body}申请行政复议，或者在收到{full}之日起6个月内依法向人民法院提起行政诉讼。"
    if outcome in REFUSALS:
        return (
            f"{start}向{body}申请行政复议。依照《中华人民共和国行政复议法》第二十三条的规定，"
            f"对不予公开的答复，应当先申请行政复议；对行政复议决定不服的，可以依法向人民法院提起行政诉讼。"
        )
    if outcome == Outcome.PARTIAL:
        return (
            f"{start}向{body}申请行政复议。其中，对不予公开的部分，依照《中华人民共和国行政复议法》第二十三条的规定，"
            f"应当先申请行政复议，对行政复议决定不服的，可以依法向人民法院提起行政诉讼；"
            f"对其余部分，也可以在收到{full}之日起6个月内依法向人民法院提起行政诉讼。"
        )
    return f"{start}向{body}申请行政复议，或者在收到{full}之日起6个月内依法向人民法院提起行政诉讼。"
