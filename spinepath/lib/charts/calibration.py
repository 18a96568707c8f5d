"""A prediction model's calibration plot: mean predicted risk against the observed rate in each
group of cross-validated predictions, the ideal diagonal, and the fitted calibration line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from spinepath.lib.charts.svg import BLUE, GREY, VERMILLION, Chart, figure, style, to_svg


@dataclass(frozen=True)
class CalibrationPoint:
    n: int
    mean_predicted: float
    observed: float


def calibration_plot(
    points: Sequence[CalibrationPoint],
    *,
    slope: float | None,
    intercept: float | None,
    title: str,
) -> Chart:
    """Groups as dots (area by size), the diagonal dashed, the logistic calibration line solid."""
    with style("calibration"):
        fig = figure(5.0, 4.2)
        ax = fig.add_subplot()
        ax.plot([0, 1], [0, 1], color=GREY, linestyle="--", linewidth=1, label="Perfect")
        if slope is not None and intercept is not None:
            xs = [i / 100 for i in range(1, 100)]
            ys = [1 / (1 + math.exp(-(intercept + slope * math.log(x / (1 - x))))) for x in xs]
            ax.plot(xs, ys, color=VERMILLION, linewidth=1.5, label="Fitted calibration line")
        if points:
            biggest = max(p.n for p in points) or 1
            ax.scatter(
                [p.mean_predicted for p in points],
                [p.observed for p in points],
                s=[20 + 80 * p.n / biggest for p in points],
                color=BLUE,
                marker="o",
                label="Groups of patients",
                zorder=3,
            )
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("Predicted chance of meaningful relief at 6 weeks")
        ax.set_ylabel("Observed proportion")
        ax.set_title(title)
        ax.legend(loc="upper left")
    worst = max((abs(p.observed - p.mean_predicted) for p in points), default=0.0)
    summary = (
        f"{len(points)} groups of cross-validated predictions; the largest gap between predicted "
        f"and observed is {worst * 100:.0f} percentage points"
        + (
            f"; calibration slope {slope:.2f}, intercept {intercept:.2f}."
            if slope is not None and intercept is not None
            else "."
        )
    )
    return to_svg(fig, title=title, summary=summary)
