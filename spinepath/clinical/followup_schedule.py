"""When follow-up questionnaires are due after a procedure, from ``data/followup.toml``.

The defaults are followup.md's table, per procedure type (therapeutic injections, the diagnostic
medial branch block with its pain diary, radiofrequency denervation). A clinic may replace the
schedule of any procedure type in Django settings (``SPINEPATH_FOLLOWUP_SCHEDULES``, keyed by
clinic code); ``with_overrides`` validates that and says exactly what is wrong.

Time is a parameter here too: the caller passes the procedure's moment and its local date.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spinepath.clinical.instruments.definitions import INSTRUMENTS
from spinepath.clinical.relief import PrimaryMeasure
from spinepath.clinical.vocab import Procedure

DATA_FILE = Path(__file__).parent / "data" / "followup.toml"

FollowUpLabel = Literal["2w", "6w", "3m", "6m", "12m", "diary"]
LABEL_ORDER: tuple[str, ...] = ("baseline", "diary", "2w", "6w", "3m", "6m", "12m")
"""Every time point label in the order they fall after a procedure."""


class ProcedureType(StrEnum):
    THERAPEUTIC = "therapeutic"
    DIAGNOSTIC_BLOCK = "diagnostic_block"
    RADIOFREQUENCY = "radiofrequency"


class ScheduleError(ValueError):
    """A schedule file or a clinic's override is not usable; the message names each problem."""


class PointConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: FollowUpLabel
    after_days: int | None = Field(default=None, ge=1, le=3650)
    after_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    instruments: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_offset_matching_label(self) -> Self:
        if self.label == "diary":
            if self.after_minutes is None or self.after_days is not None:
                raise ValueError("a diary point needs after_minutes (and no after_days)")
        elif self.after_days is None or self.after_minutes is not None:
            raise ValueError(f"the {self.label} point needs after_days (and no after_minutes)")
        unknown = [code for code in self.instruments if code not in INSTRUMENTS]
        if unknown:
            raise ValueError(f"unknown instrument(s): {', '.join(unknown)}")
        return self


class Timing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_max_age_days: int = Field(ge=0)
    on_time_days: int = Field(ge=0)
    diary_on_time_minutes: int = Field(ge=0)
    link_expiry_days: int = Field(ge=1)


class FollowUpConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    baseline_instruments: tuple[str, ...] = Field(min_length=1)
    timing: Timing
    procedure_types: dict[ProcedureType, tuple[Procedure, ...]]
    schedules: dict[ProcedureType, tuple[PointConfig, ...]]

    @model_validator(mode="after")
    def _complete_and_unique(self) -> Self:
        typed = [p for procedures in self.procedure_types.values() for p in procedures]
        missing = [p.value for p in Procedure if p not in typed]
        if missing:
            raise ValueError(f"procedures without a type: {', '.join(missing)}")
        if len(typed) != len(set(typed)):
            raise ValueError("a procedure is listed under more than one type")
        for kind in ProcedureType:
            points = self.schedules.get(kind)
            if points is None:
                raise ValueError(f"no schedule for {kind.value}")
            keys = [(p.label, p.after_minutes) for p in points]
            if len(keys) != len(set(keys)):
                raise ValueError(f"{kind.value}: a time point is listed twice")
        return self

    def procedure_type(self, procedure: Procedure) -> ProcedureType:
        for kind, procedures in self.procedure_types.items():
            if procedure in procedures:
                return kind
        raise ScheduleError(f"no procedure type for {procedure.value}")  # pragma: no cover


def _errors(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or 'file'}: {e['msg']}" for e in error.errors()
    )


@cache
def default_config() -> FollowUpConfig:
    with DATA_FILE.open("rb") as f:
        raw = tomllib.load(f)
    try:
        return FollowUpConfig.model_validate(raw)
    except ValidationError as error:  # pragma: no cover - the shipped file is tested
        raise ScheduleError(f"{DATA_FILE.name}: {_errors(error)}") from error


def with_overrides(schedules: Mapping[str, Any]) -> FollowUpConfig:
    """The defaults with a clinic's schedules per procedure type replaced (validated)."""
    base = default_config()
    merged = base.model_dump()
    unknown = [k for k in schedules if k not in {t.value for t in ProcedureType}]
    if unknown:
        raise ScheduleError(f"unknown procedure type(s): {', '.join(map(str, unknown))}")
    merged["schedules"] = {**merged["schedules"], **dict(schedules)}
    merged["version"] = f"{base.version}+clinic"
    try:
        return FollowUpConfig.model_validate(merged)
    except ValidationError as error:
        raise ScheduleError(_errors(error)) from error


def validate_overrides(overrides: Mapping[str, Any]) -> list[str]:
    """Problems with ``SPINEPATH_FOLLOWUP_SCHEDULES`` (clinic code → schedules), one per clinic."""
    problems = []
    for clinic, schedules in overrides.items():
        if not isinstance(schedules, Mapping):
            problems.append(f"{clinic}: give a table of procedure type → time points")
            continue
        try:
            with_overrides(schedules)
        except ScheduleError as error:
            problems.append(f"{clinic}: {error}")
    return problems


@dataclass(frozen=True)
class DuePoint:
    """One time point to create: due on a date, and diary points at an hour."""

    label: str
    due_on: date
    due_at: datetime | None
    instruments: tuple[str, ...]


def schedule(
    procedure: Procedure,
    *,
    performed_at: datetime,
    performed_on: date,
    primary: PrimaryMeasure,
    config: FollowUpConfig | None = None,
) -> list[DuePoint]:
    """The follow-up time points of one procedure, in the order they fall due.

    ``performed_on`` is the procedure's date in the clinic's time zone (days count from it);
    diary points are due at ``performed_at`` plus their minutes. Every point after the diary
    asks the episode's primary pain measure, so relief can always be measured from it.
    """
    config = config or default_config()
    points: list[DuePoint] = []
    for point in config.schedules[config.procedure_type(procedure)]:
        instruments = point.instruments
        if point.label == "diary":
            assert point.after_minutes is not None
            due_at = performed_at + timedelta(minutes=point.after_minutes)
            points.append(DuePoint(point.label, due_at.date(), due_at, instruments))
        else:
            assert point.after_days is not None
            if primary not in instruments:
                instruments = (primary, *instruments)
            due_on = performed_on + timedelta(days=point.after_days)
            points.append(DuePoint(point.label, due_on, None, instruments))
    return sorted(points, key=lambda p: (p.due_on, p.due_at or performed_at))


def baseline_is_stale(
    baseline_on: date | None, procedure_on: date, config: FollowUpConfig | None = None
) -> bool:
    """True when the baseline must be asked again on the day: missing, or older than 6 weeks."""
    config = config or default_config()
    if baseline_on is None:
        return True
    return (procedure_on - baseline_on).days > config.timing.baseline_max_age_days


def is_late(
    *,
    due_on: date,
    due_at: datetime | None,
    answered_on: date,
    answered_at: datetime,
    config: FollowUpConfig | None = None,
) -> bool:
    """Answered after the on-time window (still accepted inside the link's window)."""
    config = config or default_config()
    if due_at is not None:
        return answered_at > due_at + timedelta(minutes=config.timing.diary_on_time_minutes)
    return answered_on > due_on + timedelta(days=config.timing.on_time_days)


def link_expires_on(due_on: date, config: FollowUpConfig | None = None) -> date:
    """The last day a patient link for this time point works."""
    config = config or default_config()
    return due_on + timedelta(days=config.timing.link_expiry_days)


def label_sort_key(label: str) -> int:
    return LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)


def instruments_of(points: Sequence[DuePoint]) -> set[str]:
    return {code for point in points for code in point.instruments}
