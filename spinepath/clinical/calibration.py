"""How well a risk model predicts: discrimination (AUC), accuracy (Brier score) and calibration
(slope, intercept and a binned plot), from outcomes and predicted probabilities alone.

Plain numpy (and scipy's ranks), so the figures a model version stores are computed the same way
for every model and can be checked by hand. Definitions (Steyerberg, *Clinical Prediction Models*,
2nd ed., ch. 15; Van Calster et al., J Clin Epidemiol 2016):

- **AUC**: the probability that a random event has a higher prediction than a random non-event
  (ties count half): the Mann–Whitney U statistic over (events × non-events).
- **Brier score**: mean of (prediction − outcome)²; 0 is perfect, p(1−p) is a constant guess.
- **Calibration slope and intercept**: the logistic regression outcome ~ a + b·logit(prediction),
  fitted by Newton–Raphson (IRLS). b = 1 and a = 0 are perfect; b < 1 means predictions too
  extreme (over-fitting), b > 1 too timid. The intercept is that joint fit's ``a``.
- **Calibration-in-the-large**: mean outcome − mean prediction.
- **Bins**: predictions cut into ``bins`` groups of equal size (by rank); each bin's mean
  prediction against its observed rate, for the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

EPSILON = 1e-6
"""Predictions are clipped to [ε, 1 − ε] before the logit (an isotonic model predicts 0 or 1)."""


@dataclass(frozen=True)
class CalibrationBin:
    n: int
    mean_predicted: float
    observed: float


@dataclass(frozen=True)
class Validation:
    n: int
    events: int
    auc: float | None
    """None when every outcome is the same."""
    brier: float
    slope: float | None
    intercept: float | None
    """None when the logistic fit does not exist (one outcome, or constant predictions)."""
    in_the_large: float
    bins: tuple[CalibrationBin, ...]


def _arrays(
    outcomes: Sequence[int] | NDArray[np.int_], predicted: Sequence[float] | NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    y = np.asarray(outcomes, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("outcomes and predictions must be two lists of the same length")
    if y.size == 0:
        raise ValueError("no outcomes to validate against")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("outcomes must be 0 or 1")
    if not np.all(np.isfinite(p)) or np.any(p < 0) or np.any(p > 1):
        raise ValueError("predictions must be probabilities between 0 and 1")
    return y, p


def auc(
    outcomes: Sequence[int] | NDArray[np.int_], predicted: Sequence[float] | NDArray[np.float64]
) -> float | None:
    """Area under the ROC curve (Mann–Whitney, ties half); None with one class only."""
    y, p = _arrays(outcomes, predicted)
    events = int(y.sum())
    others = y.size - events
    if events == 0 or others == 0:
        return None
    from scipy.stats import rankdata  # scipy comes with lifelines

    ranks = np.asarray(rankdata(p), dtype=np.float64)
    u = float(ranks[y == 1].sum()) - events * (events + 1) / 2
    return u / (events * others)


def brier(
    outcomes: Sequence[int] | NDArray[np.int_], predicted: Sequence[float] | NDArray[np.float64]
) -> float:
    y, p = _arrays(outcomes, predicted)
    return float(np.mean((p - y) ** 2))


def logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, EPSILON, 1 - EPSILON)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def logistic_fit(
    x: NDArray[np.float64], y: NDArray[np.float64], *, iterations: int = 50
) -> tuple[float, float] | None:
    """(intercept, slope) of y ~ a + b·x by Newton–Raphson; None if it does not converge
    (perfect separation, one outcome only, or x constant)."""
    if np.all(y == y[0]) or float(np.ptp(x)) == 0.0:
        return None
    design = np.column_stack([np.ones_like(x), x])
    beta = np.zeros(2)
    for _ in range(iterations):
        eta = design @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        weights = mu * (1 - mu)
        hessian = design.T @ (design * weights[:, None])
        gradient = design.T @ (y - mu)
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            return None
        beta = beta + step
        if not np.all(np.isfinite(beta)):
            return None
        if float(np.max(np.abs(step))) < 1e-10:
            return float(beta[0]), float(beta[1])
    return None


def calibration_bins(
    outcomes: Sequence[int] | NDArray[np.int_],
    predicted: Sequence[float] | NDArray[np.float64],
    *,
    bins: int = 10,
) -> tuple[CalibrationBin, ...]:
    """Equal-size groups by predicted risk (ties kept in order of the input: stable sort)."""
    y, p = _arrays(outcomes, predicted)
    if bins < 1:
        raise ValueError("need at least one bin")
    order = np.argsort(p, kind="stable")
    found = []
    for part in np.array_split(order, min(bins, y.size)):
        if part.size:
            found.append(
                CalibrationBin(int(part.size), float(np.mean(p[part])), float(np.mean(y[part])))
            )
    return tuple(found)


def validate(
    outcomes: Sequence[int] | NDArray[np.int_],
    predicted: Sequence[float] | NDArray[np.float64],
    *,
    bins: int = 10,
) -> Validation:
    """Every figure above for one set of (ideally held-out) predictions."""
    y, p = _arrays(outcomes, predicted)
    fit = logistic_fit(logit(p), y)
    return Validation(
        n=int(y.size),
        events=int(y.sum()),
        auc=auc(y.astype(np.int_), p),
        brier=brier(y.astype(np.int_), p),
        slope=None if fit is None else fit[1],
        intercept=None if fit is None else fit[0],
        in_the_large=float(np.mean(y) - np.mean(p)),
        bins=calibration_bins(y.astype(np.int_), p, bins=bins),
    )


def well_calibrated(
    validation: Validation, *, slope_within: tuple[float, float] = (0.8, 1.2)
) -> bool:
    """The slope within ``slope_within`` (the acceptance range this service uses)."""
    slope = validation.slope
    return (
        slope is not None and math.isfinite(slope) and slope_within[0] <= slope <= slope_within[1]
    )
