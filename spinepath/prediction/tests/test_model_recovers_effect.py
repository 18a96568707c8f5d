"""On a synthetic registry with a known effect (facet injections in high STarT Back risk patients
respond less), the model finds the direction and is calibrated on held-out data."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from spinepath.clinical.calibration import validate
from spinepath.clinical.people_like_you import Profile
from spinepath.prediction.training import NotEnoughData, feature_row, fit, predict

PROCEDURES = ("facet_joint_injection", "transforaminal_epidural")
RISKS = ("low", "medium", "high")


def _truth(procedure: str, risk: str, pain: int, repeat: bool) -> float:
    """The known model: facet injections in high-risk patients respond much less."""
    log_odds = 0.3 + 0.08 * (pain - 6) - (0.25 if repeat else 0.0)
    if risk == "high":
        log_odds -= 0.3
    if procedure == "facet_joint_injection" and risk == "high":
        log_odds -= 1.2
    return 1 / (1 + math.exp(-log_odds))


def _registry(n: int, seed: int) -> tuple[list[dict[str, Any]], list[int]]:
    rng = random.Random(seed)
    rows, outcomes = [], []
    for _ in range(n):
        procedure = rng.choice(PROCEDURES)
        condition = "facet_joint_arthritis" if procedure.startswith("facet") else "sciatica"
        risk = rng.choice(RISKS)
        pain = rng.randint(3, 10)
        repeat = rng.random() < 0.3
        weeks = rng.choice([None, rng.uniform(4, 200)])
        profile = Profile(condition, procedure, repeat, pain, risk, weeks)
        rows.append(feature_row(profile, steroid=True))
        outcomes.append(1 if rng.random() < _truth(procedure, risk, pain, repeat) else 0)
    return rows, outcomes


def test_the_model_recovers_the_direction_and_is_calibrated_on_held_out_data() -> None:
    train_rows, train_y = _registry(4000, seed=1)
    test_rows, test_y = _registry(3000, seed=2)
    fitted = fit(train_rows, train_y)
    assert fitted.method == "isotonic"  # 4,000 rows: isotonic, not Platt

    def chance(procedure: str, risk: str) -> float:
        condition = "facet_joint_arthritis" if procedure.startswith("facet") else "sciatica"
        profile = Profile(condition, procedure, False, 7, risk, 30.0)
        return predict(fitted.pipeline, [feature_row(profile, steroid=True)])[0]

    # Facet injections: high risk responds less than low risk, and by more than epidurals do.
    facet_gap = chance("facet_joint_injection", "low") - chance("facet_joint_injection", "high")
    epidural_gap = chance("transforaminal_epidural", "low") - chance(
        "transforaminal_epidural", "high"
    )
    assert facet_gap > 0.15
    assert facet_gap > epidural_gap

    held_out = validate(test_y, predict(fitted.pipeline, test_rows))
    assert held_out.slope is not None and 0.8 <= held_out.slope <= 1.2
    assert held_out.auc is not None and held_out.auc > 0.6
    # The cross-validated figures stored with a version say the same.
    assert fitted.validation.slope is not None and 0.8 <= fitted.validation.slope <= 1.2


def test_platt_scaling_below_a_thousand_rows_and_too_few_rows_are_refused() -> None:
    rows, outcomes = _registry(400, seed=3)
    assert fit(rows, outcomes).method == "sigmoid"
    with pytest.raises(NotEnoughData, match="99 procedures"):
        fit(rows[:99], outcomes[:99])
