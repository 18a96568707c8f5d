"""The outcomes dashboard's charts, one function each, from numbers already computed.

Every function takes plain dataclasses (no ORM, no statistics: Wilson intervals, Kaplan–Meier
estimates and funnel limits come from the analytics layer and ``spinepath.clinical.funnel``) and
returns a :class:`~spinepath.lib.charts.svg.Chart`: the SVG for the page and the PDF, and its title
and one-sentence summary for the text alternative. Every chart shows its denominators (``n=…``);
a value the caller suppressed (``None``, e.g. a count below 5 for an analyst) is drawn as a gap
labelled "suppressed", never as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spinepath.clinical.funnel import Funnel, Position
from spinepath.lib.charts.svg import (
    BLACK,
    BLUE,
    GREEN,
    GREY,
    LIGHT_GREY,
    ORANGE,
    SERIES_STYLES,
    SKY,
    VERMILLION,
    VERMILLION_TEXT,
    Chart,
    figure,
    n_label,
    percent,
    style,
    to_svg,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SALT = "spinepath-outcomes"


@dataclass(frozen=True)
class Proportion:
    """A rate with its 95% interval (all as fractions 0–1) and its counts; ``value`` ``None`` when
    suppressed."""

    events: int | None
    n: int | None
    value: float | None
    low: float | None = None
    high: float | None = None


def _yerr(p: Proportion) -> tuple[float, float]:
    if p.value is None or p.low is None or p.high is None:
        return (0.0, 0.0)
    return (max(p.value - p.low, 0.0), max(p.high - p.value, 0.0))


def _grid(ax: Axes, axis: str = "y") -> None:
    ax.grid(axis=axis, color=LIGHT_GREY, linewidth=0.6)  # type: ignore[arg-type]
    ax.set_axisbelow(True)


# --- Responder rates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponderPoint:
    """Meaningful and substantial relief at one time point ("2 weeks", "3 months"…)."""

    label: str
    meaningful: Proportion
    substantial: Proportion


def responder_rates(points: Sequence[ResponderPoint], *, title: str | None = None) -> Chart:
    """Responder rates per time point with their 95% Wilson intervals as error bars."""
    title = title or "Responders at each follow-up (95% Wilson intervals)"
    with style(SALT):
        fig = figure(7.2, 3.6)
        ax = fig.add_subplot()
        xs = list(range(len(points)))
        series = (
            ("Meaningful relief (≥30%)", "meaningful", -0.12, SERIES_STYLES[0]),
            ("Substantial relief (≥50%)", "substantial", 0.12, SERIES_STYLES[1]),
        )
        for name, attr, dx, look in series:
            shown = [(x, getattr(p, attr)) for x, p in zip(xs, points, strict=True)]
            shown = [(x, r) for x, r in shown if r.value is not None]
            if not shown:
                continue
            ax.errorbar(
                [x + dx for x, _ in shown],
                [r.value * 100 for _, r in shown],
                yerr=[
                    [e * 100 for e in col]
                    for col in zip(*(_yerr(r) for _, r in shown), strict=True)
                ],
                label=name,
                color=look["color"],
                marker=look["marker"],
                linestyle="none",
                markersize=7,
                capsize=4,
                elinewidth=1.5,
            )
        for x, p in zip(xs, points, strict=True):
            if p.meaningful.value is None:
                ax.text(
                    x, 50, _gap(p.meaningful), ha="center", va="center", color=GREY, rotation=90
                )
        ax.set_xticks(xs, [f"{p.label}\n{n_label(p.meaningful.n)}" for p in points])
        ax.set_xlim(-0.6, max(len(points) - 0.4, 0.6))
        ax.set_ylim(0, 100)
        ax.set_ylabel("Patients with relief (%)")
        ax.set_xlabel("Time since injection")
        ax.set_title(title)
        _grid(ax)
        ax.legend(loc="upper right", fontsize=9)
        parts = [
            f"{p.label}: no answers yet"
            if p.meaningful.n == 0
            else f"{p.label}: {percent(p.meaningful.value)} meaningful"
            f"{_ci(p.meaningful)}, {percent(p.substantial.value)} substantial "
            f"({n_label(p.meaningful.n)})"
            for p in points
        ]
        summary = "Responder rates: " + ("; ".join(parts) if parts else "no follow-up yet") + "."
        return to_svg(fig, title=title, summary=summary)


def _gap(p: Proportion) -> str:
    """Why a rate is not drawn: nobody measured yet (n = 0) is not the same as a count hidden."""
    return "no answers yet" if p.n == 0 else "suppressed"


def _ci(p: Proportion) -> str:
    if p.value is None or p.low is None or p.high is None:
        return ""
    return f" (95% CI {p.low * 100:.0f}–{p.high * 100:.0f}%)"


# --- Kaplan–Meier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurvivalCurve:
    """A Kaplan–Meier estimate of staying relieved: step times (days from injection, starting at
    0), the estimate and its 95% band just after each time, numbers at risk at chosen days, and
    the median with its 95% interval (``None`` where not reached)."""

    days: Sequence[float]
    estimate: Sequence[float]
    low: Sequence[float]
    high: Sequence[float]
    at_risk: Sequence[tuple[float, int]]
    n: int
    events: int
    median: float | None = None
    median_low: float | None = None
    median_high: float | None = None


def relief_duration(curve: SurvivalCurve, *, title: str | None = None) -> Chart:
    """The Kaplan–Meier step curve of relief lasting, its confidence band and numbers at risk."""
    title = title or "How long relief lasted (Kaplan–Meier, 95% band)"
    with style(SALT):
        fig = figure(7.2, 4.2)
        ax, row = fig.subplots(2, 1, sharex=True, height_ratios=(6, 1))
        if curve.days:
            ax.fill_between(
                curve.days,
                [v * 100 for v in curve.low],
                [v * 100 for v in curve.high],
                step="post",
                color=SKY,
                alpha=0.4,
                linewidth=0,
                label="95% confidence band",
            )
            ax.step(
                curve.days,
                [v * 100 for v in curve.estimate],
                where="post",
                color=BLUE,
                linewidth=2,
                label=f"Still relieved ({n_label(curve.n)}, {curve.events:,} ended)",
            )
        if curve.median is not None:
            ax.axhline(50, color=GREY, linestyle=":", linewidth=1)
            ax.axvline(curve.median, color=VERMILLION, linestyle="--", linewidth=1.5)
            ax.text(
                curve.median,
                52,
                f" median {curve.median:g} days",
                color=VERMILLION_TEXT,
                ha="left",
                va="bottom",
            )
        ticks = [day for day, _ in curve.at_risk]
        right = max([*ticks, *curve.days, 1.0])
        ax.set_xlim(0, right * 1.02)
        ax.set_ylim(0, 102)
        ax.set_ylabel("Still relieved (%)")
        ax.set_title(title)
        _grid(ax)
        ax.legend(loc="upper right", fontsize=9)
        ax.tick_params(labelbottom=True)
        # The numbers at risk: a row of their own under the time axis.
        for day, count in curve.at_risk:
            row.text(day, 0.5, f"{count:,}", ha="center", va="center")
        row.set_ylim(0, 1)
        row.set_yticks([0.5], ["At risk"])
        row.tick_params(left=False, bottom=False, labelbottom=False, pad=16)
        for spine in row.spines.values():
            spine.set_visible(False)
        if ticks:
            ax.set_xticks(ticks, [f"{day:g}" for day in ticks])
        ax.set_xlabel("Days since injection")
        if curve.median is None:
            median = "the median was not reached"
        else:
            interval = ""
            if curve.median_low is not None and curve.median_high is not None:
                interval = f" (95% CI {curve.median_low:g}–{curve.median_high:g})"
            median = f"median duration {curve.median:g} days{interval}"
        summary = (
            f"Duration of relief for {curve.n:,} patients with relief, {curve.events:,} of whom "
            f"lost it: {median}."
        )
        return to_svg(fig, title=title, summary=summary)


# --- Mean change in scores ---------------------------------------------------------------------


@dataclass(frozen=True)
class MeanPoint:
    label: str
    mean: float | None
    low: float | None
    high: float | None
    n: int | None


@dataclass(frozen=True)
class ChangeSeries:
    """Mean change from baseline of one score ("Back pain") on one scale ("NRS points")."""

    name: str
    unit: str
    points: Sequence[MeanPoint]


def score_change(series: Sequence[ChangeSeries], *, title: str | None = None) -> Chart:
    """Mean change from baseline with 95% intervals over time; one panel per unit (NRS, ODI)."""
    title = title or "Mean change from before the injection (95% CI)"
    units = list(dict.fromkeys(s.unit for s in series)) or ["points"]
    labels = list(dict.fromkeys(p.label for s in series for p in s.points))
    with style(SALT):
        fig = figure(7.2, 2.2 + 1.6 * len(units))
        axes = fig.subplots(len(units), 1, sharex=True, squeeze=False)[:, 0]
        parts = []
        index = 0
        for ax, unit in zip(axes, units, strict=True):
            on_axis = [s for s in series if s.unit == unit]
            for offset, s in enumerate(on_axis):
                look = SERIES_STYLES[index % len(SERIES_STYLES)]
                index += 1
                dx = (offset - (len(on_axis) - 1) / 2) * 0.12
                shown = [p for p in s.points if p.mean is not None]
                xs = [labels.index(p.label) + dx for p in shown]
                means = [p.mean for p in shown if p.mean is not None]
                errors = [
                    [
                        max(p.mean - p.low, 0) if p.low is not None and p.mean is not None else 0
                        for p in shown
                    ],
                    [
                        max(p.high - p.mean, 0) if p.high is not None and p.mean is not None else 0
                        for p in shown
                    ],
                ]
                ax.errorbar(
                    xs,
                    means,
                    yerr=errors,
                    label=s.name,
                    capsize=4,
                    linewidth=1.5,
                    markersize=6,
                    **look,
                )
                parts += [
                    f"{s.name} {p.label} {p.mean:+.1f} {unit} ({n_label(p.n)})"
                    for p in shown
                    if p.mean is not None
                ]
            ax.axhline(0, color=GREY, linewidth=1)
            ax.set_ylabel(f"Change\n({unit})")
            _grid(ax)
            ax.legend(loc="lower left", fontsize=9, ncols=2)
        counts = {
            p.label: p.n for s in series for p in s.points if p.n is not None and p.mean is not None
        }
        axes[-1].set_xticks(
            range(len(labels)), [f"{label}\n{n_label(counts.get(label))}" for label in labels]
        )
        axes[-1].set_xlim(-0.5, max(len(labels) - 0.5, 0.5))
        axes[-1].set_xlabel("Time since injection (n: patients answering); below 0 is better")
        axes[0].set_title(title)
        summary = "Mean change: " + ("; ".join(parts) if parts else "no answers yet") + "."
        return to_svg(fig, title=title, summary=summary)


# --- PGIC --------------------------------------------------------------------------------------

PGIC_WORDS = (
    "Very much improved",
    "Much improved",
    "Minimally improved",
    "No change",
    "Minimally worse",
    "Much worse",
    "Very much worse",
)
# Improvement in blues (dark to light), no change grey, worse in oranges with a hatch: in colour
# and in grey the two sides differ.
PGIC_COLOURS = (BLUE, "#4d9fd6", "#a6d0ec", "#d9d9d9", "#f7c98b", ORANGE, VERMILLION)
PGIC_HATCHES = ("", "", "", "", "//", "//", "xx")


@dataclass(frozen=True)
class PgicRow:
    """Answers 1–7 at one time point (``counts[0]`` = very much improved); ``None`` if
    suppressed."""

    label: str
    counts: Sequence[int] | None


def pgic_distribution(rows: Sequence[PgicRow], *, title: str | None = None) -> Chart:
    """The patients' global impression of change at each time point as stacked horizontal bars."""
    title = title or "Patients' impression of change (PGIC)"
    with style(SALT):
        fig = figure(7.2, 1.6 + 0.5 * max(len(rows), 1))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        for category in range(7):
            lefts, widths = [], []
            for row in rows:
                total = sum(row.counts) if row.counts else 0
                if not row.counts or not total:
                    lefts.append(0.0)
                    widths.append(0.0)
                    continue
                lefts.append(sum(row.counts[:category]) / total * 100)
                widths.append(row.counts[category] / total * 100)
            ax.barh(
                ys,
                widths,
                left=lefts,
                height=0.6,
                color=PGIC_COLOURS[category],
                hatch=PGIC_HATCHES[category],
                edgecolor="#ffffff" if not PGIC_HATCHES[category] else "#5a3000",
                linewidth=0.5,
                label=f"{category + 1} {PGIC_WORDS[category]}",
            )
        labels = []
        parts = []
        for row in rows:
            answered = sum(row.counts) if row.counts else None
            labels.append(f"{row.label} ({n_label(answered)})")
            if row.counts and answered:
                improved = sum(row.counts[:3]) / answered
                parts.append(f"{row.label}: {improved * 100:.0f}% improved of {answered:,}")
            else:
                parts.append(f"{row.label}: suppressed")
        for y, row in zip(ys, rows, strict=True):
            if not row.counts or not sum(row.counts):
                ax.text(1, y, "suppressed", va="center", color=GREY)
        ax.set_yticks(ys, labels)
        ax.set_xlim(0, 100)
        ax.set_xlabel("Patients answering (%)")
        ax.set_title(title)
        fig.legend(loc="outside lower center", ncols=4, fontsize=8)
        summary = "Impression of change: " + ("; ".join(parts) if parts else "no answers") + "."
        return to_svg(fig, title=title, summary=summary)


# --- Rates by category (complications, questionnaire completion) -------------------------------


@dataclass(frozen=True)
class RateRow:
    label: str
    rate: Proportion


def _rate_bars(
    rows: Sequence[RateRow],
    *,
    title: str,
    xlabel: str,
    what: str,
    colour: str,
    hatch: str,
    high: float | None,
) -> Chart:
    with style(SALT):
        fig = figure(7.2, 1.5 + 0.45 * max(len(rows), 1))
        ax = fig.add_subplot()
        ys = list(range(len(rows)))[::-1]
        values = [r.rate.value * 100 if r.rate.value is not None else 0.0 for r in rows]
        has_ci = any(r.rate.low is not None for r in rows)
        errors = [
            [e * 100 for e in col] for col in zip(*(_yerr(r.rate) for r in rows), strict=True)
        ]
        ax.barh(
            ys,
            values,
            height=0.6,
            color=colour,
            hatch=hatch,
            edgecolor=BLACK,
            linewidth=0.6,
            xerr=errors if has_ci and rows else None,
            capsize=3,
            error_kw={"elinewidth": 1.2, "ecolor": BLACK},
        )
        top = high or max([*(r.rate.high or r.rate.value or 0 for r in rows), 0.01]) * 100 * 1.35
        for y, row, value in zip(ys, rows, values, strict=True):
            counts = (
                f"{row.rate.events:,}/{row.rate.n:,}"
                if row.rate.events is not None and row.rate.n is not None
                else n_label(row.rate.n)
            )
            words = "suppressed" if row.rate.value is None else f"{value:.1f}% ({counts})"
            edge = max(value, (row.rate.high or 0) * 100 if has_ci else 0)
            ax.text(edge + top * 0.01, y, " " + words, va="center", fontsize=9)
        ax.set_yticks(ys, [r.label for r in rows])
        ax.set_xlim(0, top)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        _grid(ax, "x")
        parts = [f"{r.label} {percent(r.rate.value, 1)} ({n_label(r.rate.n)})" for r in rows]
        summary = f"{what}: " + ("; ".join(parts) if parts else "none") + "."
        return to_svg(fig, title=title, summary=summary)


def complication_rates(rows: Sequence[RateRow], *, title: str | None = None) -> Chart:
    """Complication rates by type, each with its count out of the procedures (95% CI if given)."""
    return _rate_bars(
        rows,
        title=title or "Complications by type (per 100 procedures)",
        xlabel="Procedures with the complication (%)",
        what="Complication rates",
        colour=ORANGE,
        hatch="//",
        high=None,
    )


def decision_outcomes(rows: Sequence[RateRow], *, title: str | None = None) -> Chart:
    """Responder rates by the decision-support advice the patients received (the label may say
    how many clinicians overrode it)."""
    return _rate_bars(
        rows,
        title=title or "Meaningful relief by the decision received",
        xlabel="Responders of those measured (%)",
        what="Responder rates by decision",
        colour=BLUE,
        hatch="..",
        high=115.0,
    )


def questionnaire_completion(rows: Sequence[RateRow], *, title: str | None = None) -> Chart:
    """Questionnaires answered out of those due, at each time point."""
    return _rate_bars(
        rows,
        title=title or "Questionnaires answered at each time point",
        xlabel="Answered of those due (%)",
        what="Questionnaire completion",
        colour=GREEN,
        hatch="",
        high=115.0,
    )


# --- Funnel plot -------------------------------------------------------------------------------

_FUNNEL_POINTS = {
    Position.WITHIN: ("Within the 95% limits", GREY, "o"),
    Position.ABOVE_95: ("Above 95%", GREEN, "^"),
    Position.ABOVE_998: ("Above 99.8%", GREEN, "*"),
    Position.BELOW_95: ("Below 95%", VERMILLION, "v"),
    Position.BELOW_998: ("Below 99.8%", VERMILLION, "X"),
}


@dataclass(frozen=True)
class FunnelLabels:
    unit: str = "clinician"
    rate: str = "Responder rate (%)"
    denominator: str = "Procedures with follow-up (n)"
    title: str = ""
    label_outliers: bool = True


def funnel_plot(result: Funnel, *, labels: FunnelLabels | None = None) -> Chart:
    """Each unit's rate against its denominator, the overall rate and its 95% and 99.8% limits."""
    words = labels or FunnelLabels()
    title = words.title or f"Responder rate by {words.unit} against the overall rate (funnel plot)"
    with style(SALT):
        fig = figure(7.2, 4.4)
        ax = fig.add_subplot()
        ns = [c.n for c in result.curve]
        ax.plot(
            ns,
            [c.upper_998 * 100 for c in result.curve],
            color=BLACK,
            linestyle="--",
            linewidth=1.2,
            label="99.8% limits",
        )
        ax.plot(
            ns,
            [c.lower_998 * 100 for c in result.curve],
            color=BLACK,
            linestyle="--",
            linewidth=1.2,
        )
        ax.plot(
            ns,
            [c.upper_95 * 100 for c in result.curve],
            color=GREY,
            linestyle=":",
            linewidth=1.5,
            label="95% limits",
        )
        ax.plot(
            ns, [c.lower_95 * 100 for c in result.curve], color=GREY, linestyle=":", linewidth=1.5
        )
        ax.axhline(
            result.target * 100,
            color=BLUE,
            linewidth=1.5,
            label=f"Overall rate {result.target * 100:.1f}%",
        )
        for where, (name, colour, marker) in _FUNNEL_POINTS.items():
            placed = [p for p in result.units if p.position is where]
            if not placed:
                continue
            ax.scatter(
                [p.unit.n for p in placed],
                [p.unit.rate * 100 for p in placed],
                color=colour,
                marker=marker,
                s=60 if marker != "*" else 120,
                edgecolors=BLACK,
                linewidths=0.6,
                zorder=3,
                label=f"{name} ({len(placed)})",
            )
            if words.label_outliers and where is not Position.WITHIN:
                for p in placed:
                    ax.annotate(
                        p.unit.label,
                        (p.unit.n, p.unit.rate * 100),
                        xytext=(5, 3),
                        textcoords="offset points",
                        fontsize=8,
                    )
        total = sum(p.unit.n for p in result.units)
        ax.set_xlim(0, max(ns) * 1.05)
        ax.set_ylim(0, 100)
        ax.set_xlabel(f"{words.denominator}; {len(result.units)} {words.unit}s, {n_label(total)}")
        ax.set_ylabel(words.rate)
        ax.set_title(title)
        _grid(ax)
        ax.legend(loc="lower right", fontsize=8, ncols=2)
        outside = [p for p in result.units if p.position is not Position.WITHIN]
        detail = (
            ", ".join(f"{p.unit.label} {_FUNNEL_POINTS[p.position][0].lower()}" for p in outside)
            if outside
            else f"every {words.unit} is within the 95% limits"
        )
        summary = (
            f"Overall rate {result.target * 100:.1f}% across {len(result.units)} {words.unit}s "
            f"({n_label(total)}); {detail}."
        )
        return to_svg(fig, title=title, summary=summary)


__all__ = [
    "ChangeSeries",
    "FunnelLabels",
    "MeanPoint",
    "PgicRow",
    "Proportion",
    "RateRow",
    "ResponderPoint",
    "SurvivalCurve",
    "complication_rates",
    "funnel_plot",
    "pgic_distribution",
    "questionnaire_completion",
    "relief_duration",
    "responder_rates",
    "score_change",
]
