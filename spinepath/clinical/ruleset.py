"""Every threshold the rules and steroid checks use, in one versioned configuration object.

The numbers in ``shared/clinical/rules.md`` and ``steroids.md`` are defaults that a clinic may
change (``SPINEPATH_RULESET_OVERRIDES`` in Django settings). Keeping them in one frozen object,
with a name and version stored beside every decision, is what lets a decision be reproduced and
explained later. Overrides are validated: a misspelt key is an error at start-up, never a silently
ignored safety limit.

Time windows: "months" in the suitability rules (MBB age, RF repeat) are calendar months counted
back from the assessment date; the steroid windows are fixed day counts (12 months = 365 days,
6 months = 183 days, 36 months = 1095 days), so a rolling window is unambiguous and an injection
dated exactly ``window_days`` before the planned one has dropped out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spinepath.clinical.vocab import Antithrombotic, lower_label

DEFAULT_HOLD_HOURS: dict[Antithrombotic, float] = {
    Antithrombotic.WARFARIN: 120,
    Antithrombotic.CLOPIDOGREL: 168,
    Antithrombotic.PRASUGREL: 168,
    Antithrombotic.TICAGRELOR: 120,
    Antithrombotic.APIXABAN: 72,
    Antithrombotic.RIVAROXABAN: 72,
    Antithrombotic.EDOXABAN: 72,
    Antithrombotic.DABIGATRAN: 120,
    Antithrombotic.ENOXAPARIN_PROPHYLACTIC: 12,
    Antithrombotic.ENOXAPARIN_THERAPEUTIC: 24,
    Antithrombotic.HEPARIN_SUBCUTANEOUS: 6,
}
"""Hours since the last dose before an intermediate-risk procedure (ASRA 2018 [19][21]).

Aspirin and NSAIDs are absent on purpose: they need no hold (aspirin gets a shared decision).
"""


class RuleSetConfig(BaseModel):
    """The thresholds of one rule set; ``name`` and ``version`` travel with every decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(default="nice-ng59-default", min_length=1)
    version: str = Field(default="2026.12.1", min_length=1)

    # Who and when.
    min_age: int = Field(default=16, ge=0)
    pregnancy_check_min_age: int = Field(default=12, ge=0)
    pregnancy_check_max_age: int = Field(default=55, ge=0)

    # Bleeding.
    inr_max_intermediate_risk: float = Field(default=1.4, gt=0)
    inr_max_low_risk: float = Field(default=3.0, gt=0)
    platelets_min: float = Field(default=50, ge=0)
    platelets_min_intermediate_risk: float = Field(default=100, ge=0)
    antithrombotic_hold_hours: dict[Antithrombotic, float] = Field(
        default_factory=lambda: dict(DEFAULT_HOLD_HOURS)
    )
    dabigatran_low_crcl_hold_hours: float = Field(default=144, ge=0)
    dabigatran_low_crcl_below_ml_min: float = Field(default=50, gt=0)

    # Diabetes.
    hba1c_max_mmol_mol: float = Field(default=69, gt=0)

    # NICE NG59 indications.
    epidural_acute_max_weeks: float = Field(default=12, gt=0)
    epidural_severe_min_leg_nrs: int = Field(default=7, ge=0, le=10)
    conservative_care_min_weeks: float = Field(default=4, ge=0)
    mbb_min_relief_percent: float = Field(default=50, ge=0, le=100)
    mbb_max_age_months: int = Field(default=6, ge=1)
    rf_min_back_pain_nrs: int = Field(default=5, ge=0, le=10)
    rf_repeat_min_months: int = Field(default=16, ge=0)
    repeat_min_relief_percent: float = Field(default=50, ge=0, le=100)

    # Steroid exposure (steroids.md); windows include the planned injection.
    steroid_min_interval_days: int = Field(default=14, ge=0)
    steroid_region_frequent_count: int = Field(default=4, ge=1)
    steroid_region_limit_count: int = Field(default=5, ge=1)
    steroid_any_site_frequent_count_6m: int = Field(default=4, ge=1)
    steroid_cumulative_warn_12m_mg: float = Field(default=200, gt=0)
    steroid_cumulative_warn_36m_mg: float = Field(default=400, gt=0)
    steroid_cumulative_limit_12m_mg: float = Field(default=400, gt=0)
    steroid_single_dose_warn_mg: float = Field(default=80, gt=0)
    window_6m_days: int = Field(default=183, ge=1)
    window_12m_days: int = Field(default=365, ge=1)
    window_36m_days: int = Field(default=1095, ge=1)

    # Rules this rule set switches off (codes, sorted). Only a rule that allows it may be off
    # (``Rule.switchable``): ``decision.evaluate`` runs every other rule whatever this says, and
    # ``rules.validate_ruleset`` and ``governance.check_proposal`` refuse anything else.
    disabled_rules: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        if self.pregnancy_check_min_age > self.pregnancy_check_max_age:
            problems.append("pregnancy_check_min_age is above pregnancy_check_max_age")
        if self.inr_max_intermediate_risk > self.inr_max_low_risk:
            problems.append("inr_max_intermediate_risk is above inr_max_low_risk")
        if self.platelets_min > self.platelets_min_intermediate_risk:
            problems.append("platelets_min is above platelets_min_intermediate_risk")
        if self.steroid_region_frequent_count >= self.steroid_region_limit_count:
            problems.append(
                "steroid_region_frequent_count must be below steroid_region_limit_count"
            )
        if self.steroid_cumulative_warn_12m_mg > self.steroid_cumulative_limit_12m_mg:
            problems.append(
                "steroid_cumulative_warn_12m_mg is above steroid_cumulative_limit_12m_mg"
            )
        if not self.window_6m_days < self.window_12m_days < self.window_36m_days:
            problems.append("steroid windows must satisfy 6m < 12m < 36m")
        if list(self.disabled_rules) != sorted(set(self.disabled_rules)):
            problems.append("disabled_rules must be sorted rule codes, each once")
        if any(hours < 0 for hours in self.antithrombotic_hold_hours.values()):
            problems.append("antithrombotic_hold_hours must not be negative")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}"

    def hold_hours(self, drug: Antithrombotic, crcl_ml_min: float | None = None) -> float | None:
        """Hours to hold ``drug`` before an intermediate-risk procedure; ``None``: no hold.

        Dabigatran is cleared by the kidneys: below ``dabigatran_low_crcl_below_ml_min`` of
        creatinine clearance its hold lengthens (steroids.md), never shortens.
        """
        hold = self.antithrombotic_hold_hours.get(drug)
        if (
            hold is not None
            and drug is Antithrombotic.DABIGATRAN
            and crcl_ml_min is not None
            and crcl_ml_min < self.dabigatran_low_crcl_below_ml_min
        ):
            return max(hold, self.dabigatran_low_crcl_hold_hours)
        return hold


DEFAULT = RuleSetConfig()

UNVERIFIED: Mapping[str, str] = {
    "inr_max_intermediate_risk": "ASRA asks for a normal INR; the 1.4 cut-off is unconfirmed [21]",
    "inr_max_low_risk": "ASRA asks for a normal INR; the 3.0 cut-off is unconfirmed [21]",
    "platelets_min": "local default, source unconfirmed",
    "platelets_min_intermediate_risk": "local default, source unconfirmed",
    "hba1c_max_mmol_mol": "threshold unconfirmed [23][24]",
    "epidural_acute_max_weeks": "local threshold for NICE's 'acute' sciatica [3]",
    "epidural_severe_min_leg_nrs": "local threshold for NICE's 'severe' sciatica [3]",
    "rf_min_back_pain_nrs": "NG59 1.3.2 wording unconfirmed",
    "steroid_cumulative_limit_12m_mg": "local default, source unconfirmed",
    "steroid_single_dose_warn_mg": "local default, source unconfirmed",
    "antithrombotic_hold_hours.clopidogrel": "ASRA hold unconfirmed [19][21]",
    "antithrombotic_hold_hours.prasugrel": "ASRA hold unconfirmed; some advise 10 days [19][21]",
    "antithrombotic_hold_hours.ticagrelor": "ASRA hold unconfirmed [19][21]",
    "antithrombotic_hold_hours.apixaban": "ASRA hold unconfirmed [19][21]",
    "antithrombotic_hold_hours.rivaroxaban": "ASRA hold unconfirmed [19][21]",
    "antithrombotic_hold_hours.edoxaban": "ASRA hold unconfirmed [19][21]",
    "antithrombotic_hold_hours.dabigatran": "ASRA hold unconfirmed; 6 days with renal impairment",
    "dabigatran_low_crcl_hold_hours": "ASRA hold unconfirmed [19][21]",
}
"""Thresholds marked "(verify)" in the spec: the UI says "configurable; source unconfirmed"."""


class Threshold(NamedTuple):
    """How a threshold reads for people: what it is and its unit ("" for a plain number)."""

    label: str
    unit: str = ""

    def describe(self, value: Any) -> str:
        """``HbA1c above which a steroid is deferred: 69 mmol/mol``."""
        shown = f"{value:g}" if isinstance(value, int | float) else str(value)
        return f"{self.label}: {shown}{' ' + self.unit if self.unit else ''}"


THRESHOLDS: Mapping[str, Threshold] = {
    "min_age": Threshold("Youngest age the service treats", "years"),
    "pregnancy_check_min_age": Threshold("Youngest age asked about pregnancy", "years"),
    "pregnancy_check_max_age": Threshold("Oldest age asked about pregnancy", "years"),
    "inr_max_intermediate_risk": Threshold("Highest INR for an epidural"),
    "inr_max_low_risk": Threshold("Highest INR for a facet, medial branch or sacroiliac injection"),
    "platelets_min": Threshold("Lowest platelet count for any injection", "×10⁹/L"),
    "platelets_min_intermediate_risk": Threshold("Lowest platelet count for an epidural", "×10⁹/L"),
    "dabigatran_low_crcl_hold_hours": Threshold(
        "Dabigatran hold when creatinine clearance is low", "hours"
    ),
    "dabigatran_low_crcl_below_ml_min": Threshold(
        "Creatinine clearance below which the dabigatran hold is longer", "ml/min"
    ),
    "hba1c_max_mmol_mol": Threshold("HbA1c above which a steroid injection waits", "mmol/mol"),
    "epidural_acute_max_weeks": Threshold("Longest sciatica still called acute", "weeks"),
    "epidural_severe_min_leg_nrs": Threshold("Leg pain score that counts as severe", "out of 10"),
    "conservative_care_min_weeks": Threshold("Conservative care expected first", "weeks"),
    "mbb_min_relief_percent": Threshold("Relief a medial branch block must give", "%"),
    "mbb_max_age_months": Threshold("Oldest medial branch block that still counts", "months"),
    "rf_min_back_pain_nrs": Threshold(
        "Back pain score for radiofrequency denervation", "out of 10"
    ),
    "rf_repeat_min_months": Threshold("Shortest time between radiofrequency treatments", "months"),
    "repeat_min_relief_percent": Threshold("Relief a previous injection must have given", "%"),
    "steroid_min_interval_days": Threshold("Shortest time between steroid injections", "days"),
    "steroid_region_frequent_count": Threshold(
        "Steroid injections in one region in 12 months that trigger a caution"
    ),
    "steroid_region_limit_count": Threshold(
        "Steroid injections in one region in 12 months that are too many"
    ),
    "steroid_any_site_frequent_count_6m": Threshold(
        "Steroid injections anywhere in 6 months that trigger a caution"
    ),
    "steroid_cumulative_warn_12m_mg": Threshold(
        "Steroid in 12 months that triggers a caution", "mg methylprednisolone-equivalent"
    ),
    "steroid_cumulative_warn_36m_mg": Threshold(
        "Steroid in 36 months that triggers a caution", "mg methylprednisolone-equivalent"
    ),
    "steroid_cumulative_limit_12m_mg": Threshold(
        "Most steroid in 12 months", "mg methylprednisolone-equivalent"
    ),
    "steroid_single_dose_warn_mg": Threshold(
        "Single steroid dose that triggers a caution", "mg methylprednisolone-equivalent"
    ),
    "window_6m_days": Threshold("Length of the 6-month window", "days"),
    "window_12m_days": Threshold("Length of the 12-month window", "days"),
    "window_36m_days": Threshold("Length of the 36-month window", "days"),
    **{
        f"antithrombotic_hold_hours.{drug.value}": Threshold(
            f"Hold {lower_label(drug.value)} before an epidural", "hours"
        )
        for drug in Antithrombotic
    },
}
"""Every threshold of ``RuleSetConfig`` in words and units, for the decision page.

Hold hours are keyed per drug (``antithrombotic_hold_hours.apixaban``) like ``UNVERIFIED``.
"""


def threshold(key: str) -> Threshold:
    """The words for a threshold key; an unknown key reads as its code (a test forbids that)."""
    return THRESHOLDS.get(key) or Threshold(key.replace("_", " "))


class RuleSetConfigError(ValueError):
    """A clinic's overrides do not make a valid rule set; ``problems`` lists each one."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def config_with_overrides(
    overrides: Mapping[str, Any], base: RuleSetConfig = DEFAULT
) -> RuleSetConfig:
    """``base`` with ``overrides`` applied and validated; unknown keys are an error.

    ``antithrombotic_hold_hours`` is merged drug by drug, so a clinic that changes one hold keeps
    the others. Any override should come with a new ``version`` so stored decisions stay traceable.
    """
    unknown = sorted(set(overrides) - set(RuleSetConfig.model_fields))
    if unknown:
        raise RuleSetConfigError([f"unknown rule set setting {key!r}" for key in unknown])
    data = base.model_dump()
    for key, value in overrides.items():
        if key == "antithrombotic_hold_hours" and isinstance(value, Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    try:
        return RuleSetConfig.model_validate(data)
    except ValidationError as error:
        raise RuleSetConfigError(
            [
                f"{'.'.join(str(part) for part in e['loc']) or 'rule set'}: {e['msg']}"
                for e in error.errors()
            ]
        ) from error
