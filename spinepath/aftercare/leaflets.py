"""The records a leaflet is built from, turned into the core's plain inputs.

``clinical.aftercare`` knows no Django: this module reads the consent (the plan), the procedure
record (what was given), the assessment (diabetes, blood thinners, kidney function), the episode
(the condition) and the clinic (contact details, out-of-hours advice), and calls the core.
"""

from __future__ import annotations

from spinepath.accounts.models import Clinic
from spinepath.assessment.models import Assessment
from spinepath.clinical.aftercare import (
    Aftercare,
    ClinicContact,
    PatientFactors,
    PlanInformation,
    ProcedureGiven,
    build_aftercare,
    build_plan_information,
)
from spinepath.clinical.vocab import (
    Antithrombotic,
    Condition,
    Imaging,
    LocalAnaesthetic,
    Procedure,
    Steroid,
)
from spinepath.procedures.consent import sick_day_glucose_mmol_l
from spinepath.procedures.models import Consent, ProcedureRecord


def clinic_contact(clinic: Clinic) -> ClinicContact:
    return ClinicContact(
        name=clinic.name, phone=clinic.phone, out_of_hours_advice=clinic.out_of_hours_advice
    )


def patient_factors(assessment: Assessment) -> PatientFactors:
    """Diabetes and each blood thinner as assessed (unrecorded medication lists none)."""
    rows = assessment.antithrombotics if assessment.medication_recorded else []
    drugs: list[Antithrombotic] = []
    for row in rows:
        drug = Antithrombotic(row["drug"])
        if drug not in drugs:
            drugs.append(drug)
    return PatientFactors(
        diabetic=assessment.diabetes is True,
        antithrombotics=tuple(drugs),
        crcl_ml_min=assessment.crcl_ml_min,
        sick_day_glucose_mmol_l=sick_day_glucose_mmol_l(),
    )


def _given(record: Consent | ProcedureRecord) -> ProcedureGiven:
    return ProcedureGiven(
        procedure=Procedure(record.procedure),
        imaging=Imaging(record.imaging),
        steroid=Steroid(record.steroid) if record.steroid else None,
        local_anaesthetic=(
            LocalAnaesthetic(record.local_anaesthetic) if record.local_anaesthetic else None
        ),
    )


def plan_information_for(consent: Consent) -> PlanInformation:
    """The personalised information for the plan ``consent`` agreed to."""
    episode = consent.episode
    return build_plan_information(
        _given(consent),
        Condition(episode.condition),
        patient_factors(consent.assessment),
        clinic_contact(episode.patient.clinic),
    )


def aftercare_for(record: ProcedureRecord) -> Aftercare:
    """The aftercare leaflet for what ``record`` says was given."""
    return build_aftercare(
        _given(record),
        patient_factors(record.consent.assessment),
        clinic_contact(record.episode.patient.clinic),
    )
