"""The facts a suitability decision is made from (``shared/clinical/rules.md``, "Facts").

The models are plain pydantic so that django-ninja can use them as request bodies and the app can
store a validated snapshot beside each decision. Codes are the vocabulary enums, so a wrong code is
a validation error that names the field.

``None`` (or a missing field) means **not assessed**, which is not the same as "no": the rules
turn the safety-critical unknowns (red flags, allergies, medication, pregnancy) into ``defer``
rather than guessing. Only the plan itself (who, what condition, which procedure, what imaging and
injectate) is required, because without it there is nothing to decide about.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any, NamedTuple, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from spinepath.clinical.dose_limits import steroid_dose_problem
from spinepath.clinical.vocab import (
    INJECTABLE_STEROIDS,
    Allergy,
    Antithrombotic,
    AspirinIndication,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    RedFlag,
    Sex,
    Steroid,
)


class InjectionSite(StrEnum):
    """Where a steroid injection was (or will be) given: a spinal procedure or ``other_joint``.

    A separate enum rather than a new ``Procedure`` member because ``other_joint`` is never a
    procedure spinepath plans; it exists so that a steroid given elsewhere (a knee, a shoulder)
    still counts toward the patient's cumulative exposure and the interval between injections.
    The spinal values mirror ``Procedure`` exactly (a test keeps them in step).
    """

    TRANSFORAMINAL_EPIDURAL = "transforaminal_epidural"
    INTERLAMINAR_EPIDURAL = "interlaminar_epidural"
    CAUDAL_EPIDURAL = "caudal_epidural"
    FACET_JOINT_INJECTION = "facet_joint_injection"
    MEDIAL_BRANCH_BLOCK = "medial_branch_block"
    RADIOFREQUENCY_DENERVATION = "radiofrequency_denervation"
    SACROILIAC_JOINT_INJECTION = "sacroiliac_joint_injection"
    OTHER_JOINT = "other_joint"

    @property
    def procedure(self) -> Procedure | None:
        """The spinal procedure this site stands for; ``None`` for ``other_joint``."""
        return None if self is InjectionSite.OTHER_JOINT else Procedure(self.value)


class Range(NamedTuple):
    """The plausible values of one clinical number, inclusive, and its unit for messages."""

    low: float
    high: float
    unit: str = ""

    @property
    def words(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        return f"between {self.low:g} and {self.high:g}{unit}"

    def field(self, **kwargs: Any) -> Any:
        """A pydantic ``Field`` with these bounds (default ``None``: not assessed)."""
        kwargs.setdefault("default", None)
        return Field(ge=self.low, le=self.high, **kwargs)


PLAUSIBLE: dict[str, Range] = {
    "age": Range(0, 120, "years"),
    "weight_kg": Range(1, 400, "kg"),
    "duration_weeks": Range(0, 2600, "weeks"),
    "conservative_care_weeks": Range(0, 520, "weeks"),
    "nrs": Range(0, 10),
    "inr": Range(0.5, 20),
    "platelets": Range(0, 2000, "×10⁹/L"),
    "hba1c_mmol_mol": Range(20, 200, "mmol/mol"),
    "hours_since_last_dose": Range(0, 8760, "hours"),
    "relief_percent": Range(0, 100, "%"),
    "crcl_ml_min": Range(0, 250, "ml/min"),
}
"""Values outside these are typing errors, not patients: every door (form, API, facts) refuses
them with the field's name. Doses have their own per-drug limits."""


class FactsModel(BaseModel):
    """Base for every facts model: immutable, and unknown fields are an error, not ignored.

    ``NaN`` and ``Infinity`` are refused: JSON allows neither, and no clinical number is one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _plausible_steroid_dose(dose: float | None, info: ValidationInfo) -> float | None:
    """Above 0 and at most the drug's plausible single dose (``dose_limits.py``)."""
    steroid = info.data.get("steroid")
    if dose is not None and steroid is not None:
        problem = steroid_dose_problem(steroid, dose)
        if problem:
            raise ValueError(problem)
    return dose


class Injectate(FactsModel):
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = Field(default=None, gt=0)
    local_anaesthetic: LocalAnaesthetic | None = None

    _dose_is_plausible = field_validator("steroid_dose_mg")(_plausible_steroid_dose)

    @field_validator("steroid")
    @classmethod
    def _injectable(cls, steroid: Steroid | None) -> Steroid | None:
        if steroid is not None and steroid not in INJECTABLE_STEROIDS:
            allowed = ", ".join(s.value for s in INJECTABLE_STEROIDS)
            raise ValueError(f"{steroid.value} is not an injectable steroid here; use {allowed}")
        return steroid

    @model_validator(mode="after")
    def _dose_goes_with_steroid(self) -> Self:
        # Exposure limits are in milligrams, so a steroid without a dose cannot be checked.
        if self.steroid is not None and self.steroid_dose_mg is None:
            raise ValueError("steroid_dose_mg is required when a steroid is planned")
        if self.steroid is None and self.steroid_dose_mg is not None:
            raise ValueError("steroid_dose_mg is given but no steroid is planned")
        return self


class Symptoms(FactsModel):
    duration_weeks: float | None = PLAUSIBLE["duration_weeks"].field()
    leg_pain_nrs: int | None = PLAUSIBLE["nrs"].field()
    back_pain_nrs: int | None = PLAUSIBLE["nrs"].field()
    leg_pain_dominant: bool | None = None
    neurogenic_claudication: bool | None = None


class Infection(FactsModel):
    systemic: bool | None = None
    local_at_site: bool | None = None


class AntithromboticUse(FactsModel):
    """One antithrombotic taken; ``hours_since_last_dose`` unknown means "still taking"."""

    drug: Antithrombotic
    hours_since_last_dose: float | None = PLAUSIBLE["hours_since_last_dose"].field()
    indication: AspirinIndication | None = None


class Diabetes(FactsModel):
    """``present`` null: not asked (DIABETES_NOT_RECORDED when a steroid is planned)."""

    present: bool | None = None
    hba1c_mmol_mol: float | None = PLAUSIBLE["hba1c_mmol_mol"].field()


class MedialBranchBlock(FactsModel):
    date: dt.date
    relief_percent: float = PLAUSIBLE["relief_percent"].field(default=...)


class PreviousInjection(FactsModel):
    """An injection before this one, from spinepath's record or done elsewhere."""

    date: dt.date
    procedure: InjectionSite
    steroid: Steroid | None = None
    steroid_dose_mg: float | None = Field(default=None, gt=0)
    relief_percent: float | None = PLAUSIBLE["relief_percent"].field()

    _dose_is_plausible = field_validator("steroid_dose_mg")(_plausible_steroid_dose)

    @model_validator(mode="after")
    def _dose_goes_with_steroid(self) -> Self:
        if self.steroid is not None and self.steroid_dose_mg is None:
            raise ValueError("steroid_dose_mg is required when a steroid was given")
        if self.steroid is None and self.steroid_dose_mg is not None:
            raise ValueError("steroid_dose_mg is given but no steroid was given")
        return self


class Facts(FactsModel):
    """Everything one decision depends on; stored verbatim so the decision can be reproduced."""

    assessment_date: dt.date
    age: int = PLAUSIBLE["age"].field(default=...)
    sex: Sex
    pregnant: bool | None = None
    weight_kg: float | None = PLAUSIBLE["weight_kg"].field()
    condition: Condition
    procedure: Procedure
    imaging: Imaging
    injectate: Injectate
    symptoms: Symptoms = Field(default_factory=Symptoms)
    conservative_care_weeks: float | None = PLAUSIBLE["conservative_care_weeks"].field()
    red_flags: list[RedFlag] | None = None
    infection: Infection | None = None
    allergies: list[Allergy] | None = None
    antithrombotics: list[AntithromboticUse] | None = None
    inr: float | None = PLAUSIBLE["inr"].field()
    platelets: float | None = PLAUSIBLE["platelets"].field()
    bleeding_disorder: bool | None = None
    thrombotic_risk_high: bool | None = Field(
        default=None,
        description="Mechanical valve, coronary stent in the last 12 months or clot in the last "
        "3 months: the prescriber must agree any stop.",
    )
    crcl_ml_min: float | None = PLAUSIBLE["crcl_ml_min"].field(
        description="Creatinine clearance; below 50 lengthens the dabigatran hold."
    )
    diabetes: Diabetes | None = None
    immunosuppressed: bool | None = None
    mbb: MedialBranchBlock | None = None
    previous_injections: list[PreviousInjection] = Field(default_factory=list)

    @model_validator(mode="after")
    def _history_is_in_the_past(self) -> Self:
        # Intervals are measured back from assessment_date; a later date is a data-entry error.
        for index, injection in enumerate(self.previous_injections):
            if injection.date > self.assessment_date:
                raise ValueError(
                    f"previous_injections[{index}].date {injection.date} is after "
                    f"assessment_date {self.assessment_date}"
                )
        if self.mbb is not None and self.mbb.date > self.assessment_date:
            raise ValueError(
                f"mbb.date {self.mbb.date} is after assessment_date {self.assessment_date}"
            )
        return self

    @property
    def steroid_planned(self) -> bool:
        return self.injectate.steroid is not None
