"""The demo's scenario library for the procedure day: levels, approach, what the clinician finds
on the day, and what was given and seen (needles, doses, observations, complications).

Data and choices only: ``story.py`` passes them to the real workflows (``consent_record``,
``safety_check_record``, ``procedure_record``), which validate and store them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from spinepath.assessment.decisions import ruleset
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
from spinepath.procedures.models import Consent, ProcedureRecord
from spinepath.procedures.safety_check import antithrombotics_on_record

REPEAT_SHARE = 0.25
REPEAT_MIN_DAYS = 91
"""A repeat injection is at least three months after the one before (same plan)."""
COMPLICATION_SHARE = 0.06

ASSISTANTS = (
    "Helen Ward, staff nurse",
    "Tom Reyes, radiographer",
    "Grace Adeyemi, staff nurse",
    "Owen Price, radiographer",
    "Maya Kowalska, healthcare assistant",
)
IOHEXOL = "Iohexol 300 mgI/mL (Omnipaque 300)"
GADOLINIUM = "Gadoterate meglumine (Dotarem)"

LA_PERCENT = {
    LocalAnaesthetic.LIDOCAINE: 1.0,
    LocalAnaesthetic.LEVOBUPIVACAINE: 0.25,
    LocalAnaesthetic.BUPIVACAINE: 0.25,
    LocalAnaesthetic.ROPIVACAINE: 0.2,
}

NEEDLES = {
    Procedure.TRANSFORAMINAL_EPIDURAL: ("22G 90 mm Quincke", "22G 120 mm Quincke"),
    Procedure.INTERLAMINAR_EPIDURAL: ("18G 90 mm Tuohy",),
    Procedure.CAUDAL_EPIDURAL: ("22G 50 mm short-bevel", "20G 50 mm cannula"),
    Procedure.FACET_JOINT_INJECTION: ("22G 90 mm Quincke",),
    Procedure.MEDIAL_BRANCH_BLOCK: ("22G 90 mm Quincke", "25G 90 mm Quincke"),
    Procedure.RADIOFREQUENCY_DENERVATION: ("18G 100 mm RF cannula, 10 mm active tip",),
    Procedure.SACROILIAC_JOINT_INJECTION: ("22G 90 mm Quincke", "22G 120 mm Quincke"),
}

TECHNIQUE = {
    Procedure.TRANSFORAMINAL_EPIDURAL: "Contrast outlined the nerve root and epidural space; no "
    "vascular uptake on live screening.",
    Procedure.INTERLAMINAR_EPIDURAL: "Epidural space identified by loss of resistance to saline; "
    "contrast confirmed epidural spread.",
    Procedure.CAUDAL_EPIDURAL: "Sacral hiatus entered; epidural spread confirmed before injection.",
    Procedure.FACET_JOINT_INJECTION: "Needle tip in the joint; arthrogram before injection.",
    Procedure.MEDIAL_BRANCH_BLOCK: "Needle tips at the junction of the superior articular and "
    "transverse processes; no vascular uptake. Pain diary given for the next 6 hours.",
    Procedure.RADIOFREQUENCY_DENERVATION: "Sensory stimulation below 0.5 V reproduced the pain, "
    "no motor response at 2 V; lesioned at 80 °C for 90 s per level.",
    Procedure.SACROILIAC_JOINT_INJECTION: "Needle tip in the inferior joint; intra-articular "
    "spread confirmed before injection.",
}

DENY_QUESTIONS = (
    "Asked about the risk of nerve damage; would rather continue with physiotherapy for now.",
    "Worried about the steroid and her diabetes team's advice; wants to think about it.",
    "Asked whether the injection would cure the pain; prefers to wait and see.",
)
PERMIT_QUESTIONS = (
    "",
    "",
    "Asked how long the effect might last and whether they can drive home.",
    "Asked about returning to work; advised light duties for 24 hours.",
    "Asked about bruising at the site and when to take painkillers.",
)
DENY_REVIEW_QUESTIONS = (
    "Offered a further injection at review; pain much better, prefers to continue with exercises.",
    "Offered a further injection at review; would rather see the spinal surgeon first.",
)
WITHDRAWAL_REASONS = (
    "Patient phoned: pain much improved with physiotherapy, no longer wants the injection.",
    "Patient phoned to cancel: has decided to see a surgeon privately first.",
)
OVERRIDE_REASONS = {
    "STEROID_CUMULATIVE_LIMIT": "Cumulative steroid above the 12-month limit discussed; severe "
    "radicular pain awaiting surgical opinion; lowest effective dose; GP informed.",
    "STEROID_REGION_LIMIT": "Several injections at this region discussed; each gave months of "
    "relief and surgery is not an option; patient accepts the risks.",
    "STEROID_INTERVAL_TOO_SHORT": "Short interval since the last steroid discussed; severe pain "
    "preventing sleep and work; patient accepts the risks.",
}
DAY_OF_PROCEED = (
    "Reviewed on the day with the patient: unchanged from assessment, where the reason to "
    "proceed was recorded; patient wishes to go ahead."
)


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


COMPLICATION_NOTES = {
    Complication.VASOVAGAL: "Vasovagal episode during needle placement; recovered lying flat with "
    "legs raised, no loss of consciousness. Observed longer before discharge.",
    Complication.DURAL_PUNCTURE: "Dural puncture with the Tuohy needle (CSF at the hub); needle "
    "withdrawn and re-sited at the same level; loss of resistance without CSF, injection "
    "completed. "
    "Advised about post-dural puncture headache and given the contact number; no headache at "
    "discharge.",
    Complication.INTRAVASCULAR_UPTAKE: "Vascular uptake of contrast on live screening; needle "
    "repositioned, no steroid given intravascularly. Epidural spread confirmed before "
    "dexamethasone given.",
}


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
        last_dose_hours={drug: (ruleset().hold_hours(drug) or 0) + 24.0 for drug in drugs},
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
    notes = f"{guidance} guidance, aseptic technique. {TECHNIQUE[procedure]}"
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
        "complication_notes": COMPLICATION_NOTES[complication] if complication else "",
        "discharged_at": performed_at + timedelta(minutes=minutes),
        "discharge_condition": (
            ProcedureRecord.Discharge.OBSERVED if complication else ProcedureRecord.Discharge.WELL
        ).value,
        "performed_at": performed_at,
        "assistant": rng.choice(ASSISTANTS),
        "needle": rng.choice(NEEDLES[procedure]),
        "observations": _observations(rng, complication),
        "notes": notes,
    }
