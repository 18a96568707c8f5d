"""The safety checklist done on the day, before the needle goes in.

The checklist is data (``CHECKLIST``: code, label, help, and when the item is required) plus one
pure evaluator. The app asks the clinician each applicable item, stores the answers and calls
``evaluate_checklist``; the procedure can start only when the result is ``complete``. Warnings
(a high glucose reading, a missing value) never block on their own: the clinician reads them and
decides, and the app records that they were shown.

Which items apply is worked out from a ``ChecklistContext``. Whether an antithrombotic must be held
depends on the drug, the procedure's bleeding-risk class and the rule-set thresholds, so the caller
works that out (``antithrombotics.py``) and passes ``needs_antithrombotic_hold``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from spinepath.clinical.vocab import IONISING_IMAGING, Imaging, Procedure, Sex, Steroid

DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L = 15.0
"""Blood glucose (mmol/L) above which the checklist warns (local default, verify)."""


@dataclass(frozen=True)
class ChecklistConfig:
    """The checklist's thresholds; a clinic may change them."""

    glucose_warn_above_mmol_l: float = DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L
    """Warn when a reading is strictly above this (local default, verify)."""
    pregnancy_check_min_age: int = 12
    pregnancy_check_max_age: int = 55
    """Ages (inclusive) at which a female patient is asked about pregnancy (``rules.md``)."""

    def __post_init__(self) -> None:
        if not (
            math.isfinite(self.glucose_warn_above_mmol_l) and self.glucose_warn_above_mmol_l > 0
        ):
            raise ValueError("glucose_warn_above_mmol_l must be a positive number")
        if not 0 <= self.pregnancy_check_min_age <= self.pregnancy_check_max_age:
            raise ValueError("pregnancy check ages must satisfy 0 <= min <= max")


DEFAULT_CONFIG = ChecklistConfig()


@dataclass(frozen=True)
class ChecklistContext:
    """What decides which checklist items apply to this patient today."""

    procedure: Procedure
    imaging: Imaging
    sex: Sex
    age: int | None
    """Years; ``None`` (unknown) is treated as inside the pregnancy-check age range."""
    diabetic: bool
    steroid: Steroid | None
    needs_antithrombotic_hold: bool
    """Takes an anticoagulant or antiplatelet that must be held for this procedure's risk class."""


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    help: str
    required_when: str
    """When the item applies, in words for the clinician ("always", "diabetes and a steroid")."""


@dataclass(frozen=True)
class ChecklistResult:
    complete: bool
    """Every applicable item was answered yes."""
    missing: tuple[str, ...]
    """Codes of applicable items not answered yes, in checklist order."""
    warnings: tuple[str, ...]


ALWAYS = "always"

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "identity_confirmed",
        "Patient identity confirmed",
        "The patient states their full name and date of birth, and these match the wristband "
        "and the record.",
        ALWAYS,
    ),
    ChecklistItem(
        "consent_valid",
        "Valid consent in place",
        "Signed consent for this procedure, level and side; the patient still agrees and their "
        "questions are answered. The version of the information they were given is recorded.",
        ALWAYS,
    ),
    ChecklistItem(
        "site_and_side_confirmed",
        "Procedure, level and side confirmed",
        "Agreed between the patient, the consent form, the referral and the images.",
        ALWAYS,
    ),
    ChecklistItem(
        "site_marked",
        "Injection site marked",
        "The site is marked with an indelible marker, including the side where there is one.",
        ALWAYS,
    ),
    ChecklistItem(
        "allergies_checked",
        "Allergies checked",
        "Asked about allergies to local anaesthetic, steroid, contrast, chlorhexidine and latex, "
        "and compared with the record.",
        ALWAYS,
    ),
    ChecklistItem(
        "antithrombotic_hold_confirmed",
        "Anticoagulant or antiplatelet held as planned",
        "The patient confirms the date and time of the last dose, and the hold for this "
        "procedure's bleeding-risk class is met. Check the INR where warfarin was taken.",
        "the patient takes an anticoagulant or antiplatelet that must be held for this procedure",
    ),
    ChecklistItem(
        "pregnancy_checked",
        "Pregnancy status checked",
        "Asked and recorded, with a pregnancy test if there is any doubt, before X-ray or CT "
        "guidance.",
        "a female patient aged 12 to 55 (configurable) and X-ray or CT guidance",
    ),
    ChecklistItem(
        "glucose_checked",
        "Blood glucose checked",
        "Capillary blood glucose measured today and entered in mmol/L. The checklist warns above "
        f"{DEFAULT_GLUCOSE_WARN_ABOVE_MMOL_L:g} mmol/L (local default, verify).",
        "the patient has diabetes and a steroid is planned",
    ),
    ChecklistItem(
        "imaging_ready",
        "Imaging ready",
        "The imaging equipment is working and the relevant images are available; radiation "
        "protection in place for X-ray or CT.",
        ALWAYS,
    ),
    ChecklistItem(
        "resuscitation_equipment_available",
        "Resuscitation equipment available",
        "Resuscitation trolley and drugs checked, including adrenaline for anaphylaxis and lipid "
        "emulsion for local anaesthetic toxicity.",
        ALWAYS,
    ),
    ChecklistItem(
        "iv_access_if_needed",
        "IV access in place if needed",
        "A cannula is in place, or the clinician has decided that none is needed for this "
        "procedure and patient (local policy).",
        ALWAYS,
    ),
)

CHECKLIST_CODES: frozenset[str] = frozenset(item.code for item in CHECKLIST)


def _pregnancy_check_needed(ctx: ChecklistContext, config: ChecklistConfig) -> bool:
    if ctx.sex is not Sex.FEMALE or ctx.imaging not in IONISING_IMAGING:
        return False
    if ctx.age is None:
        return True
    return config.pregnancy_check_min_age <= ctx.age <= config.pregnancy_check_max_age


_CONDITIONS: dict[str, Callable[[ChecklistContext, ChecklistConfig], bool]] = {
    "antithrombotic_hold_confirmed": lambda ctx, _: ctx.needs_antithrombotic_hold,
    "pregnancy_checked": _pregnancy_check_needed,
    "glucose_checked": lambda ctx, _: ctx.diabetic and ctx.steroid is not None,
}


def is_required(
    item: ChecklistItem, context: ChecklistContext, config: ChecklistConfig = DEFAULT_CONFIG
) -> bool:
    condition = _CONDITIONS.get(item.code)
    return condition is None or condition(context, config)


def applicable_items(
    context: ChecklistContext, config: ChecklistConfig = DEFAULT_CONFIG
) -> list[ChecklistItem]:
    """The items to ask for this patient today, in checklist order."""
    return [item for item in CHECKLIST if is_required(item, context, config)]


def evaluate_checklist(
    context: ChecklistContext,
    answers: Mapping[str, bool],
    glucose_mmol_l: float | None,
    config: ChecklistConfig = DEFAULT_CONFIG,
) -> ChecklistResult:
    """Whether the checklist is complete, what is missing, and any warnings.

    Only an answer of exactly ``True`` counts as done. Answers to items that do not apply are
    allowed and ignored; an unknown code is a programming error (``ValueError``), because a
    misspelt code would otherwise leave the real item silently unanswered.
    """
    unknown = sorted(set(answers) - CHECKLIST_CODES)
    if unknown:
        raise ValueError(f"unknown checklist item(s): {', '.join(unknown)}")
    if glucose_mmol_l is not None and not (math.isfinite(glucose_mmol_l) and glucose_mmol_l >= 0):
        raise ValueError(f"glucose_mmol_l must be a finite number >= 0, not {glucose_mmol_l!r}")

    items = applicable_items(context, config)
    missing = tuple(item.code for item in items if answers.get(item.code) is not True)

    warnings = []
    threshold = config.glucose_warn_above_mmol_l
    if glucose_mmol_l is not None and glucose_mmol_l > threshold:
        steroid = "before giving a steroid" if context.steroid is not None else "before proceeding"
        warnings.append(
            f"Blood glucose {glucose_mmol_l:g} mmol/L is above {threshold:g} mmol/L "
            f"(local default, verify): review {steroid}."
        )
    if glucose_mmol_l is None and any(item.code == "glucose_checked" for item in items):
        warnings.append("Blood glucose reading not entered: record the value in mmol/L.")

    return ChecklistResult(complete=not missing, missing=missing, warnings=tuple(warnings))
