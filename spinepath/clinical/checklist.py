"""The day-of safety checklist (NatSSIPs): three phases, the day's facts, and what blocks.

The checklist follows the National Safety Standards for Invasive Procedures (NatSSIPs): **sign
in** when the patient arrives, **time out** with the team immediately before the needle, **sign
out** before the patient leaves. It is data (``CHECKLIST``: code, phase, label, help, and when
the item applies) plus pure functions:

* ``applicable_items`` — which items apply to this patient and plan today;
* ``day_of_facts`` — the assessment's facts with what was found on the day laid over them (the
  last dose of each antithrombotic, INR, pregnancy, infection signs, new red flags), for the
  decision rules to re-run;
* ``evaluate_checklist`` — what is missing in each phase, which ticks contradict the day's facts
  or the re-run decision (a "held as planned" tick while the rules say the drug is not held), and
  whether the procedure may start.

The gating, in one sentence: the procedure may be recorded once sign in and time out are complete
and no tick is contradicted (``ChecklistResult.ready_for_procedure``); sign out follows the
procedure. What the day-of decision itself needs (a new written reason, or a hard stop) is
``decision.reasons_to_justify_on_the_day``; the app asks both.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from spinepath.clinical.facts import Facts
from spinepath.clinical.pregnancy import pregnancy_enquiry_needed
from spinepath.clinical.ruleset import DEFAULT, RuleSetConfig
from spinepath.clinical.steroids import is_particulate
from spinepath.clinical.vocab import (
    Antithrombotic,
    Imaging,
    Laterality,
    Procedure,
    RedFlag,
    Sex,
    Steroid,
)

DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L = 15.0
"""Blood glucose (mmol/L) above which the checklist warns (local default, verify)."""


class Phase(StrEnum):
    SIGN_IN = "sign_in"
    TIME_OUT = "time_out"
    SIGN_OUT = "sign_out"

    @property
    def label(self) -> str:
        return _PHASE_LABELS[self]


_PHASE_LABELS = {Phase.SIGN_IN: "Sign in", Phase.TIME_OUT: "Time out", Phase.SIGN_OUT: "Sign out"}

BEFORE_PROCEDURE: tuple[Phase, ...] = (Phase.SIGN_IN, Phase.TIME_OUT)
"""Phases that must be complete before the procedure is recorded; sign out follows it."""


@dataclass(frozen=True)
class ChecklistConfig:
    """The checklist's own thresholds; the rest (pregnancy ages, holds) is the rule set's."""

    glucose_warn_above_mmol_l: float = DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L
    """Warn when a reading is strictly above this (local default, verify)."""
    ruleset: RuleSetConfig = DEFAULT

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.glucose_warn_above_mmol_l) and self.glucose_warn_above_mmol_l > 0
        ):
            raise ValueError("glucose_warn_above_mmol_l must be a positive number")


DEFAULT_CONFIG = ChecklistConfig()


@dataclass(frozen=True)
class ChecklistContext:
    """What decides which checklist items apply to this patient today."""

    procedure: Procedure
    imaging: Imaging
    sex: Sex
    """As the decision rules see it: a sex that is not known is ``other``."""
    age: int | None
    """Years; ``None`` (unknown) is treated as inside the pregnancy-check age range."""
    diabetic: bool
    steroid: Steroid | None
    needs_antithrombotic_hold: bool
    """Takes an anticoagulant or antiplatelet that must be held for this procedure's risk class."""
    side: Laterality = Laterality.NOT_APPLICABLE
    """The consented side; left, right or both make it a sided injection."""

    @property
    def sided(self) -> bool:
        return self.side is not Laterality.NOT_APPLICABLE


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    phase: Phase
    label: str
    help: str
    required_when: str
    """When the item applies, in words for the clinician ("always", "diabetes and a steroid")."""


@dataclass(frozen=True)
class DayFacts:
    """What was found on the day, entered with the sign in; ``None`` is "not recorded today".

    ``last_dose_hours`` has one entry per antithrombotic on record; a drug without a value today
    counts as still taken (the whole hold remains), as in the rules.
    """

    last_dose_hours: Mapping[Antithrombotic, float | None] = field(default_factory=dict)
    inr: float | None = None
    pregnant: bool | None = None
    infection_systemic: bool | None = None
    """Fever or other signs of a systemic infection today."""
    infection_local: bool | None = None
    """Signs of infection at the injection site today."""
    new_red_flags: tuple[RedFlag, ...] = ()
    glucose_mmol_l: float | None = None

    def __post_init__(self) -> None:
        for drug, hours in self.last_dose_hours.items():
            if hours is not None and not (math.isfinite(hours) and hours >= 0):
                raise ValueError(f"last_dose_hours[{drug}] must be a finite number >= 0")
        if self.inr is not None and not (math.isfinite(self.inr) and self.inr > 0):
            raise ValueError("inr must be a finite number > 0")
        glucose = self.glucose_mmol_l
        if glucose is not None and not (math.isfinite(glucose) and glucose >= 0):
            raise ValueError(f"glucose_mmol_l must be a finite number >= 0, not {glucose!r}")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (drugs and red flags as their codes), for storing with the check."""
        return {
            "last_dose_hours": {str(drug): h for drug, h in self.last_dose_hours.items()},
            "inr": self.inr,
            "pregnant": self.pregnant,
            "infection_systemic": self.infection_systemic,
            "infection_local": self.infection_local,
            "new_red_flags": [str(flag) for flag in self.new_red_flags],
            "glucose_mmol_l": self.glucose_mmol_l,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DayFacts:
        return cls(
            last_dose_hours={
                Antithrombotic(drug): hours
                for drug, hours in (data.get("last_dose_hours") or {}).items()
            },
            inr=data.get("inr"),
            pregnant=data.get("pregnant"),
            infection_systemic=data.get("infection_systemic"),
            infection_local=data.get("infection_local"),
            new_red_flags=tuple(RedFlag(f) for f in data.get("new_red_flags") or ()),
            glucose_mmol_l=data.get("glucose_mmol_l"),
        )


@dataclass(frozen=True)
class Contradiction:
    """A ticked item that the day's facts or the re-run decision say is not so."""

    item: str
    message: str


@dataclass(frozen=True)
class ChecklistResult:
    missing: Mapping[Phase, tuple[str, ...]]
    """Per phase, codes of applicable items not answered yes, in checklist order."""
    contradictions: tuple[Contradiction, ...]
    warnings: tuple[str, ...]

    def phase_complete(self, phase: Phase) -> bool:
        return not self.missing.get(phase)

    @property
    def complete(self) -> bool:
        """Every applicable item of every phase is yes and nothing is contradicted."""
        return all(self.phase_complete(p) for p in Phase) and not self.contradictions

    @property
    def ready_for_procedure(self) -> bool:
        """Sign in and time out complete and no tick contradicted: the procedure may start."""
        return all(self.phase_complete(p) for p in BEFORE_PROCEDURE) and not self.contradictions

    @property
    def all_missing(self) -> tuple[str, ...]:
        return tuple(code for phase in Phase for code in self.missing.get(phase, ()))


ALWAYS = "always"


def _item(code: str, phase: Phase, label: str, help: str, when: str = ALWAYS) -> ChecklistItem:
    return ChecklistItem(code, phase, label, help, when)


_IN, _OUT, _TIME = Phase.SIGN_IN, Phase.SIGN_OUT, Phase.TIME_OUT

CHECKLIST: tuple[ChecklistItem, ...] = (
    # --- Sign in: with the patient, on arrival ---------------------------------------------------
    _item(
        "identity_confirmed",
        _IN,
        "Patient identity confirmed",
        "The patient states their full name and date of birth, and these match the wristband "
        "and the record.",
    ),
    _item(
        "procedure_confirmed",
        _IN,
        "Procedure confirmed",
        "The patient, the consent form and the referral agree on the procedure to be done.",
    ),
    _item(
        "site_and_side_confirmed",
        _IN,
        "Site and side confirmed",
        "The level and side agree between the patient, the consent form and the images.",
    ),
    _item(
        "site_marked",
        _IN,
        "Injection site marked",
        "The site is marked with an indelible marker, including the side where there is one.",
    ),
    _item(
        "consent_valid",
        _IN,
        "Valid consent in place",
        "Signed consent for this procedure, level and side; the patient still agrees and their "
        "questions are answered.",
    ),
    _item(
        "allergies_checked",
        _IN,
        "Allergies checked",
        "Asked about allergies to local anaesthetic, steroid, contrast, chlorhexidine and latex, "
        "and compared with the record.",
    ),
    _item(
        "antithrombotic_status_asked",
        _IN,
        "Blood thinners asked about",
        "Every patient is asked whether they take an anticoagulant or antiplatelet medicine, "
        "which one, and when they last took it. Enter the time of the last dose below.",
    ),
    _item(
        "antithrombotic_hold_confirmed",
        _IN,
        "Anticoagulant or antiplatelet held as planned",
        "The last dose was long enough ago for this procedure's bleeding-risk class. Enter the "
        "hours since the last dose, and today's INR where warfarin is taken.",
        "the patient takes an anticoagulant or antiplatelet that must be held for this procedure",
    ),
    _item(
        "pregnancy_checked",
        _IN,
        "Pregnancy status checked",
        "Asked, with a pregnancy test if there is any doubt, and the answer entered below.",
        "anyone who could be pregnant (female or other sex, aged 12 to 55 by the rule set) "
        "before X-ray or CT guidance",
    ),
    _item(
        "infection_checked",
        _IN,
        "Fever and signs of infection checked",
        "Temperature taken, the patient asked about feeling unwell, and the skin at the site "
        "looked at. Enter what was found below.",
    ),
    _item(
        "red_flags_checked",
        _IN,
        "Asked about new red flags",
        "Any new numbness in the saddle area, bladder or bowel change, new weakness, fever or "
        "weight loss since the assessment. Enter any that are new below.",
    ),
    _item(
        "observations_recorded",
        _IN,
        "Observations recorded",
        "Pulse, blood pressure, oxygen saturation and temperature taken and within the "
        "expected range for this patient.",
    ),
    _item(
        "glucose_checked",
        _IN,
        "Blood glucose checked",
        "Capillary blood glucose measured today and entered in mmol/L. The checklist warns above "
        f"{DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L:g} mmol/L (local default, verify).",
        "the patient has diabetes (or it is not recorded) and a steroid is planned",
    ),
    _item(
        "implanted_devices_checked",
        _IN,
        "Implanted devices checked",
        "Asked about a pacemaker, defibrillator or stimulator; where there is one, the "
        "manufacturer's advice and the cardiology plan are in place before radiofrequency.",
        "radiofrequency denervation",
    ),
    _item(
        "escort_home_confirmed",
        _IN,
        "Escort home arranged",
        "An adult will take the patient home; the patient knows not to drive today.",
    ),
    # --- Time out: the whole team, immediately before the procedure ------------------------------
    _item(
        "team_brief",
        _TIME,
        "Team brief done",
        "Everyone introduced by name and role; the plan, the expected difficulties and any "
        "concerns discussed.",
    ),
    _item(
        "imaging_ready",
        _TIME,
        "Imaging ready",
        "The imaging equipment works and the relevant images are available; radiation "
        "protection in place for X-ray or CT.",
    ),
    _item(
        "resuscitation_equipment_available",
        _TIME,
        "Resuscitation equipment available",
        "Resuscitation trolley and drugs checked, including adrenaline for anaphylaxis and lipid "
        "emulsion for local anaesthetic toxicity.",
    ),
    _item(
        "iv_access_if_needed",
        _TIME,
        "IV access in place if needed",
        "A cannula is in place, or the clinician has decided that none is needed for this "
        "procedure and patient (local policy).",
    ),
    _item(
        "level_confirmed_on_imaging",
        _TIME,
        "Level confirmed on imaging",
        "The target level is counted and confirmed on the images before the needle goes in.",
    ),
    _item(
        "drug_check",
        _TIME,
        "Drugs checked",
        "Each drug read aloud and checked by two people: name, dose, expiry date; every "
        "syringe labelled.",
    ),
    _item(
        "non_particulate_steroid_confirmed",
        _TIME,
        "Non-particulate steroid confirmed",
        "A transforaminal injection uses a non-particulate steroid (dexamethasone) to lower the "
        "risk of a spinal cord or brain injury.",
        "a transforaminal injection with a steroid",
    ),
    _item(
        "stop_before_you_block",
        _TIME,
        "Stop before you block",
        "Immediately before the injection, the operator and an assistant look again at the mark "
        "and confirm the side out loud.",
        "an injection on one side, or on both",
    ),
    # --- Sign out: before the patient leaves -----------------------------------------------------
    _item(
        "leg_strength_sensation_checked",
        _OUT,
        "Leg strength and feeling checked",
        "Both legs tested for strength and sensation, and the patient can stand and walk safely.",
    ),
    _item(
        "discharge_criteria_met",
        _OUT,
        "Discharge criteria met",
        "Observations stable, pain controlled, no new weakness or numbness, and the escort "
        "is here.",
    ),
    _item(
        "leaflet_given",
        _OUT,
        "Leaflet with the phone number given",
        "The aftercare leaflet, with the phone number to ring and the warning signs, given and "
        "explained.",
    ),
)

CHECKLIST_CODES: frozenset[str] = frozenset(item.code for item in CHECKLIST)
ITEMS_BY_CODE: Mapping[str, ChecklistItem] = {item.code: item for item in CHECKLIST}


def items_in(phase: Phase) -> tuple[ChecklistItem, ...]:
    return tuple(item for item in CHECKLIST if item.phase is phase)


def _pregnancy_check_needed(ctx: ChecklistContext, config: ChecklistConfig) -> bool:
    return pregnancy_enquiry_needed(ctx.sex, ctx.age, ctx.imaging, config.ruleset)


_CONDITIONS: dict[str, Callable[[ChecklistContext, ChecklistConfig], bool]] = {
    "antithrombotic_hold_confirmed": lambda ctx, _: ctx.needs_antithrombotic_hold,
    "pregnancy_checked": _pregnancy_check_needed,
    "glucose_checked": lambda ctx, _: ctx.diabetic and ctx.steroid is not None,
    "implanted_devices_checked": lambda ctx, _: (
        ctx.procedure is Procedure.RADIOFREQUENCY_DENERVATION
    ),
    "non_particulate_steroid_confirmed": lambda ctx, _: (
        ctx.procedure is Procedure.TRANSFORAMINAL_EPIDURAL and ctx.steroid is not None
    ),
    "stop_before_you_block": lambda ctx, _: ctx.sided,
}


def is_required(
    item: ChecklistItem, context: ChecklistContext, config: ChecklistConfig = DEFAULT_CONFIG
) -> bool:
    condition = _CONDITIONS.get(item.code)
    return condition is None or condition(context, config)


def applicable_items(
    context: ChecklistContext,
    config: ChecklistConfig = DEFAULT_CONFIG,
    phase: Phase | None = None,
) -> list[ChecklistItem]:
    """The items to ask for this patient today (of one phase, or all), in checklist order."""
    return [
        item
        for item in CHECKLIST
        if (phase is None or item.phase is phase) and is_required(item, context, config)
    ]


# --- The day's facts -------------------------------------------------------------------------


def day_of_facts(facts: Facts, day: DayFacts) -> Facts:
    """``facts`` with the day's findings laid over them, ready for ``decision.evaluate``.

    * each antithrombotic on record takes today's hours since the last dose (none entered:
      still taken, so the whole hold remains);
    * today's INR replaces the assessment's when one is entered;
    * pregnancy and infection are what was found today (not recorded today: not assessed);
    * new red flags are added to those found at assessment.
    """
    data = facts.model_dump(mode="json")
    if facts.antithrombotics is not None:
        data["antithrombotics"] = [
            {
                **use.model_dump(mode="json"),
                "hours_since_last_dose": day.last_dose_hours.get(use.drug),
            }
            for use in facts.antithrombotics
        ]
    if day.inr is not None:
        data["inr"] = day.inr
    data["pregnant"] = day.pregnant
    if day.infection_systemic is None and day.infection_local is None:
        data["infection"] = None
    else:
        data["infection"] = {
            "systemic": day.infection_systemic,
            "local_at_site": day.infection_local,
        }
    if day.new_red_flags:
        known = list(facts.red_flags or [])
        data["red_flags"] = [str(f) for f in dict.fromkeys([*known, *day.new_red_flags])]
    return Facts.model_validate(data)


# --- Contradictions ----------------------------------------------------------------------------

HOLD_NOT_MET_CODES: frozenset[str] = frozenset(
    {"ANTITHROMBOTIC_NOT_HELD", "INR_HIGH", "INR_NOT_RECORDED", "MEDICATION_NOT_RECORDED"}
)
"""Reason codes that mean an antithrombotic is not safely held for this procedure."""

_CONTRADICTED_BY_REASONS: Mapping[str, tuple[frozenset[str], str]] = {
    "antithrombotic_hold_confirmed": (
        HOLD_NOT_MET_CODES,
        "Ticked as held, but the rules say the blood thinner is not safely held today",
    ),
    "pregnancy_checked": (
        frozenset({"PREGNANCY_NOT_ASSESSED"}),
        "Ticked as checked, but pregnancy status is not recorded",
    ),
}


def contradictions(
    context: ChecklistContext,
    answers: Mapping[str, bool],
    day: DayFacts,
    reason_codes: Collection[str],
    config: ChecklistConfig = DEFAULT_CONFIG,
) -> tuple[Contradiction, ...]:
    """Ticked items that the day's facts, or the decision re-run with them, say are not so.

    Only items that apply and are answered exactly ``True`` are checked.
    """
    ticked = {
        item.code for item in applicable_items(context, config) if answers.get(item.code) is True
    }
    codes = set(reason_codes)
    found: list[Contradiction] = []
    for code in (item.code for item in CHECKLIST if item.code in ticked):
        if code in _CONTRADICTED_BY_REASONS:
            against, words = _CONTRADICTED_BY_REASONS[code]
            fired = sorted(codes & against)
            if fired:
                found.append(Contradiction(code, f"{words} ({', '.join(fired)})."))
        if (
            code == "antithrombotic_hold_confirmed"
            and Antithrombotic.WARFARIN in day.last_dose_hours
            and day.inr is None
        ):
            found.append(Contradiction(code, "Ticked as held, but no INR is entered for today."))
        if code == "pregnancy_checked" and day.pregnant is None:
            found.append(Contradiction(code, "Ticked as checked, but no answer is entered."))
        if code == "infection_checked" and (
            day.infection_systemic is None or day.infection_local is None
        ):
            found.append(
                Contradiction(
                    code,
                    "Ticked as checked, but fever and the injection site are not both answered.",
                )
            )
        if code == "glucose_checked" and day.glucose_mmol_l is None:
            found.append(Contradiction(code, "Ticked as checked, but no reading is entered."))
        if (
            code == "non_particulate_steroid_confirmed"
            and context.steroid is not None
            and is_particulate(context.steroid)
        ):
            found.append(
                Contradiction(
                    code,
                    f"Ticked, but the planned steroid ({context.steroid.value}) is particulate.",
                )
            )
    # One message per item and reason: the pregnancy reason and "no answer" say the same thing.
    unique: dict[str, Contradiction] = {}
    for c in found:
        unique.setdefault(c.item, c)
    return tuple(unique.values())


# --- The whole checklist ---------------------------------------------------------------------


def evaluate_checklist(
    context: ChecklistContext,
    answers: Mapping[str, bool],
    day: DayFacts | None = None,
    reason_codes: Collection[str] = (),
    config: ChecklistConfig = DEFAULT_CONFIG,
) -> ChecklistResult:
    """What is missing in each phase, which ticks are contradicted, and any warnings.

    Only an answer of exactly ``True`` counts as done. Answers to items that do not apply are
    allowed and ignored; an unknown code is a programming error (``ValueError``), because a
    misspelt code would otherwise leave the real item silently unanswered. ``reason_codes`` are
    the codes of the decision re-run with the day's facts.
    """
    unknown = sorted(set(answers) - CHECKLIST_CODES)
    if unknown:
        raise ValueError(f"unknown checklist item(s): {', '.join(unknown)}")
    day = day or DayFacts()

    items = applicable_items(context, config)
    missing = {
        phase: tuple(
            item.code
            for item in items
            if item.phase is phase and answers.get(item.code) is not True
        )
        for phase in Phase
    }

    warnings = []
    threshold = config.glucose_warn_above_mmol_l
    glucose = day.glucose_mmol_l
    if glucose is not None and glucose > threshold:
        steroid = "before giving a steroid" if context.steroid is not None else "before proceeding"
        warnings.append(
            f"Blood glucose {glucose:g} mmol/L is above {threshold:g} mmol/L "
            f"(local default, verify): review {steroid}."
        )
    if glucose is None and any(item.code == "glucose_checked" for item in items):
        warnings.append("Blood glucose reading not entered: record the value in mmol/L.")

    return ChecklistResult(
        missing=missing,
        contradictions=contradictions(context, answers, day, reason_codes, config),
        warnings=tuple(warnings),
    )
