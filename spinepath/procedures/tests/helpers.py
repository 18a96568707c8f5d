"""Consent test helpers: an assessed, decided plan, and a consent taken the way the pages do."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from conftest import make_decision
from spinepath.assessment.decisions import record_proceed
from spinepath.assessment.models import Decision
from spinepath.procedures.consent import consent_record
from spinepath.procedures.models import Consent


def assess(episode: Any, clinician: Any, **fields: Any) -> Decision:
    """A suitable transforaminal epidural under fluoroscopy, unless ``fields`` say otherwise."""
    values: dict[str, Any] = {"assessed_on": timezone.localdate(), "symptom_duration_weeks": 8}
    values.update(fields)
    return make_decision(episode, clinician, **values)


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
