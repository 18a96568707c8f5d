"""The steroid ledger's chart: the rolling 12-month total (mg methylprednisolone-equivalent) over
the last three years against the clinic's caution and limit lines, with a dot at each injection.

The numbers come in already computed (``spinepath.procedures.ledger`` takes them from the clinical
core in time linear in the number of injections); this module only draws. Two layouts: ``wide``
for a screen or the PDF, and ``narrow``, drawn for a phone's width so its text stays at least 11 px
once scaled (the threshold labels then sit above their lines instead of beside them).

Drawing a figure takes tens to hundreds of milliseconds, so drawings are kept, most recent first,
keyed by everything drawn and nothing else (:class:`LedgerChartData` and the layout). The SVG holds
only what the key holds (dates, totals, doses, the limits), no name or identifier of a patient, so
a kept drawing is byte for byte what drawing the same numbers again would give: the cache can only
hand a page the chart it would have drawn itself, after that page's own access check.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from spinepath.lib.charts.svg import BLUE, GREY, ORANGE, VERMILLION, Chart, figure, style, to_svg

LayoutKey = Literal["wide", "narrow"]
# Darker shades of the lines' colours for their labels: at least 4.5:1 on white (WCAG AA).
CAUTION_TEXT = "#8a5300"
LIMIT_TEXT = "#a63a00"


@dataclass(frozen=True)
class LedgerChartData:
    """What the chart draws, as plain values (hashable: it is the drawing cache's key)."""

    start: dt.date
    end: dt.date
    series: tuple[tuple[dt.date, float], ...]
    """The rolling total as steps: (the day it changes, the total from that day on)."""
    markers: tuple[tuple[dt.date, float, str], ...]
    """Each injection: the day, the rolling total that day (it included), words for a tooltip."""
    warn_mg: float
    limit_mg: float
    title: str
    description: str


@dataclass(frozen=True)
class _Layout:
    width: float  # points (= SVG user units)
    height: float
    left: float
    right: float
    top: float
    bottom: float
    font: float
    labels_beside: bool


LAYOUTS: dict[LayoutKey, _Layout] = {
    "wide": _Layout(720, 260, left=52, right=604, top=28, bottom=226, font=11, labels_beside=True),
    "narrow": _Layout(
        340, 250, left=40, right=326, top=30, bottom=214, font=12, labels_beside=False
    ),
}


def nice_max(value: float) -> tuple[float, float]:
    """A round top for the y axis at or above ``value``, and a tick step giving 4 to 6 ticks."""
    for step in (25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        top = math.ceil(value / step) * step
        if top / step <= 6:
            return float(top), float(step)
    step = 10 ** math.ceil(math.log10(value / 6))
    return float(math.ceil(value / step) * step), float(step)


def y_ticks(data: LedgerChartData) -> list[float]:
    highest = max(total for _, total in data.series)
    top, step = nice_max(max(data.limit_mg * 1.15, highest * 1.1))
    return [n * step for n in range(int(top / step) + 1)]


def steroid_ledger(data: LedgerChartData, *, layout: LayoutKey) -> Chart:
    """The chart drawn for ``layout``; the SVG has the classes ``ledger-chart-svg chart-<layout>``
    and each injection is a group of class ``mark`` with its words as a tooltip."""
    return _drawn(data, layout)


@lru_cache(maxsize=512)
def _drawn(data: LedgerChartData, layout: LayoutKey) -> Chart:
    with style(f"spinepath-ledger-{layout}"):
        return _draw(data, layout, LAYOUTS[layout])


def _draw(data: LedgerChartData, key: LayoutKey, at: _Layout) -> Chart:
    fig = figure(at.width / 72, at.height / 72, constrained=False)
    fig.subplots_adjust(
        left=at.left / at.width,
        right=at.right / at.width,
        top=1 - at.top / at.height,
        bottom=1 - at.bottom / at.height,
    )
    ax = fig.add_subplot()

    def x(on: dt.date) -> float:  # days from the start: no date converter needed
        return float((on - data.start).days)

    start, end = 0.0, max(x(data.end), 1.0)
    xs = [x(on) for on, _ in data.series]
    ys = [total for _, total in data.series]
    ax.fill_between(xs, ys, step="post", color=BLUE, alpha=0.12, linewidth=0)
    ax.step(xs, ys, where="post", color=BLUE, linewidth=2.2, solid_joinstyle="miter")
    ticks = y_ticks(data)
    ax.set_ylim(0, ticks[-1])
    ax.set_xlim(start, end)
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.grid(axis="y", color="#e4e9ef", linewidth=1)
    ax.set_axisbelow(True)
    # Years at 1 January, and "today" at the right end (a year too close to an end is left out).
    years = [
        dt.date(year, 1, 1)
        for year in range(data.start.year + 1, data.end.year + 1)
        if (data.end - dt.date(year, 1, 1)).days > 75
        and (dt.date(year, 1, 1) - data.start).days > 20
    ]
    ax.set_xticks(
        [x(d) for d in years] + [end],
        [str(d.year) for d in years] + ["today"],
    )
    ax.get_xticklabels()[-1].set_horizontalalignment("right")
    ax.tick_params(labelsize=at.font, colors="#4a5562")
    for value, words, colour, ink, dashes in (
        (data.warn_mg, f"caution {data.warn_mg:g} mg", ORANGE, CAUTION_TEXT, (6, 4)),
        (data.limit_mg, f"limit {data.limit_mg:g} mg", VERMILLION, LIMIT_TEXT, (2, 2)),
    ):
        ax.axhline(value, color=colour, linewidth=1.6, dashes=dashes)
        if at.labels_beside:
            ax.annotate(
                words,
                (1, value),
                xycoords=("axes fraction", "data"),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                color=ink,
                fontsize=at.font,
                fontweight="bold",
            )
        else:
            ax.annotate(
                words,
                (1, value),
                xycoords=("axes fraction", "data"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="right",
                va="bottom",
                color=ink,
                fontsize=at.font,
                fontweight="bold",
            )
    tooltips: dict[str, str] = {}
    for index, (on, total, words) in enumerate(data.markers):
        if not data.start <= on <= data.end:
            continue
        gid = f"injection-{index}"
        ax.plot(
            [x(on)],
            [total],
            marker="o",
            markersize=7,
            markerfacecolor="#ffffff",
            markeredgecolor=BLUE,
            markeredgewidth=2,
            linestyle="none",
            gid=gid,
            clip_on=False,
        )
        tooltips[gid] = words
    fig.text(
        at.left / at.width,
        1 - 14 / at.height,
        "mg MPE, rolling 12-month total",
        fontsize=at.font,
        fontweight="bold",
        color="#1b1f24",
        va="baseline",
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GREY)
    return to_svg(
        fig,
        title=data.title,
        summary=data.description,
        css_class=f"ledger-chart-svg chart-{key}",
        tooltips=tooltips,
    )
