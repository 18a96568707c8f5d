"""The demo's scenario library for the procedure day: levels, approach, what the clinician finds
on the day, and what was given and seen (needles, doses, observations, complications).

Data and choices only: ``story.py`` passes them to the real workflows (``consent_record``,
``safety_check_record``, ``procedure_record``), which validate and store them.
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
from spinepath.demo.wording import WORDING
from spinepath.procedures.models import Consent, ProcedureRecord
from spinepath.procedures.safety_check import antithrombotics_on_record

COMPLICATION_SHARE = 0.06

IOHEXOL = "Iohexol 300 mgI/mL (Omnipaque 300)"
GADOLINIUM = "Gadoterate meglumine (Dotarem)"

W = WORDING
DENY_QUESTIONS, PERMIT_QUESTIONS = W["deny_questions"], W["permit_questions"]
WITHDRAWAL_REASONS, OVERRIDE_REASONS = W["withdrawal_reasons"], W["override_reasons"]

LA_PERCENT = {
    LocalAnaesthetic.LIDOCAINE: 1.0,
    LocalAnaesthetic.LEVOBUPIVACAINE: 0.25,
    LocalAnaesthetic.BUPIVACAINE: 0.25,
    LocalAnaesthetic.ROPIVACAINE: 0.2,
}


def _radiation(rng: random.Random, procedure: Procedure, imaging: str) -> dict[str, float | None]:
    if imaging == Imaging.FLUOROSCOPY:
        heavy = procedure in (Procedure.RADIOFREQUENCY_DENERVATION, Procedure.MEDIAL_BRANCH_BLOCK)
        return {
            "dose_area_product": float(rng.randint(150, 600) if heavy else rng.randint(50, 400)),
            "screening_time_s": float(rng.randint(35, 90) if heavy else rng.randint(10, 60)),
            "dose_length_product": None,
        }
    if imaging == Imaging.CT:
        return {
            "dose_area_product": None,
            "screening_time_s": None,
            "dose_length_product": float(rng.randint(50, 300)),
        }
    return {"dose_area_product": None, "screening_time_s": None, "dose_length_product": None}


def _anaesthetic(rng: random.Random, procedure: Procedure, drug: str) -> dict[str, object]:
    if not drug:
        return {"local_anaesthetic": "", "percent": None, "ml": None}
    la = LocalAnaesthetic(drug)
    if la is LocalAnaesthetic.LIDOCAINE:
        ml = rng.choice([2.0, 3.0, 4.0, 5.0])
    elif procedure is Procedure.CAUDAL_EPIDURAL:
        ml = rng.choice([5.0, 8.0, 10.0])
    else:
        ml = rng.choice([2.0, 3.0, 4.0, 5.0])
    return {"local_anaesthetic": la.value, "percent": LA_PERCENT[la], "ml": ml}


def _observations(rng: random.Random, complication: Complication | None) -> str:
    hr, sys_, dia = rng.randint(62, 88), rng.randint(118, 148), rng.randint(68, 88)
    pain = rng.randint(4, 8)
    before = f"Before: HR {hr}, BP {sys_}/{dia}, SpO₂ {rng.randint(96, 99)}%, pain {pain}/10."
    if complication is Complication.VASOVAGAL:
        during = (
            f" During: HR {rng.randint(42, 50)}, BP {rng.randint(78, 90)}/{rng.randint(44, 52)}, "
            "pale and clammy; laid flat with legs raised, recovered within 10 minutes."
        )
    else:
        during = ""
    after = (
        f" After 30 min: HR {hr + rng.randint(-6, 4)}, BP {sys_ + rng.randint(-10, 4)}/"
        f"{dia + rng.randint(-6, 3)}, pain {max(0, pain - rng.randint(2, 5))}/10; "
        "walking safely, legs neurologically unchanged."
    )
    return before + during + after


def levels(rng: random.Random, procedure: Procedure) -> list[str]:
    if procedure in (Procedure.TRANSFORAMINAL_EPIDURAL, Procedure.INTERLAMINAR_EPIDURAL):
        return [rng.choices(["L4/L5", "L5/S1", "L3/L4"], [45, 45, 10])[0]]
    if procedure in (
        Procedure.FACET_JOINT_INJECTION,
        Procedure.MEDIAL_BRANCH_BLOCK,
        Procedure.RADIOFREQUENCY_DENERVATION,
    ):
        return rng.choice([["L4/L5", "L5/S1"], ["L4/L5", "L5/S1"], ["L3/L4", "L4/L5"]])
    return []  # caudal epidural, sacroiliac joint


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
    return DayFacts(
        last_dose_hours={
            drug: (assessment.episode.patient.clinic.ruleset().hold_hours(drug) or 0) + 24.0
            for drug in drugs
        },
        inr=1.1 if Antithrombotic.WARFARIN in drugs else None,
        pregnant=False,
        infection_systemic=False,
        infection_local=False,
        glucose_mmol_l=glucose,
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
    contrast_agent, contrast_ml = "", None
    if imaging in (Imaging.FLUOROSCOPY, Imaging.CT):
        allergic = "iodinated_contrast" in (assessment.allergies or [])
        contrast_agent = GADOLINIUM if allergic else IOHEXOL
        contrast_ml = rng.choice([1.0, 1.5, 2.0] if allergic else [1.0, 1.5, 2.0, 3.0])
    guidance = {"fluoroscopy": "Fluoroscopic", "ct": "CT", "ultrasound": "Ultrasound"}[imaging]
    notes = f"{guidance} guidance, aseptic technique. {W['technique'][procedure]}"
    if imaging == Imaging.ULTRASOUND:
        notes = notes.replace("contrast confirmed", "ultrasound confirmed")
    minutes = rng.randint(90, 150) if complication else rng.randint(30, 90)
    la = _anaesthetic(rng, procedure, consent.local_anaesthetic)
    return {
        "procedure": procedure.value,
        "levels": list(consent.levels),
        "side": consent.side,
        "approach": approach.value,
        "imaging": imaging,
        **_radiation(rng, procedure, imaging),
        "steroid": consent.steroid,
        "steroid_dose_mg": consent.steroid_dose_mg if consent.steroid else None,
        "local_anaesthetic": la["local_anaesthetic"],
        "local_anaesthetic_percent": la["percent"],
        "local_anaesthetic_ml": la["ml"],
        "contrast_agent": contrast_agent,
        "contrast_ml": contrast_ml,
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
