"""'People like you': who counts as a similar patient, how many are enough, and how the figures
are said in words and drawn as an icon array.

Defined once here (no Django) so the decision page, the consent information, the patient's page
and the API say the same thing from the same counts. The counts themselves come from the outcome
facts (``spinepath/prediction/people.py`` turns ``Similarity`` into one SQL filter).

**Similar** means: the same condition and planned procedure, the same first-or-repeat injection,
and, where the patient's own value is known, the same band of baseline pain (the primary pain
score: 0–3, 4–6, 7–10), the same STarT Back risk (low, medium, high) and the same band of symptom
duration (under 3 months, 3–12 months, over a year). A value not recorded for the patient does not
narrow the group (the page says which were used).

**Minimum numbers**: below ``MINIMUM_SIMILAR`` similar patients (a setting may raise or lower it,
never below ``SMALLEST_MINIMUM``) nothing numeric is shown, only that there are too few; each
figure also needs that many patients in its own denominator (a 3-month rate needs 3-month answers).

**Words and icons**: a rate becomes "about N out of 100" with N the rate rounded to a whole
number; the icon array fills N of 100 icons; the 95% interval is said as "between L and H".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from spinepath.clinical.outcome_stats import SurvivalCurve, kaplan_meier, wilson_interval

MINIMUM_SIMILAR = 30
"""Default: fewer similar patients than this and no figure is shown."""

SMALLEST_MINIMUM = 5
"""A configured minimum below this is refused (the registry's small-count rule)."""

PAIN_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 3, "mild pain (0 to 3 out of 10)"),
    (4, 6, "moderate pain (4 to 6 out of 10)"),
    (7, 10, "severe pain (7 to 10 out of 10)"),
)
"""Baseline primary pain score bands, inclusive."""

DURATION_BANDS: tuple[tuple[float, float | None, str], ...] = (
    (0.0, 13.0, "pain for less than 3 months"),
    (13.0, 52.0, "pain for 3 to 12 months"),
    (52.0, None, "pain for more than a year"),
)
"""Symptom duration bands in weeks: lower bound inclusive, upper exclusive (None: open)."""

STARTBACK_RISKS = ("low", "medium", "high")

Source = Literal["clinic", "registry"]


@dataclass(frozen=True)
class Profile:
    """What is known of the patient and the plan, as the similarity needs it."""

    condition: str
    procedure: str
    repeat: bool
    baseline_pain: int | None = None
    startback: str | None = None
    duration_weeks: float | None = None


@dataclass(frozen=True)
class Similarity:
    """The group a profile belongs to: equalities and ranges a query applies (None: any)."""

    condition: str
    procedure: str
    repeat: bool
    pain_range: tuple[int, int] | None
    startback: str | None
    duration_range: tuple[float, float | None] | None
    described: tuple[str, ...]
    """The criteria in words, e.g. ('the same condition', 'moderate pain (4 to 6 out of 10)')."""


def pain_band(score: int) -> tuple[int, int, str]:
    if not 0 <= score <= 10:
        raise ValueError("a pain score is from 0 to 10")
    return next(band for band in PAIN_BANDS if band[0] <= score <= band[1])


def duration_band(weeks: float) -> tuple[float, float | None, str]:
    if not (math.isfinite(weeks) and weeks >= 0):
        raise ValueError("a duration is a number of weeks, 0 or more")
    return next(b for b in DURATION_BANDS if b[0] <= weeks and (b[1] is None or weeks < b[1]))


def similarity(profile: Profile) -> Similarity:
    """The similar-patient group of ``profile`` (module docstring)."""
    words = [
        "the same condition",
        "the same procedure",
        "a repeat injection" if profile.repeat else "a first injection",
    ]
    pain_range = None
    if profile.baseline_pain is not None:
        low, high, said = pain_band(profile.baseline_pain)
        pain_range = (low, high)
        words.append(said)
    startback = None
    if profile.startback:
        if profile.startback not in STARTBACK_RISKS:
            raise ValueError(f"unknown STarT Back risk {profile.startback!r}")
        startback = profile.startback
        words.append(f"{startback} STarT Back risk")
    duration_range = None
    if profile.duration_weeks is not None:
        start, end, said = duration_band(profile.duration_weeks)
        duration_range = (start, end)
        words.append(said)
    return Similarity(
        condition=profile.condition,
        procedure=profile.procedure,
        repeat=profile.repeat,
        pain_range=pain_range,
        startback=startback,
        duration_range=duration_range,
        described=tuple(words),
    )


def minimum_from_setting(value: object) -> int:
    """The configured minimum, checked: a whole number of at least ``SMALLEST_MINIMUM``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < SMALLEST_MINIMUM:
        raise ValueError(f"the minimum number of similar patients must be {SMALLEST_MINIMUM}+")
    return value


# --- The figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupCounts:
    """What the outcome facts say of one similar group (plain counts; no patient in them)."""

    patients: int
    procedures: int
    measured_6w: int
    relief_6w: int
    measured_3m: int
    relief_3m: int
    complications: int
    """Procedures with any complication recorded."""
    durations: tuple[tuple[int, bool, int], ...] = ()
    """Responders' relief durations as (days, ended, how many): the Kaplan–Meier input."""


@dataclass(frozen=True)
class Rate:
    """One rate: count of denominator, its 95% Wilson interval, and out of 100 in words."""

    count: int
    denominator: int
    rate: float
    ci95: tuple[float, float]
    out_of_100: int


@dataclass(frozen=True)
class Figures:
    """The figures shown, or why not (``enough`` False: nothing numeric at all)."""

    enough: bool
    minimum: int
    patients: int | None
    procedures: int | None
    relief_6w: Rate | None
    relief_3m: Rate | None
    median_relief_days: float | None
    median_relief_ci95: tuple[float | None, float | None] | None
    relief_durations: int | None
    """Responders the median rests on."""
    complications: Rate | None


def _rate(count: int, denominator: int, minimum: int) -> Rate | None:
    if denominator < minimum:
        return None
    interval = wilson_interval(count, denominator)
    assert interval is not None  # denominator ≥ minimum ≥ 1
    value = count / denominator
    return Rate(count, denominator, value, interval, out_of_100(value))


def figures(counts: GroupCounts, *, minimum: int = MINIMUM_SIMILAR) -> Figures:
    """The group's figures, each withheld when its own denominator is below ``minimum``, and
    all of them (counts too) when the group has fewer than ``minimum`` patients."""
    minimum = minimum_from_setting(minimum)
    if counts.patients < minimum:
        return Figures(False, minimum, None, None, None, None, None, None, None, None)
    curve: SurvivalCurve | None = None
    responders = sum(n for _, _, n in counts.durations)
    if responders >= minimum:
        curve = kaplan_meier(
            [d for d, _, _ in counts.durations],
            [ended for _, ended, _ in counts.durations],
            [n for _, _, n in counts.durations],
        )
    return Figures(
        enough=True,
        minimum=minimum,
        patients=counts.patients,
        procedures=counts.procedures,
        relief_6w=_rate(counts.relief_6w, counts.measured_6w, minimum),
        relief_3m=_rate(counts.relief_3m, counts.measured_3m, minimum),
        median_relief_days=curve.median if curve else None,
        median_relief_ci95=curve.median_ci95 if curve else None,
        relief_durations=responders if curve else None,
        complications=_rate(counts.complications, counts.procedures, minimum),
    )


# --- Words and icons ---------------------------------------------------------------------------


def out_of_100(rate: float) -> int:
    """A rate as a whole number of people out of 100 (half rounds up, as people expect)."""
    if not (math.isfinite(rate) and 0.0 <= rate <= 1.0):
        raise ValueError("a rate is between 0 and 1")
    return int(math.floor(rate * 100 + 0.5))


def icons(rate: Rate) -> tuple[bool, ...]:
    """100 icons, the first ``out_of_100`` filled (row by row in the array)."""
    return tuple(i < rate.out_of_100 for i in range(100))


def percent(value: float) -> int:
    return out_of_100(value)


def relief_sentence(rate: Rate, when: str) -> str:
    """'Out of 100 people like you, about 55 had meaningful relief at 6 weeks.'"""
    return f"Out of 100 people like you, about {rate.out_of_100} had meaningful relief at {when}."


def interval_words(rate: Rate) -> str:
    low, high = rate.ci95
    return (
        f"We can be 95% sure the true figure is between {percent(low)} and {percent(high)} "
        f"out of 100."
    )


def basis_words(rate: Rate) -> str:
    return f"Based on {rate.denominator} treatments, {rate.count} with meaningful relief."


def complication_sentence(rate: Rate) -> str:
    if rate.count == 0:
        return f"None of {rate.denominator} treatments had a complication recorded."
    return (
        f"Out of 100 treatments like yours, about {rate.out_of_100} had a complication recorded "
        f"({rate.count} of {rate.denominator}; most complications are minor and short-lived)."
    )


def duration_sentence(days: float | None, responders: int | None) -> str | None:
    if responders is None:
        return None
    if days is None:
        return (
            f"Of the {responders} people who had relief, more than half still had it at their "
            f"last follow-up, so how long it usually lasts is not known yet."
        )
    weeks = round(days / 7)
    return (
        f"For the {responders} people who had relief, it usually lasted about {weeks} weeks "
        f"(half had it for longer, half for less)."
    )


def too_few_sentence(minimum: int) -> str:
    return (
        f"Fewer than {minimum} people like you have had this treatment and answered their "
        f"follow-up questions, so we cannot give figures for people like you yet."
    )


def source_words(source: Source, clinic_name: str = "") -> str:
    if source == "clinic":
        return f"from the results measured at {clinic_name or 'this clinic'}"
    return "from the results measured across every clinic in the registry"


DECISION_SUPPORT_NOTE = (
    "These figures support the decision; they never change it. The suitability rules decide "
    "whether a procedure may go ahead, and nothing here is fed back into them."
)


def criteria_sentence(similar: Similarity) -> str:
    parts = list(similar.described)
    said = ", ".join(parts[:-1]) + f" and {parts[-1]}" if len(parts) > 1 else parts[0]
    return f"People like you means people with {said}."
