"""Red-flag urgency: emergency same day, or urgent within two weeks (rules.md, red flags)."""

from __future__ import annotations

import pytest

from spinepath.clinical.red_flags import (
    EMERGENCY_FLAGS,
    NOT_A_REFERRAL,
    URGENT_FLAGS,
    Urgency,
    urgency,
)
from spinepath.clinical.vocab import RedFlag


@pytest.mark.parametrize(
    "flag",
    [
        "saddle_anaesthesia",
        "bladder_dysfunction",
        "bowel_dysfunction",
        "sexual_dysfunction",
        "bilateral_leg_symptoms",
        "fever",
        "iv_drug_use",
        "progressive_weakness",
    ],
)
def test_cauda_equina_infection_and_deteriorating_weakness_are_emergencies(flag: str) -> None:
    assert urgency([flag]) is Urgency.EMERGENCY


@pytest.mark.parametrize(
    "flag",
    [
        "cancer_history",
        "unexplained_weight_loss",
        "significant_trauma",
        "minor_trauma_with_osteoporosis",
    ],
)
def test_suspected_cancer_and_fracture_are_urgent_within_two_weeks(flag: str) -> None:
    assert urgency([flag]) is Urgency.URGENT


def test_the_most_pressing_flag_decides() -> None:
    assert urgency(["cancer_history", "saddle_anaesthesia"]) is Urgency.EMERGENCY
    assert urgency(["night_pain", "significant_trauma"]) is Urgency.URGENT


def test_no_flag_or_night_pain_alone_needs_no_referral() -> None:
    assert urgency([]) is None
    assert urgency(["night_pain"]) is None


def test_a_recent_infection_is_an_emergency_only_when_immunosuppressed() -> None:
    assert urgency(["recent_bacterial_infection"]) is None
    assert urgency(["recent_bacterial_infection"], immunosuppressed=False) is None
    assert urgency(["recent_bacterial_infection"], immunosuppressed=True) is Urgency.EMERGENCY


def test_an_unclassified_flag_is_never_under_called() -> None:
    assert urgency(["a_flag_added_later"]) is Urgency.EMERGENCY


def test_every_red_flag_is_classified_exactly_once() -> None:
    groups = [EMERGENCY_FLAGS, URGENT_FLAGS, NOT_A_REFERRAL]
    assert set[RedFlag]().union(*groups) == set(RedFlag)
    assert sum(len(g) for g in groups) == len(RedFlag)


def test_each_urgency_says_how_soon_in_words() -> None:
    assert "same day" in Urgency.EMERGENCY.label
    assert "2 weeks" in Urgency.URGENT.label
