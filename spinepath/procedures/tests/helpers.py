"""Consent test helpers: an assessed, decided plan, and a consent taken the way the pages do."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from spinepath.assessment.decisions import decide, record_proceed
from spinepath.assessment.models import Assessment, Decision
from spinepath.clinical.instruments import score
from spinepath.procedures.consent import consent_record
from spinepath.procedures.models import Consent
from spinepath.questionnaires.models import QuestionnaireResponse


def assess(episode: Any, clinician: Any, **fields: Any) -> Decision:
    """A suitable transforaminal epidural under fluoroscopy, unless ``fields`` say otherwise."""
    values: dict[str, Any] = {
        "assessed_on": timezone.localdate(),
        "procedure": "transforaminal_epidural",
        "imaging": "fluoroscopy",
        "steroid": "dexamethasone",
        "steroid_dose_mg": 8,
        "local_anaesthetic": "lidocaine",
        "red_flags_screened": True,
        "red_flags": [],
        "symptom_duration_weeks": 8,
        "leg_pain_dominant": True,
        "neurogenic_claudication": False,
        "conservative_care_weeks": 6,
        "allergies_recorded": True,
        "allergies": [],
        "medication_recorded": True,
        "antithrombotics": [],
        "bleeding_disorder": False,
        "diabetes": False,
        "pregnant": False,
        "immunosuppressed": False,
        "infection_systemic": False,
        "infection_local": False,
    }
    values.update(fields)
    assessment = Assessment.objects.create(episode=episode, clinician=clinician, **values)
    for code, value in (("nrs_back", 3), ("nrs_leg", 8)):
        QuestionnaireResponse.objects.create(
            patient=episode.patient,
            episode=episode,
            assessment=assessment,
            instrument=code,
            instrument_version=score(code, {"score": value}).version,
            answers={"score": value},
            score=value,
            source=QuestionnaireResponse.Source.STAFF,
            entered_by=clinician,
        )
    return decide(None, assessment, by=clinician)


def assess_with_proceed(episode: Any, clinician: Any, **fields: Any) -> Decision:
    decision = assess(episode, clinician, **fields)
    record_proceed(None, decision, by=clinician, reason="Discussed at length; patient wishes it.")
    return decision


def take_consent(decided: Decision, clinician: Any, **fields: Any) -> Consent:
    values: dict[str, Any] = {
        "decision": "permit",
        "capacity_confirmed": True,
        "levels": ["L4/L5"],
        "side": "left",
        "signed_name": "Mary Jones",
        "signed_on": timezone.localdate(),
        "patient_questions": "Will it hurt? Answered: a sting from the numbing medicine.",
    }
    values.update(fields)
    return consent_record(None, assessment=decided.assessment, clinician=clinician, **values)


def form_data(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "levels": ["L4/L5", "L5/S1"],
        "side": "left",
        "patient_questions": "How long will it last?",
        "capacity_confirmed": "on",
        "decision": "permit",
        "signature_method": "typed",
        "signed_name": "Mary Jones",
        "signed_on": timezone.localdate().isoformat(),
        "signature_image": "",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}
