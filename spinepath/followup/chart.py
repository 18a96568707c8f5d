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
from functools import lru_cache

from spinepath.lib.charts.svg import presentation_attributes

# matplotlib is imported when the first chart is drawn (as lib/charts/svg.py does), not when the
# template tags that import this module load: it takes seconds, and most renders draw no chart.

SERIES = ("nrs_back", "nrs_leg", "odi", "pgic")
SERIES_WORDS = {
    "nrs_back": "Back pain",
    "nrs_leg": "Leg pain",
    "odi": "Disability (ODI)",
    "pgic": "Change (PGIC)",
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


Key = tuple[
    tuple[tuple[date, str, tuple[tuple[str, float], ...]], ...], tuple[tuple[date, str], ...]
]


def _key(data: ChartData) -> Key:
    return (
        tuple((o.on, o.label, tuple(sorted(o.scores.items()))) for o in data.observations),
        tuple(data.injections),
    )


def render_svg(data: ChartData, *, labelled_by: str) -> str:
    """The chart as an ``<svg>`` element (no XML prolog) for inline use: it scales to its box,
    and is an image labelled by the element ``labelled_by`` (the caption).

    Drawing takes a few hundred milliseconds; the same data always gives the same bytes, so
    each process keeps the most recent drawings and an unchanged episode is not drawn again."""
    return _labelled(_drawn(_key(data)), labelled_by)


@lru_cache(maxsize=256)
def _drawn(key: Key) -> str:
    observations, injections = key
    data = ChartData(
        observations=[Observation(on, label, dict(scores)) for on, label, scores in observations],
        injections=list(injections),
    )
    import matplotlib

    style = {"svg.hashsalt": "spinepath", "svg.fonttype": "none", "font.size": 11}
    with matplotlib.rc_context(style):
        return _draw(data)


def _labelled(svg: str, labelled_by: str) -> str:
    head, rest = svg.split(">", 1)
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    return f'{head} class="outcome-chart" role="img" aria-labelledby="{labelled_by}">{rest}'


def _draw(data: ChartData) -> str:
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    # Narrow enough that on a phone (the figure scaled to ~350 px) 11-pt text is still ~11 px.
    figure = Figure(figsize=(4.6, 6.0), layout="constrained")
    axes = figure.subplots(3, 1, sharex=True, height_ratios=(2, 1.3, 1.3))
    panels = (
        (axes[0], ("nrs_back", "nrs_leg"), (0, 10), "Pain"),
        (axes[1], ("odi",), (0, 100), "ODI"),
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
    axes[2].set_yticks([1, 4, 7], ["1 better", "4 same", "7 worse"])
    figure.legend(loc="outside upper center", ncols=2, frameon=False)
    for on, _ in data.injections:
        axes[0].text(
            on, 9.7, "injection ", rotation=90, ha="right", va="top", color="#444444", clip_on=True
        )
    locator = mdates.AutoDateLocator(minticks=3, maxticks=5)
    axes[2].xaxis.set_major_locator(locator)
    axes[2].xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return presentation_attributes(svg[svg.index("<svg") :])
