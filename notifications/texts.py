"""What an alert says, in the active language (LANGUAGE_CODE in a worker or a command).

Each kind's words are a template, notifications/templates/notifications/alerts/<kind>.txt: its first
line is the subject, the rest the body, each line a `{% translate %}` string holding `str.format`
fields (`{label}`, `{due_on:long}`). An AlertTexts renders each template once — one per sweep, so
10,000 alerts cost 10,000 `str.format` calls, not 10,000 template renders — and each alert fills
the fields. Dates take a style after the colon: `long` (2026年03月04日), `iso` (2026-03-04),
`month_day` (03月04日); the styles are translatable strftime formats.
"""

from __future__ import annotations

from datetime import date

from django.template import Context, Engine
from django.utils.translation import gettext

TEMPLATE = "notifications/alerts/{name}.txt"


class Day:
    """A date in a message: formats itself in the style named after the colon."""

    __slots__ = ("day", "styles")

    def __init__(self, day: date, styles: dict[str, str]):
        self.day, self.styles = day, styles

    def __format__(self, style: str) -> str:
        return self.day.strftime(self.styles[style or "iso"])


class AlertTexts:
    """The alert texts of the language active when it is made; each template rendered once."""

    def __init__(self) -> None:
        self._formats: dict[str, tuple[str, str]] = {}
        self.date_styles = {
            "iso": "%Y-%m-%d",
            "long": gettext("%Y年%m月%d日"),
            "month_day": gettext("%m月%d日"),
        }
        # parts of a sentence that a rule picks or repeats (the digest's lines)
        self.parts = {
            "days_left": gettext("距答复期限还有{left}个工作日"),
            "due_today": gettext("今天是答复期限"),
            "provisional": gettext("（暂定：跨入尚未载入放假安排的年度）"),
            "advice_agency": gettext("按条例第三十四条，逾期未提出意见的视为同意公开，请记录答复并继续办理。"),
            "advice_third_party": gettext(
                "按条例第三十二条，第三方逾期未提出意见的，由行政机关依照条例规定决定是否公开，请作出决定。"),
            "deadline_clause": gettext("，答复期限为 {due_on:long}"),
            "digest_unit": gettext("【{unit}】共{count}件，其中超期{overdue}件"),
            "digest_line": gettext("  · {label} 答复期限 {due_on:iso}（{state}） 经办人：{handler}  {link}"),
            "digest_overdue": gettext("已超期{days}个工作日"),
            "digest_left": gettext("还剩{days}个工作日"),
            "digest_no_handler": gettext("未指定"),
            "digest_more": gettext("……其余内容请登录系统查看（共{count}件）。"),
        }

    def formats(self, name: str) -> tuple[str, str]:
        """(subject, body) format strings of the template `name`, rendered on first use."""
        if name not in self._formats:
            text = Engine.get_default().get_template(TEMPLATE.format(name=name)).render(Context(autoescape=False))
            subject, _newline, body = text.rstrip("\n").partition("\n")
            self._formats[name] = (subject, body)
        return self._formats[name]

    def _values(self, values: dict) -> dict:
        styles = self.date_styles
        return {k: Day(v, styles) if isinstance(v, date) else v for k, v in values.items()}

    def render(self, name: str, **values) -> tuple[str, str]:
        """The subject and body of one alert."""
        subject, body = self.formats(name)
        values = self._values(values)
        return subject.format(**values), body.format(**values)

    def part(self, name: str, **values) -> str:
        return self.parts[name].format(**self._values(values)) if values else self.parts[name]
