"""The demo's scenario library for assessments: which outcome each episode is built to show,
and plausible facts for it (no database, no workflow).

``assign_outcomes`` gives each episode the outcome its facts are *built* to show: a fixed quota
guarantees that a world with four episodes at ``assessed`` and twelve seen shows every outcome at
least twice; the rest are drawn with a realistic mix. ``plan_for`` turns (condition, outcome) into
plausible facts: the usual plan for the condition, then one scenario for the outcome — an
epidural for acute sciatica with dexamethasone, apixaban not yet held, a shoulder injection
elsewhere ten days ago, cauda equina symptoms — with the reason a clinician would write to go
ahead anyway. The scenarios are data (``scenarios.toml``) read by one interpreter (``apply``).
``assessment_inputs`` turns a plan into the unsaved records that ``assessment_record`` takes;
the real rules then make the decision.
"""

from __future__ import annotations

import random
from collections import ChainMap
from collections.abc import Callable, Collection, Sequence
from copy import copy
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from spinepath.assessment.models import Assessment
from spinepath.clinical.instruments import Score, score
from spinepath.clinical.vocab import EPIDURALS, IONISING_IMAGING, Outcome, Procedure, Sex
from spinepath.demo.scenarios import SCENARIOS, draw, weighted
from spinepath.demo.wording import WORDING
from spinepath.patients.models import Episode, PriorInjection

S, C, D = Outcome.SUITABLE, Outcome.SUITABLE_WITH_CAUTIONS, Outcome.DEFER
NR, NS, U = Outcome.NOT_RECOMMENDED, Outcome.NOT_SUITABLE, Outcome.URGENT_REFERRAL

ASSESSED = Episode.Stage.ASSESSED
LATER_STAGES = (
    Episode.Stage.CONSENTED,
    Episode.Stage.TREATED,
    Episode.Stage.FOLLOW_UP,
    Episode.Stage.DISCHARGED,
)

# The quota that makes every outcome appear at least twice: blocking outcomes only at ``assessed``
# (they can never go further), the overridable ones and ``suitable`` anywhere from ``assessed`` on.
BLOCKING_QUOTA = (U, NS, U, NS)
OPEN_QUOTA = (D, NR, C, S, D, NR, C, S)
# Beyond the quota: a realistic mix. Patients who went on to treatment mostly had clear plans.
ASSESSED_WEIGHTS = {S: 3, C: 3, D: 3, NR: 2, NS: 1, U: 1}
LATER_WEIGHTS = {S: 5, C: 5, NR: 1, D: 1}

SHOW_FIRST = frozenset({"cumulative_steroid_high", "steroid_interval_too_short"})
"""Scenarios the demo shows as soon as an episode fits them: steroid given elsewhere counting."""
GENERIC_PROCEED: str = WORDING["generic_proceed"]


@dataclass(frozen=True)
class Patient:
    """What a plan needs to know about the patient (no database)."""

    age: int
    sex: str
    side: str = "not_applicable"
    referral_care_weeks: float = 6


@dataclass
class Plan:
    """Everything the assessment of one episode records; ``outcome`` is what it is built to give.
    Fields named as on ``Assessment`` are stored there as they are."""

    outcome: Outcome
    condition: str
    care_weeks: float
    """Conservative care so far: the referral's figure, at least 4 weeks (physio continued)."""
    side: str
    weight_kg: float = 78
    procedure: str = ""
    imaging: str = ""
    steroid: str = ""
    steroid_dose_mg: float | None = None
    local_anaesthetic: str = ""
    scenario: str = "standard"
    symptom_duration_weeks: float = 26
    conservative_care_weeks: float = 8
    leg_nrs: int = 3
    back_nrs: int = 6
    leg_pain_dominant: bool = False
    neurogenic_claudication: bool = False
    red_flags: list[str] = field(default_factory=list)
    allergies_recorded: bool = True
    allergies: list[str] = field(default_factory=list)
    antithrombotics: list[dict[str, Any]] = field(default_factory=list)
    inr: float | None = None
    platelets: float | None = None
    diabetes: bool = False
    hba1c_mmol_mol: float | None = None
    immunosuppressed: bool = False
    infection_systemic: bool = False
    infection_local: bool = False
    pregnancy_recorded: bool = True
    mbb: list[int] = field(default_factory=list)
    """The last medial branch block: [days before the assessment, relief %], or none."""
    priors: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Injections elsewhere: (days before the assessment, ``PriorInjection`` fields)."""
    notes: list[str] = field(default_factory=list)
    proceed_reason: str = ""


# --- which outcome each episode shows ----------------------------------------------------------


def assign_outcomes(rng: random.Random, stages: Sequence[str]) -> list[Outcome | None]:
    """The outcome each episode's facts are built to give (``None``: not assessed yet).

    A pure function of the random state and the stages. With at least four episodes at
    ``assessed`` and twelve at ``assessed`` or later, every outcome is given at least twice.
    """
    outcomes: list[Outcome | None] = [None] * len(stages)
    assessed = [i for i, stage in enumerate(stages) if stage == ASSESSED]
    later = [i for i, stage in enumerate(stages) if stage in LATER_STAGES]
    blocking = rng.sample(assessed, min(len(assessed), len(BLOCKING_QUOTA)))
    for slot, outcome in zip(blocking, BLOCKING_QUOTA, strict=False):
        outcomes[slot] = outcome
    open_slots = sorted(i for i in assessed + later if outcomes[i] is None)
    for slot, outcome in zip(
        rng.sample(open_slots, min(len(open_slots), len(OPEN_QUOTA))), OPEN_QUOTA, strict=False
    ):
        outcomes[slot] = outcome
    for slot in open_slots:
        if outcomes[slot] is None:
            weights = ASSESSED_WEIGHTS if stages[slot] == ASSESSED else LATER_WEIGHTS
            outcomes[slot] = weighted(rng, weights)
    return outcomes


# --- the interpreter of scenarios.toml -----------------------------------------------------------

Fits = Callable[[Plan, Patient], bool]
FITS: dict[str, Fits] = {
    "steroid": lambda plan, _: bool(plan.steroid),
    "no_steroid": lambda plan, _: not plan.steroid,
    "anaesthetic_only": lambda plan, _: not plan.steroid and bool(plan.local_anaesthetic),
    "epidural": lambda plan, _: plan.procedure in EPIDURALS,
    "not_epidural": lambda plan, _: plan.procedure not in EPIDURALS,
    "rf": lambda plan, _: plan.procedure == Procedure.RADIOFREQUENCY_DENERVATION,
    "facet_plan": lambda plan, _: (
        plan.procedure in (Procedure.MEDIAL_BRANCH_BLOCK, Procedure.RADIOFREQUENCY_DENERVATION)
    ),
    "ionising": lambda plan, _: plan.imaging in IONISING_IMAGING,
    # Anyone who could be pregnant is asked (rules.md: female or other, 12–55).
    "could_be_pregnant_ionising": lambda plan, who: (
        who.sex != Sex.MALE and 12 <= who.age <= 55 and plan.imaging in IONISING_IMAGING
    ),
    "aged_60_or_more": lambda _, who: who.age >= 60,
    "under_60": lambda _, who: who.age < 60,
}
PLAN_FIELDS = frozenset(f.name for f in fields(Plan))


def fits(entry: dict[str, Any], plan: Plan, patient: Patient) -> bool:
    rule = entry.get("fits")
    if rule is None:
        return True
    return plan.condition in rule if isinstance(rule, list) else FITS[rule](plan, patient)


def _steroid(given: str) -> dict[str, Any]:
    drug, dose = given.split()
    return {"steroid": drug, "steroid_dose_mg": float(dose)}


def pick(rng: random.Random, entries: Collection[dict[str, Any]], plan: Plan, who: Patient) -> Any:
    fitting = [entry for entry in entries if fits(entry, plan, who)]
    return rng.choices(fitting, [entry.get("weight", 1) for entry in fitting])[0]


def apply(
    rng: random.Random, plan: Plan, patient: Patient, entry: dict[str, Any], names: Any = None
) -> None:
    """Apply one entry of ``scenarios.toml`` to ``plan``, its keys in the order written."""
    names = ChainMap({}, vars(plan)) if names is None else names  # variables, then fields
    for key, raw in entry.items():
        if key in ("fits", "weight", "chance"):
            continue
        if key == "pick":
            apply(rng, plan, patient, pick(rng, raw, plan, patient), names)
            continue
        value = draw(rng, raw, names)
        if key == "steroid_mg":
            vars(plan).update(_steroid(value))
        elif key in PLAN_FIELDS:
            setattr(plan, key, value)
        elif key == "note":
            plan.notes.append(value)
        elif key == "reason":
            plan.proceed_reason = value
        elif key == "drop_notes":
            plan.notes = [note for note in plan.notes if not note.startswith(value)]
        elif key == "prior":
            plan.priors += [_prior(plan, given) for given in value]
        else:
            names[key] = value


def _prior(plan: Plan, given: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    site = given["site"]
    return given["days"], {
        "site": SCENARIOS["same_region"][plan.procedure] if site == "same_region" else site,
        **(_steroid(given["steroid_mg"]) if "steroid_mg" in given else {}),
        "relief_percent": given.get("relief"),
        "where": given["where"],
    }


# --- the plan for one episode -------------------------------------------------------------------


def _standard(rng: random.Random, condition: str, patient: Patient, outcome: Outcome) -> Plan:
    """The usual plan for ``condition``, with nothing that makes it less than suitable."""
    referral = patient.referral_care_weeks
    plan = Plan(
        outcome=outcome,
        condition=condition,
        care_weeks=referral if referral >= 4 else rng.choice([6, 8, 12]),
        side=patient.side if patient.side in ("left", "right") else "bilateral",
        weight_kg=round(max(48.0, min(135.0, rng.gauss(80, 15))), 1),
    )
    for entry in SCENARIOS["standard"].values():
        if fits(entry, plan, patient) and rng.random() < entry.get("chance", 1):
            apply(rng, plan, patient, entry)
    return plan


def plan_for(
    rng: random.Random,
    condition: str,
    outcome: Outcome,
    patient: Patient,
    prefer: Collection[str] = (),
) -> Plan:
    """Plausible assessment facts for ``condition`` built to give ``outcome`` (no database).

    ``prefer`` names scenarios to use when they fit (the step uses it so that the steroid
    exposure scenarios appear early, rather than only when chance picks them). A suitable plan
    sometimes has an old injection elsewhere; so, now and then, does a plan built to defer or
    stop (steroid planned).
    """
    plan = _standard(rng, condition, patient, outcome)
    history = SCENARIOS[S]["standard_with_history_elsewhere"]
    if outcome is not S or rng.random() < 0.3:
        scenarios = SCENARIOS[outcome]
        fitting = [name for name, entry in scenarios.items() if fits(entry, plan, patient)]
        preferred = [name for name in fitting if name in prefer]
        plan.scenario = preferred[0] if preferred else rng.choice(fitting)
        apply(rng, plan, patient, scenarios[plan.scenario])
    if outcome not in (C, S) and plan.steroid and rng.random() < 0.2:
        apply(rng, plan, patient, history)
    return plan


# --- questionnaires and the records ---------------------------------------------------------------


def questionnaire_answers(rng: random.Random, plan: Plan) -> dict[str, dict[str, int]]:
    """Baseline answers consistent with the pain scores: NRS back and leg, ODI, STarT Back."""
    worst = max(plan.back_nrs, plan.leg_nrs)
    target = max(10.0, min(78.0, rng.gauss(8 + 5 * worst, 8))) / 20  # per section, 0–5
    odi = {f"s{n}": max(0, min(5, round(rng.gauss(target, 0.8)))) for n in range(1, 11)}
    odi["s1"] = max(0, min(5, round(worst / 2)))
    if rng.random() < 0.3:
        del odi["s8"]  # sex life is often left unanswered
    physical = 0.35 + 0.07 * (worst - 5)
    psychosocial = rng.uniform(0.15, 0.7)
    startback = {
        "q1": 1 if plan.leg_nrs >= 4 else int(rng.random() < 0.2),
        **{f"q{n}": int(rng.random() < physical) for n in range(2, 5)},
        **{f"q{n}": int(rng.random() < psychosocial) for n in range(5, 9)},
        "q9": max(0, min(4, round(worst / 2.5 + rng.uniform(-0.6, 0.6)))),
    }
    return {
        "nrs_back": {"score": plan.back_nrs},
        "nrs_leg": {"score": plan.leg_nrs},
        "odi": odi,
        "startback": startback,
    }


SAME_FIELDS = PLAN_FIELDS & {f.name for f in Assessment._meta.get_fields()} - {"notes"}
"""Plan fields stored under the same name on the assessment."""


def assessment_inputs(
    plan: Plan, episode: Episode, day: date, answers: dict[str, dict[str, int]]
) -> tuple[Assessment, list[PriorInjection], dict[str, tuple[dict[str, int], Score]]]:
    """The unsaved assessment, injections elsewhere and scored answers ``plan`` describes."""
    priors = [
        PriorInjection(given_on=day - timedelta(days=days), **given) for days, given in plan.priors
    ]
    assessment = Assessment(
        episode=episode,
        assessed_on=day,
        **{name: copy(getattr(plan, name)) for name in sorted(SAME_FIELDS)},
        red_flags_screened=True,
        medication_recorded=True,
        bleeding_disorder=False,
        pregnant=False if episode.patient.sex != Sex.MALE and plan.pregnancy_recorded else None,
        mbb_date=day - timedelta(days=plan.mbb[0]) if plan.mbb else None,
        mbb_relief_percent=plan.mbb[1] if plan.mbb else None,
        notes=" ".join(plan.notes),
    )
    assessment.antithrombotics = [
        {"hours_since_last_dose": None, "indication": None, **drug} for drug in plan.antithrombotics
    ]
    baseline = {code: (given, score(code, given)) for code, given in answers.items()}
    return assessment, priors, baseline
