"""Calibration statistics against hand-worked values and their defining properties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spinepath.clinical.calibration import (
    auc,
    brier,
    calibration_bins,
    logistic_fit,
    logit,
    validate,
    well_calibrated,
)


def test_auc_counts_pairs_and_ties_half() -> None:
    # Events 0.8, 0.4; non-events 0.4, 0.1: pairs (0.8>0.4, 0.8>0.1, 0.4=0.4 half, 0.4>0.1).
    assert auc([1, 1, 0, 0], [0.8, 0.4, 0.4, 0.1]) == pytest.approx(3.5 / 4)
    assert auc([1, 1, 1], [0.2, 0.3, 0.4]) is None


def test_brier_by_hand() -> None:
    assert brier([1, 0], [0.75, 0.25]) == pytest.approx(0.0625)


def test_true_probabilities_have_slope_near_1_and_intercept_near_0() -> None:
    rng = np.random.default_rng(1)
    p = rng.uniform(0.05, 0.95, 20_000)
    y = (rng.uniform(size=p.size) < p).astype(np.int_)
    checked = validate(y, p)
    assert checked.slope is not None and checked.intercept is not None
    assert checked.slope == pytest.approx(1.0, abs=0.08)
    assert checked.intercept == pytest.approx(0.0, abs=0.05)
    assert well_calibrated(checked)


def test_overconfident_predictions_have_a_slope_below_1() -> None:
    rng = np.random.default_rng(2)
    true = rng.uniform(0.2, 0.8, 20_000)
    y = (rng.uniform(size=true.size) < true).astype(np.int_)
    # Twice the true log-odds: too extreme, so the slope is about 0.5.
    extreme = 1 / (1 + np.exp(-2 * logit(true)))
    checked = validate(y, extreme)
    assert checked.slope == pytest.approx(0.5, abs=0.05)
    assert not well_calibrated(checked)


def test_logistic_fit_refuses_what_has_no_fit() -> None:
    assert logistic_fit(np.array([0.1, 0.2]), np.array([1.0, 1.0])) is None
    assert logistic_fit(np.array([0.3, 0.3]), np.array([0.0, 1.0])) is None


def test_bins_are_equal_sized_groups_by_prediction() -> None:
    bins = calibration_bins([0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.3, 0.6, 0.7, 0.9], bins=3)
    assert [b.n for b in bins] == [2, 2, 2]
    assert bins[0].mean_predicted == pytest.approx(0.15) and bins[0].observed == 0.0
    assert bins[2].observed == 0.5


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        validate([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        validate([0, 1], [0.1, 1.2])
    with pytest.raises(ValueError):
        validate([0, 1], [0.1])
    with pytest.raises(ValueError):
        validate([], [])
    assert math.isfinite(float(logit(np.array([0.0, 1.0]))[0]))
