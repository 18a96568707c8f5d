"""Plausible bounds for a procedure record's numbers, per drug, from ``data/dose_limits.toml``.

A dose of 100,000 mg or a dose-area product of 1e308 is a slip, not a clinical fact; stored, it
would be counted by the steroid ledger and shown to the next clinician. Every adapter (model
``clean()``, the day-of workflow, the forms and the API's pydantic models) asks this module, so a
bound is defined once. The file holds defaults; a clinic overrides them in Django settings
(``SPINEPATH_DOSE_LIMIT_OVERRIDES``), which the procedures app passes to ``configure`` at start-up.

Each ``*_problem`` function returns one sentence for the field, or "" when the value is fine.
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, ValidationError, model_validator

from spinepath.clinical.vocab import LocalAnaesthetic, Steroid

DATA_FILE = Path(__file__).parent / "data" / "dose_limits.toml"

RADIATION_FIELDS = ("dose_area_product", "screening_time_s", "dose_length_product")
"""The radiation figures a procedure record holds (names as on the record)."""


class DoseLimits(BaseModel):
    """The bounds in force; ``version`` says which file or override they came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    steroid_max_mg: dict[Steroid, PositiveFloat]
    local_anaesthetic_max_mg: dict[LocalAnaesthetic, PositiveFloat]
    local_anaesthetic_max_percent: PositiveFloat
    local_anaesthetic_max_ml: PositiveFloat
    contrast_max_ml: PositiveFloat
    dose_area_product_max: PositiveFloat
    screening_time_max_s: PositiveFloat
    dose_length_product_max: PositiveFloat
    procedure_max_days_before_recording: int = Field(ge=0)
    prior_injection_max_years: int = Field(ge=1)

    @model_validator(mode="after")
    def _every_drug_has_a_limit(self) -> Self:
        missing = [s.value for s in Steroid if s not in self.steroid_max_mg]
        missing += [la.value for la in LocalAnaesthetic if la not in self.local_anaesthetic_max_mg]
        if missing:
            raise ValueError(f"no maximum dose for {', '.join(missing)}")
        return self

    def radiation_max(self, name: str) -> float:
        return {
            "dose_area_product": self.dose_area_product_max,
            "screening_time_s": self.screening_time_max_s,
            "dose_length_product": self.dose_length_product_max,
        }[name]


class DoseLimitsError(ValueError):
    """The data file or a clinic's overrides do not make valid limits; ``problems`` lists each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _flatten(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The file's sections as ``DoseLimits`` fields."""
    la = raw.get("local_anaesthetic", {})
    return {
        "version": raw.get("version"),
        "steroid_max_mg": raw.get("steroid_max_mg", {}),
        "local_anaesthetic_max_mg": raw.get("local_anaesthetic_max_mg", {}),
        "local_anaesthetic_max_percent": la.get("max_percent"),
        "local_anaesthetic_max_ml": la.get("max_ml"),
        "contrast_max_ml": raw.get("contrast", {}).get("max_ml"),
        **raw.get("radiation", {}),
        **raw.get("dates", {}),
    }


def _validated(data: Mapping[str, Any]) -> DoseLimits:
    try:
        return DoseLimits.model_validate(data)
    except ValidationError as error:
        raise DoseLimitsError(
            [
                f"{'.'.join(str(part) for part in e['loc']) or 'dose limits'}: {e['msg']}"
                for e in error.errors()
            ]
        ) from error


def load_dose_limits(path: Path = DATA_FILE) -> DoseLimits:
    return _validated(_flatten(tomllib.loads(path.read_text(encoding="utf-8"))))


DEFAULT = load_dose_limits()


def with_overrides(overrides: Mapping[str, Any], base: DoseLimits = DEFAULT) -> DoseLimits:
    """``base`` with ``overrides`` (``DoseLimits`` field names) applied; drug maps merge by drug."""
    unknown = sorted(set(overrides) - set(DoseLimits.model_fields))
    if unknown:
        raise DoseLimitsError([f"unknown dose limit setting {key!r}" for key in unknown])
    data = base.model_dump()
    for key, value in overrides.items():
        if key in ("steroid_max_mg", "local_anaesthetic_max_mg") and isinstance(value, Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return _validated(data)


_active: DoseLimits = DEFAULT


def configure(overrides: Mapping[str, Any]) -> DoseLimits:
    """Put the clinic's overrides in force (at start-up, and when the setting changes)."""
    global _active
    _active = with_overrides(overrides)
    return _active


def limits() -> DoseLimits:
    """The limits in force."""
    return _active


# --- Checks ---------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:,.10g}"


def bounded_problem(value: float | None, maximum: float, unit: str, *, what: str = "") -> str:
    """A positive, finite number no larger than ``maximum``; "" when ``value`` is ``None``."""
    if value is None:
        return ""
    if not math.isfinite(value):
        return "Give a number."
    if value <= 0:
        return f"Must be more than 0 {unit}."
    if value > maximum:
        subject = f"{_number(value)} {unit}{f' of {what}' if what else ''}"
        largest = "single dose" if what else "value"
        return (
            f"{subject} is more than the largest plausible {largest} ({_number(maximum)} {unit}). "
            "Check the number and its unit."
        )
    return ""


def steroid_dose_problem(
    steroid: Steroid | str, dose_mg: float | None, bounds: DoseLimits | None = None
) -> str:
    """A steroid dose above 0 and at most the drug's plausible single dose."""
    bounds = bounds or limits()
    try:
        drug = Steroid(steroid)
    except ValueError:
        return ""
    return bounded_problem(dose_mg, bounds.steroid_max_mg[drug], "mg", what=drug.value)


def local_anaesthetic_mg(percent: float, ml: float) -> float:
    """Milligrams in ``ml`` of a ``percent`` solution (1% is 10 mg per mL)."""
    return round(percent * 10 * ml, 2)


def local_anaesthetic_problems(
    drug: LocalAnaesthetic | str,
    percent: float | None,
    ml: float | None,
    bounds: DoseLimits | None = None,
) -> dict[str, str]:
    """Concentration and volume each in range, and together no more than the drug's largest dose.

    The dose is put on the volume field: it is the one usually changed to correct it.
    """
    bounds = bounds or limits()
    errors = {
        name: problem
        for name, problem in (
            (
                "local_anaesthetic_percent",
                bounded_problem(percent, bounds.local_anaesthetic_max_percent, "%"),
            ),
            ("local_anaesthetic_ml", bounded_problem(ml, bounds.local_anaesthetic_max_ml, "mL")),
        )
        if problem
    }
    if errors or percent is None or ml is None:
        return errors
    try:
        anaesthetic = LocalAnaesthetic(drug)
    except ValueError:
        return errors
    mg = local_anaesthetic_mg(percent, ml)
    maximum = bounds.local_anaesthetic_max_mg[anaesthetic]
    if mg > maximum:
        errors["local_anaesthetic_ml"] = (
            f"{_number(ml)} mL of {_number(percent)}% {anaesthetic.value} is {_number(mg)} mg, "
            f"more than its largest single dose ({_number(maximum)} mg). Check the concentration "
            "and the volume."
        )
    return errors


def radiation_problem(name: str, value: float | None, bounds: DoseLimits | None = None) -> str:
    """A radiation figure (``RADIATION_FIELDS``): 0 or more, finite, at most its maximum."""
    bounds = bounds or limits()
    if value is None:
        return ""
    if not math.isfinite(value) or value < 0:
        return "Give a number of 0 or more."
    unit = {
        "dose_area_product": "mGy·cm²",
        "screening_time_s": "s",
        "dose_length_product": "mGy·cm",
    }
    maximum = bounds.radiation_max(name)
    if value > maximum:
        return (
            f"{_number(value)} {unit[name]} is more than the largest plausible value for one "
            f"injection ({_number(maximum)} {unit[name]}). Check the number and its unit."
        )
    return ""


def contrast_problem(ml: float | None, bounds: DoseLimits | None = None) -> str:
    bounds = bounds or limits()
    if ml is None:
        return ""
    if not math.isfinite(ml) or ml < 0:
        return "Give a number of 0 or more."
    if ml > bounds.contrast_max_ml:
        return (
            f"{_number(ml)} mL of contrast is more than the largest plausible volume "
            f"({_number(bounds.contrast_max_ml)} mL). Check the number."
        )
    return ""


def procedure_time_problem(
    performed_at: dt.datetime, recorded_at: dt.datetime, bounds: DoseLimits | None = None
) -> str:
    """A procedure is dated no later than it is recorded, and not absurdly long before."""
    bounds = bounds or limits()
    if performed_at > recorded_at:
        return "The procedure cannot be dated after it is recorded (in the future)."
    days = bounds.procedure_max_days_before_recording
    if recorded_at - performed_at > dt.timedelta(days=days):
        return (
            f"The procedure is dated more than {days} days before it is recorded. Check the date."
        )
    return ""


def prior_injection_date_problem(
    given_on: dt.date,
    *,
    recorded_on: dt.date,
    date_of_birth: dt.date | None,
    bounds: DoseLimits | None = None,
) -> str:
    """An injection given elsewhere: not after its recording, not before birth, not absurdly old."""
    bounds = bounds or limits()
    if given_on > recorded_on:
        return "The date given cannot be in the future."
    if date_of_birth is not None and given_on < date_of_birth:
        return "The date given is before the patient was born. Check the date."
    years = bounds.prior_injection_max_years
    try:
        earliest = recorded_on.replace(year=recorded_on.year - years)
    except ValueError:  # 29 February
        earliest = recorded_on.replace(year=recorded_on.year - years, day=28)
    if given_on < earliest:
        return f"The date given is more than {years} years ago. Check the date."
    return ""
