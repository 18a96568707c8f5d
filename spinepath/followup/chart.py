"""The episode's scores over time as an SVG drawn on the server (matplotlib, no JavaScript).

Three panels share the time axis: back and leg pain (NRS 0–10), disability (ODI 0–100) and the
patient's global impression of change (PGIC 1–7, "very much improved" at the top). Each
injection is a dashed vertical line. The figure is built with ``matplotlib.figure.Figure`` (no
pyplot state, so concurrent requests do not share a figure) and saved as SVG with text kept as
text and a fixed hash salt and no date, so the same data always gives the same bytes.

The chart is decoration for sighted readers; ``series_rows`` is the same data as a table, which
the page shows beside it as the text alternative.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date

import matplotlib
from matplotlib import dates as mdates
from matplotlib.figure import Figure

SERIES = ("nrs_back", "nrs_leg", "odi", "pgic")
SERIES_WORDS = {
    "nrs_back": "Back pain (0–10)",
    "nrs_leg": "Leg pain (0–10)",
    "odi": "Disability, ODI (0–100)",
    "pgic": "Change, PGIC (1 best – 7 worst)",
}
# Okabe–Ito colours, told apart by marker and line style as well as colour.
STYLE = {
    "nrs_back": {"color": "#0072B2", "marker": "o", "linestyle": "-"},
    "nrs_leg": {"color": "#D55E00", "marker": "s", "linestyle": "--"},
    "odi": {"color": "#009E73", "marker": "^", "linestyle": "-"},
    "pgic": {"color": "#CC79A7", "marker": "D", "linestyle": "-"},
}


@dataclass(frozen=True)
class Observation:
    on: date
    label: str
    """What the point is: "Baseline", "2 weeks"…"""
    scores: dict[str, float]


@dataclass
class ChartData:
    observations: list[Observation] = field(default_factory=list)
    injections: list[tuple[date, str]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(o.scores for o in self.observations)


def series_rows(data: ChartData) -> list[dict[str, object]]:
    """The chart's data, one row per observation, in date order (the text alternative)."""
    return [
        {"on": o.on, "label": o.label, **{code: o.scores.get(code) for code in SERIES}}
        for o in sorted(data.observations, key=lambda o: o.on)
    ]


def render_svg(data: ChartData, *, labelled_by: str) -> str:
    """The chart as an ``<svg>`` element (no XML prolog) for inline use: it scales to its box,
    and is an image labelled by the element ``labelled_by`` (the caption)."""
    with matplotlib.rc_context({"svg.hashsalt": "spinepath", "svg.fonttype": "none"}):
        svg = _draw(data)
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} class="outcome-chart" role="img" aria-labelledby="{labelled_by}">{rest}'


def _draw(data: ChartData) -> str:
    figure = Figure(figsize=(7.5, 5.4), layout="constrained")
    axes = figure.subplots(3, 1, sharex=True, height_ratios=(2, 1.3, 1.3))
    panels = (
        (axes[0], ("nrs_back", "nrs_leg"), (0, 10), "Pain (0–10)"),
        (axes[1], ("odi",), (0, 100), "ODI (0–100)"),
        (axes[2], ("pgic",), (7.3, 0.7), "PGIC"),
    )
    ordered = sorted(data.observations, key=lambda o: o.on)
    for ax, codes, limits, ylabel in panels:
        for code in codes:
            points = [(o.on, o.scores[code]) for o in ordered if o.scores.get(code) is not None]
            if points:
                xs, ys = zip(*points, strict=True)
                ax.plot(xs, ys, label=SERIES_WORDS[code], linewidth=2, markersize=6, **STYLE[code])
        for on, _ in data.injections:
            ax.axvline(on, color="#444444", linestyle=":", linewidth=1.5)
        ax.set_ylim(*limits)
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    axes[2].set_yticks([1, 4, 7], ["1 much better", "4 same", "7 much worse"])
    axes[0].legend(loc="upper right", fontsize="small", frameon=False)
    for on, words in data.injections:
        axes[0].annotate(
            words,
            xy=(on, 10),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize="small",
            color="#444444",
        )
    axes[2].xaxis.set_major_formatter(mdates.DateFormatter("%-d %b %Y"))
    figure.autofmt_xdate()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
