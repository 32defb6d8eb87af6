"""A small line chart as plain SVG coordinates (server-rendered, no JavaScript). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Line:
    label: str
    css: str
    points: str  # "x,y x,y …" for <polyline points="…">
    last: int


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: int
    lines: list[Line]
    y_ticks: list[tuple[int, float]]  # (value, y)
    x_ticks: list[tuple[str, float]]  # (label, x)


def line_chart(days: list[date], series: list[tuple[str, str, list[int]]], *, width: int = 760,
               height: int = 200, left: int = 40, right: int = 28, top: int = 12, bottom: int = 26,
               x_every: int = 5) -> Chart:
    """Scale the series (label, css class, values per day) to a width × height box."""
    peak = max([max(values, default=0) for _, _, values in series] + [1])
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(days) - 1, 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(v: int) -> float:
        return round(top + plot_h - v * plot_h / peak, 1)

    lines = [
        Line(label, css, " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values)), values[-1] if values else 0)
        for label, css, values in series
    ]
    ticks = sorted({0, peak // 2, peak})
    return Chart(
        width=width, height=height, left=left, top=top, bottom=height - bottom,
        lines=lines,
        y_ticks=[(v, y(v)) for v in ticks],
        x_ticks=[(f"{d:%m-%d}", x(i)) for i, d in enumerate(days) if i % x_every == 0 or i == len(days) - 1],
    )
