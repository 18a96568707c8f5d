"""The demo's scenario library for the procedure day: levels, approach, what the clinician finds
on the day, and what was given and seen (needles, doses, observations, complications).

Data (``scenarios.toml`` [day], ``wording.toml``) and choices only: ``story.py`` passes them to
the real workflows (``consent_record``, ``safety_check_record``, ``procedure_record``), which
validate and store them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from spinepath.assessment.models import Assessment
from spinepath.clinical.checklist import DayFacts
from spinepath.clinical.vocab import (
    APPROACHES_FOR,
    Antithrombotic,
    Approach,
    Complication,
    Imaging,
    Laterality,
    LocalAnaesthetic,
    Procedure,
)
from spinepath.demo.scenarios import SCENARIOS, draw
from spinepath.demo.wording import WORDING as W
from spinepath.procedures.models import Consent, ProcedureRecord
from spinepath.procedures.safety_check import antithrombotics_on_record

COMPLICATION_SHARE = 0.06
DAY = SCENARIOS["day"]
DENY_QUESTIONS, PERMIT_QUESTIONS = W["deny_questions"], W["permit_questions"]
WITHDRAWAL_REASONS, OVERRIDE_REASONS = W["withdrawal_reasons"], W["override_reasons"]
AT_EACH_LEVEL = (Procedure.RADIOFREQUENCY_DENERVATION, Procedure.MEDIAL_BRANCH_BLOCK)


def levels(rng: random.Random, procedure: Procedure) -> list[str]:
    return draw(rng, DAY["levels"].get(procedure, []))


def approach(rng: random.Random, procedure: Procedure, side: str) -> Approach:
    allowed = APPROACHES_FOR[procedure]
    if procedure is Procedure.INTERLAMINAR_EPIDURAL:
        sided = side in (Laterality.LEFT, Laterality.RIGHT)
        return Approach.INTERLAMINAR_PARAMEDIAN if sided else Approach.INTERLAMINAR_MIDLINE
    return rng.choices(allowed, [85, 15])[0] if len(allowed) > 1 else allowed[0]


def day_facts(assessment: Assessment, *, glucose: float | None) -> DayFacts:
    """What the demo clinician finds on the day: every hold met (a day past it), today's INR
    for warfarin, not pregnant, no fever or infection signs."""
    drugs = antithrombotics_on_record(assessment) or []
    ruleset = assessment.episode.patient.clinic.ruleset()
    return DayFacts(
        last_dose_hours={drug: (ruleset.hold_hours(drug) or 0) + 24.0 for drug in drugs},
        inr=1.1 if Antithrombotic.WARFARIN in drugs else None,
        pregnant=False,
        infection_systemic=False,
        infection_local=False,
        glucose_mmol_l=glucose,
    )


def _observations(rng: random.Random, complication: Complication | None) -> str:
    hr, sys_, dia = rng.randint(62, 88), rng.randint(118, 148), rng.randint(68, 88)
    pain = rng.randint(4, 8)
    text = f"Before: HR {hr}, BP {sys_}/{dia}, SpO₂ {rng.randint(96, 99)}%, pain {pain}/10."
    if complication is Complication.VASOVAGAL:
        text += (
            f" During: HR {rng.randint(42, 50)}, BP {rng.randint(78, 90)}/{rng.randint(44, 52)}, "
            "pale and clammy; laid flat with legs raised, recovered within 10 minutes."
        )
    return text + (
        f" After 30 min: HR {hr + rng.randint(-6, 4)}, BP {sys_ + rng.randint(-10, 4)}/"
        f"{dia + rng.randint(-6, 3)}, pain {max(0, pain - rng.randint(2, 5))}/10; "
        "walking safely, legs neurologically unchanged."
    )


def procedure_fields(
    rng: random.Random,
    consent: Consent,
    assessment: Assessment,
    *,
    approach: Approach,
    performed_at: datetime,
    complication: Complication | None,
) -> dict[str, Any]:
    """What was given and seen, as ``procedure_record`` takes it: the consented plan as given."""
    procedure, imaging = Procedure(consent.procedure), consent.imaging
    at_each_level = imaging == Imaging.FLUOROSCOPY and procedure in AT_EACH_LEVEL
    seen = draw(rng, DAY["imaging"]["fluoroscopy_at_each_level" if at_each_level else imaging])
    if "contrast_agent" in seen and "iodinated_contrast" in (assessment.allergies or []):
        seen.update(draw(rng, DAY["contrast_allergy"]))
    guidance = {"fluoroscopy": "Fluoroscopic", "ct": "CT", "ultrasound": "Ultrasound"}[imaging]
    notes = f"{guidance} guidance, aseptic technique. {W['technique'][procedure]}"
    if imaging == Imaging.ULTRASOUND:
        notes = notes.replace("contrast confirmed", "ultrasound confirmed")
    anaesthetic = draw(rng, DAY["anaesthetic"].get(consent.local_anaesthetic, {}))
    caudal = procedure is Procedure.CAUDAL_EPIDURAL
    if caudal and consent.local_anaesthetic not in ("", LocalAnaesthetic.LIDOCAINE):
        anaesthetic["ml"] = draw(rng, DAY["anaesthetic"]["caudal_ml"])
    minutes = rng.randint(90, 150) if complication else rng.randint(30, 90)
    return {
        **dict.fromkeys(("dose_area_product", "screening_time_s", "dose_length_product")),
        **{"contrast_agent": "", "contrast_ml": None, **seen},
        "procedure": procedure.value,
        "levels": list(consent.levels),
        "side": consent.side,
        "approach": approach.value,
        "imaging": imaging,
        "steroid": consent.steroid,
        "steroid_dose_mg": consent.steroid_dose_mg if consent.steroid else None,
        "local_anaesthetic": consent.local_anaesthetic,
        "local_anaesthetic_percent": anaesthetic.get("percent"),
        "local_anaesthetic_ml": anaesthetic.get("ml"),
        "complications": [complication.value] if complication else [],
        "complication_notes": W["complication_notes"][complication] if complication else "",
        "discharged_at": performed_at + timedelta(minutes=minutes),
        "discharge_condition": (
            ProcedureRecord.Discharge.OBSERVED if complication else ProcedureRecord.Discharge.WELL
        ).value,
        "performed_at": performed_at,
        "assistant": rng.choice(W["assistants"]),
        "needle": rng.choice(W["needles"][procedure]),
        "observations": _observations(rng, complication),
        "notes": notes,
    }
