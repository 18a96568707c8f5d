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


# --- The day of the procedure -------------------------------------------------------------------


def tick_all(consent: Consent, *, sign_out: bool = False) -> dict[str, bool]:
    """Every sign-in and time-out item (and sign-out, if asked) for ``consent`` today: yes."""
    from spinepath.clinical.checklist import Phase
    from spinepath.procedures.recording import checklist_items

    items = checklist_items(consent, consent.episode.assessments.first(), on=timezone.localdate())
    return {item.code: True for item in items if sign_out or item.phase is not Phase.SIGN_OUT}


def day_as_assessed(consent: Consent, **changes: Any) -> Any:
    """The day's facts as the assessment found them (not pregnant, no infection unless it says
    so), with a glucose reading where one is asked; ``changes`` override."""
    import dataclasses

    from spinepath.clinical.checklist import DayFacts
    from spinepath.clinical.vocab import Antithrombotic
    from spinepath.procedures.recording import checklist_items, glucose_asked

    assessment = consent.episode.assessments.first()
    items = checklist_items(consent, assessment, on=timezone.localdate())
    rows = assessment.antithrombotics if assessment.medication_recorded else []
    day = DayFacts(
        last_dose_hours={
            Antithrombotic(row["drug"]): row.get("hours_since_last_dose") for row in rows
        },
        inr=assessment.inr,
        pregnant=bool(assessment.pregnant),
        infection_systemic=bool(assessment.infection_systemic),
        infection_local=bool(assessment.infection_local),
        glucose_mmol_l=7.2 if glucose_asked(items) else None,
    )
    return dataclasses.replace(day, **changes)


def check_today(consent: Consent, clinician: Any, **fields: Any) -> Any:
    """Today's sign in and time out for ``consent``, every item confirmed unless ``answers``
    says, with the day's facts as assessed unless ``day`` says."""
    from spinepath.procedures.recording import safety_check_record

    values: dict[str, Any] = {"answers": tick_all(consent), "day": day_as_assessed(consent)}
    values.update(fields)
    return safety_check_record(
        None, episode=consent.episode, consent=consent, by=clinician, **values
    )


def ready_for_procedure(episode: Any, clinician: Any, **assess_fields: Any) -> Consent:
    """Assessed (suitable), consented (L4/L5 left) and checked today: ready to record."""
    consent = take_consent(assess(episode, clinician, **assess_fields), clinician)
    check_today(consent, clinician)
    return consent


def procedure_fields(**fields: Any) -> dict[str, Any]:
    """What was done for the default plan (transforaminal, L4/L5 left, dexamethasone 8 mg)."""
    values: dict[str, Any] = {
        "procedure": "transforaminal_epidural",
        "levels": ["L4/L5"],
        "side": "left",
        "approach": "transforaminal",
        "imaging": "fluoroscopy",
        "dose_area_product": 152.5,
        "screening_time_s": 24.0,
        "steroid": "dexamethasone",
        "steroid_dose_mg": 8,
        "local_anaesthetic": "lidocaine",
        "local_anaesthetic_percent": 1.0,
        "local_anaesthetic_ml": 2.0,
        "contrast_agent": "Iohexol 300",
        "contrast_ml": 1.5,
        "needle": "22G 90 mm spinal",
        "observations": "Pulse 72, BP 128/80, SpO2 98%, pain 2/10.",
    }
    values.update(fields)
    return values


WORKFLOW_ARGUMENTS = ("steroid_override_reason", "consent_variance_reason", "at")
"""What ``procedure_record`` takes beside the record itself."""


def procedure_to_record(episode: Any, **fields: Any) -> Any:
    """An unsaved ``ProcedureRecord`` of what was done (``procedure_fields``), for the workflow."""
    from spinepath.procedures.models import ProcedureRecord

    values = procedure_fields(**fields)
    values.setdefault("performed_at", None)  # the workflow's ``at``
    return ProcedureRecord(episode=episode, **values)


def record_procedure(episode: Any, clinician: Any, **fields: Any) -> Any:
    from spinepath.procedures.recording import procedure_record

    workflow = {name: fields.pop(name) for name in WORKFLOW_ARGUMENTS if name in fields}
    record = procedure_to_record(episode, **fields)
    return procedure_record(None, record=record, by=clinician, **workflow)


def recent_steroid_elsewhere(patient: Any, *, days_ago: int = 5, **fields: Any) -> Any:
    """A steroid injection given elsewhere ``days_ago`` days ago: the interval check blocks."""
    from datetime import timedelta

    from spinepath.patients.models import PriorInjection

    values: dict[str, Any] = {
        "given_on": timezone.localdate() - timedelta(days=days_ago),
        "site": "caudal_epidural",
        "steroid": "methylprednisolone",
        "steroid_dose_mg": 40,
        "where": "St Elsewhere",
    }
    values.update(fields)
    return PriorInjection.objects.create(patient=patient, **values)
