"""The exercise library and the programme builder (``shared/clinical/aftercare.md``).

Injections make room for rehabilitation; they are not a cure on their own. A programme runs in
four phases counted from the day of the injection: protect and move (days 0-3), restore (weeks
1-2), strengthen (weeks 2-6), return to full activity (week 6 on). ``propose_programme`` picks
exercises for the current phase and each one after it from the library
(``data/exercises.en.toml``), with the condition's emphasis:

- spinal stenosis: flexion-biased exercise (and nothing that bends the back backwards);
- disc-related pain (disc herniation, sciatica): directional preference (repeated backward
  bending, the common preference), and nerve mobility for the leg pain while restoring;
- sacroiliac pain: hip and pelvic stability;
- a high STarT Back risk: graded activity (build up by time or number, not by pain) and
  reassurance.

An exercise whose ``avoid_with`` names the patient's condition is never proposed. The builder is
a proposal: the physiotherapist edits it. Pure and deterministic, no clock: the caller passes
the days since the injection.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any

from spinepath.clinical.vocab import Condition

LIBRARY_VERSION = "exercises 2026.12.1"
"""The library's wording version; bump on any change to the data file."""

DATA_FILE = Path(__file__).parent / "data" / "exercises.en.toml"

EXERCISES_PER_PHASE = 5
"""How many exercises a proposed phase holds: enough to cover the phase, few enough to do."""


class Phase(IntEnum):
    PROTECT = 1
    RESTORE = 2
    STRENGTHEN = 3
    RETURN = 4


PHASE_START_DAY: dict[Phase, int] = {
    Phase.PROTECT: 0,
    Phase.RESTORE: 4,
    Phase.STRENGTHEN: 14,
    Phase.RETURN: 42,
}
"""The first day (counted from the injection, day 0) of each phase (aftercare.md)."""


class StartBackRisk(StrEnum):
    """The STarT Back Tool's bands (``instruments.definitions.STARTBACK_BANDS``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


TAGS = frozenset(
    {
        "walking",
        "graded_activity",
        "mobility",
        "flexion",
        "extension",
        "directional_preference",
        "position_of_comfort",
        "nerve_mobility",
        "core",
        "hip_stability",
        "strength",
        "endurance",
        "return_to_activity",
        "self_management",
    }
)
"""What an exercise can work on; the library may use no other tag."""

PHASE_FOCUS: dict[Phase, frozenset[str]] = {
    Phase.PROTECT: frozenset({"mobility", "walking", "position_of_comfort"}),
    Phase.RESTORE: frozenset({"mobility", "core", "hip_stability"}),
    Phase.STRENGTHEN: frozenset({"strength", "core", "hip_stability", "endurance"}),
    Phase.RETURN: frozenset({"return_to_activity", "self_management", "strength"}),
}
"""What each phase works on (aftercare.md), ahead of the condition's emphasis in rank."""

CONDITION_EMPHASIS: dict[Condition, frozenset[str]] = {
    Condition.SPINAL_STENOSIS: frozenset({"flexion"}),
    Condition.LUMBAR_DISC_HERNIATION: frozenset({"directional_preference"}),
    Condition.SCIATICA: frozenset({"directional_preference"}),
    Condition.SACROILIAC_JOINT_INFLAMMATION: frozenset({"hip_stability"}),
}
"""The condition emphases of aftercare.md; other conditions follow the phases alone."""

RADICULAR_CONDITIONS = frozenset(
    {Condition.LUMBAR_DISC_HERNIATION, Condition.SCIATICA, Condition.SPINAL_STENOSIS}
)
"""Conditions with leg pain from a nerve: nerve mobility is part of restoring."""

HIGH_RISK_EMPHASIS = frozenset({"graded_activity"})


@dataclass(frozen=True)
class Exercise:
    code: str
    name: str
    purpose: str
    steps: tuple[str, ...]
    dosage: str
    progression: str
    regression: str
    cautions: tuple[str, ...]
    avoid_with: frozenset[Condition]
    conditions: frozenset[Condition]
    """The conditions it suits; empty means every condition."""
    phases: frozenset[Phase]
    tags: frozenset[str]
    picture: str

    def suits(self, condition: Condition) -> bool:
        return condition not in self.avoid_with and (
            not self.conditions or condition in self.conditions
        )

    def texts(self) -> tuple[str, ...]:
        return (
            self.name,
            self.purpose,
            *self.steps,
            self.dosage,
            self.progression,
            self.regression,
            *self.cautions,
        )


@dataclass(frozen=True)
class PhaseInfo:
    phase: Phase
    name: str
    when: str
    goal: str


def _exercise(entry: dict[str, Any]) -> Exercise:
    unknown = set(entry["tags"]) - TAGS
    if unknown:
        raise ValueError(f"exercise {entry['code']!r}: unknown tag(s) {sorted(unknown)}")
    exercise = Exercise(
        code=str(entry["code"]),
        name=str(entry["name"]),
        purpose=str(entry["purpose"]),
        steps=tuple(str(s) for s in entry["steps"]),
        dosage=str(entry["dosage"]),
        progression=str(entry["progression"]),
        regression=str(entry["regression"]),
        cautions=tuple(str(c) for c in entry.get("cautions", ())),
        avoid_with=frozenset(Condition(c) for c in entry.get("avoid_with", ())),
        conditions=frozenset(Condition(c) for c in entry.get("conditions", ())),
        phases=frozenset(Phase(p) for p in entry["phases"]),
        tags=frozenset(entry["tags"]),
        picture=str(entry.get("picture", "")),
    )
    if not exercise.phases or not exercise.steps:
        raise ValueError(f"exercise {exercise.code!r} needs at least one phase and one step")
    if exercise.avoid_with & exercise.conditions:
        raise ValueError(f"exercise {exercise.code!r} both suits and avoids a condition")
    return exercise


def load_library(path: Path = DATA_FILE) -> tuple[tuple[Exercise, ...], dict[str, Any]]:
    """The exercises in ``path`` and the rest of the file (phases, reassurance)."""
    with path.open("rb") as data:
        raw: dict[str, Any] = tomllib.load(data)
    exercises = tuple(_exercise(entry) for entry in raw.pop("exercises"))
    codes = [e.code for e in exercises]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path.name}: an exercise code is used twice")
    return exercises, raw


LIBRARY, _REST = load_library()
BY_CODE: dict[str, Exercise] = {e.code: e for e in LIBRARY}
PHASES: dict[Phase, PhaseInfo] = {
    phase: PhaseInfo(phase, **_REST["phases"][str(phase.value)]) for phase in Phase
}
REASSURANCE: tuple[str, ...] = tuple(_REST["reassurance"]["high_risk"])


def phase_for_day(days_since_injection: int) -> Phase:
    """The phase a patient is in ``days_since_injection`` days after it (day 0 = the day)."""
    if days_since_injection < 0:
        raise ValueError("the days since the injection cannot be negative")
    return max(p for p in Phase if PHASE_START_DAY[p] <= days_since_injection)


def emphases(condition: Condition, risk: StartBackRisk | None, phase: Phase) -> frozenset[str]:
    """The tags the builder favours for ``condition`` and ``risk`` in ``phase``."""
    tags = set(CONDITION_EMPHASIS.get(condition, frozenset()))
    if phase is Phase.RESTORE and condition in RADICULAR_CONDITIONS:
        tags.add("nerve_mobility")
    if risk is StartBackRisk.HIGH:
        tags |= HIGH_RISK_EMPHASIS
    return frozenset(tags)


@dataclass(frozen=True)
class PhasePlan:
    phase: Phase
    info: PhaseInfo
    starts_day: int
    exercises: tuple[Exercise, ...]
    emphases: frozenset[str]


@dataclass(frozen=True)
class Programme:
    condition: Condition
    risk: StartBackRisk | None
    days_since_injection: int
    current_phase: Phase
    phases: tuple[PhasePlan, ...]
    """The current phase and every one after it."""
    reassurance: tuple[str, ...]
    """Graded-activity reassurance, for a high STarT Back risk only."""
    library_version: str = LIBRARY_VERSION

    def exercise_codes(self) -> frozenset[str]:
        return frozenset(e.code for plan in self.phases for e in plan.exercises)


def candidates(condition: Condition, phase: Phase) -> tuple[Exercise, ...]:
    """Every exercise of ``phase`` that suits ``condition``, in library order."""
    return tuple(e for e in LIBRARY if phase in e.phases and e.suits(condition))


def _choose(
    condition: Condition, phase: Phase, favoured: frozenset[str], limit: int
) -> tuple[Exercise, ...]:
    """The ``limit`` best candidates: every emphasis covered first, then the phase's focus.

    One exercise per favoured tag comes first (so stenosis always gets a flexion exercise and
    a high-risk patient a graded one, when the phase has one); the rest are ranked by how many
    favoured tags, then focus tags, they carry, library order breaking ties.
    """
    pool = list(candidates(condition, phase))
    chosen: list[Exercise] = []
    for tag in sorted(favoured):
        if any(tag in e.tags for e in chosen):
            continue
        match = next((e for e in pool if tag in e.tags and e not in chosen), None)
        if match is not None and len(chosen) < limit:
            chosen.append(match)

    def rank(e: Exercise) -> tuple[int, int, int]:
        return (-len(e.tags & favoured), -len(e.tags & PHASE_FOCUS[phase]), pool.index(e))

    for exercise in sorted(pool, key=rank):
        if len(chosen) >= limit:
            break
        if exercise not in chosen:
            chosen.append(exercise)
    return tuple(sorted(chosen, key=pool.index))


def propose_programme(
    condition: Condition,
    risk: StartBackRisk | None,
    days_since_injection: int,
    *,
    per_phase: int = EXERCISES_PER_PHASE,
) -> Programme:
    """A phased programme from today's phase on; the physiotherapist edits it."""
    if per_phase < 1:
        raise ValueError("a phase needs at least one exercise")
    current = phase_for_day(days_since_injection)
    plans = []
    for phase in Phase:
        if phase < current:
            continue
        favoured = emphases(condition, risk, phase)
        plans.append(
            PhasePlan(
                phase=phase,
                info=PHASES[phase],
                starts_day=PHASE_START_DAY[phase],
                exercises=_choose(condition, phase, favoured, per_phase),
                emphases=favoured,
            )
        )
    return Programme(
        condition=condition,
        risk=risk,
        days_since_injection=days_since_injection,
        current_phase=current,
        phases=tuple(plans),
        reassurance=REASSURANCE if risk is StartBackRisk.HIGH else (),
    )


def library_fingerprint() -> str:
    """SHA-256 of the whole library and its phase texts (tests pin it per version)."""
    payload = {
        "exercises": [
            {
                **asdict(e),
                "avoid_with": sorted(e.avoid_with),
                "conditions": sorted(e.conditions),
                "phases": sorted(e.phases),
                "tags": sorted(e.tags),
            }
            for e in LIBRARY
        ],
        "phases": {str(p.value): asdict(i) for p, i in PHASES.items()},
        "reassurance": list(REASSURANCE),
    }
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- Adherence ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseLog:
    """One logged session of one exercise: done or not, and pain during it (0-10, if given)."""

    on: dt.date
    exercise_code: str
    done: bool
    pain_during: int | None


@dataclass(frozen=True)
class WeekAdherence:
    week: int
    """Week 1 is days 0-6 after the injection."""
    starts_on: dt.date
    logged: int
    done: int
    mean_pain: float | None
    """Mean pain during the sessions done, where the patient gave it."""
    exercises_done: frozenset[str]

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.logged) if self.logged else 0


def weekly_adherence(
    logs: Iterable[ExerciseLog], injection_date: dt.date
) -> tuple[WeekAdherence, ...]:
    """The logs grouped by week since the injection, oldest first; weeks without a log are
    left out (no log is not the same as "not done"). A log before the injection is refused."""
    weeks: dict[int, list[ExerciseLog]] = {}
    for log in logs:
        days = (log.on - injection_date).days
        if days < 0:
            raise ValueError(f"an exercise log on {log.on} is before the injection")
        if log.pain_during is not None and not 0 <= log.pain_during <= 10:
            raise ValueError("pain during an exercise is scored 0 to 10")
        weeks.setdefault(days // 7 + 1, []).append(log)
    summaries = []
    for week in sorted(weeks):
        entries = weeks[week]
        done = [e for e in entries if e.done]
        pains = [e.pain_during for e in done if e.pain_during is not None]
        summaries.append(
            WeekAdherence(
                week=week,
                starts_on=injection_date + dt.timedelta(days=7 * (week - 1)),
                logged=len(entries),
                done=len(done),
                mean_pain=sum(pains) / len(pains) if pains else None,
                exercises_done=frozenset(e.exercise_code for e in done),
            )
        )
    return tuple(summaries)
