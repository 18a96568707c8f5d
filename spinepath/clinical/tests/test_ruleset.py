"""The rule-set configuration: spec defaults, validated overrides, unconfirmed thresholds."""

from __future__ import annotations

import pytest

from spinepath.clinical.rules import RULES, validate_ruleset
from spinepath.clinical.ruleset import (
    DEFAULT,
    UNVERIFIED,
    RuleSetConfig,
    RuleSetConfigError,
    config_with_overrides,
)
from spinepath.clinical.vocab import Antithrombotic


def test_defaults_are_the_spec_values() -> None:
    c = DEFAULT
    assert (c.name, c.version) == ("nice-ng59-default", "2026.12.1")
    assert c.min_age == 16
    assert (c.pregnancy_check_min_age, c.pregnancy_check_max_age) == (12, 55)
    assert (c.inr_max_intermediate_risk, c.inr_max_low_risk) == (1.4, 3.0)
    assert (c.platelets_min, c.platelets_min_intermediate_risk) == (50, 100)
    assert c.hba1c_max_mmol_mol == 69
    assert (c.epidural_acute_max_weeks, c.epidural_severe_min_leg_nrs) == (12, 7)
    assert c.conservative_care_min_weeks == 4
    assert (c.mbb_min_relief_percent, c.mbb_max_age_months) == (50, 6)
    assert (c.rf_min_back_pain_nrs, c.rf_repeat_min_months) == (5, 16)
    assert c.steroid_min_interval_days == 14
    assert (c.steroid_region_frequent_count, c.steroid_region_limit_count) == (4, 5)
    assert c.steroid_any_site_frequent_count_6m == 4
    assert (c.steroid_cumulative_warn_12m_mg, c.steroid_cumulative_warn_36m_mg) == (200, 400)
    assert c.steroid_cumulative_limit_12m_mg == 400
    assert c.steroid_single_dose_warn_mg == 80
    assert (c.window_6m_days, c.window_12m_days, c.window_36m_days) == (183, 365, 1095)
    holds = {drug.value: hours for drug, hours in c.antithrombotic_hold_hours.items()}
    assert holds == {
        "warfarin": 120,
        "clopidogrel": 168,
        "prasugrel": 168,
        "ticagrelor": 120,
        "apixaban": 72,
        "rivaroxaban": 72,
        "edoxaban": 72,
        "dabigatran": 120,
        "enoxaparin_prophylactic": 12,
        "enoxaparin_therapeutic": 24,
        "heparin_subcutaneous": 6,
    }
    assert c.hold_hours(Antithrombotic.ASPIRIN) is None
    assert c.hold_hours(Antithrombotic.NSAID) is None


def test_overrides_apply_and_holds_merge_drug_by_drug() -> None:
    local = config_with_overrides(
        {"version": "clinic-2", "min_age": 18, "antithrombotic_hold_hours": {"prasugrel": 240}}
    )
    assert local.min_age == 18 and local.version == "clinic-2"
    assert local.hold_hours(Antithrombotic.PRASUGREL) == 240
    assert local.hold_hours(Antithrombotic.APIXABAN) == 72
    assert DEFAULT.hold_hours(Antithrombotic.PRASUGREL) == 168


def test_unknown_keys_are_an_error() -> None:
    with pytest.raises(RuleSetConfigError, match="inr_max"):
        config_with_overrides({"inr_max": 2})


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"min_age": -1}, "min_age"),
        ({"inr_max_intermediate_risk": "high"}, "inr_max_intermediate_risk"),
        ({"antithrombotic_hold_hours": {"garlic": 24}}, "antithrombotic_hold_hours"),
        ({"steroid_region_frequent_count": 5}, "steroid_region_frequent_count"),
        ({"window_6m_days": 400}, "6m < 12m < 36m"),
        ({"platelets_min": 120}, "platelets_min"),
    ],
)
def test_invalid_overrides_are_reported(overrides: dict[str, object], match: str) -> None:
    with pytest.raises(RuleSetConfigError, match=match) as error:
        config_with_overrides(overrides)
    assert error.value.problems


def test_the_configuration_is_frozen() -> None:
    with pytest.raises(ValueError):
        DEFAULT.min_age = 10  # type: ignore[misc]


def test_unverified_notes_name_real_settings() -> None:
    fields = set(RuleSetConfig.model_fields)
    for key in UNVERIFIED:
        assert key.split(".")[0] in fields
    assert "steroid_cumulative_limit_12m_mg" in UNVERIFIED
    assert "antithrombotic_hold_hours.clopidogrel" in UNVERIFIED
    assert "antithrombotic_hold_hours.warfarin" not in UNVERIFIED
    assert validate_ruleset(RULES, DEFAULT) == []
