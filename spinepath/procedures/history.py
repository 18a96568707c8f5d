"""A patient's injection history in the clinical core's terms, from every place it is recorded."""

from __future__ import annotations

from datetime import date

from spinepath.clinical.facts import InjectionSite, PreviousInjection
from spinepath.clinical.vocab import Steroid
from spinepath.patients.models import Patient
from spinepath.procedures.models import PriorInjection


def previous_injections(patient: Patient, *, before: date) -> list[PreviousInjection]:
    """Injections on or before ``before``, oldest first, as the rules and steroid checks need."""
    prior = PriorInjection.objects.filter(
        patient=patient, entered_in_error=False, given_on__lte=before
    )
    history = [
        PreviousInjection(
            date=injection.given_on,
            procedure=InjectionSite(injection.site),
            steroid=Steroid(injection.steroid) if injection.steroid else None,
            steroid_dose_mg=injection.steroid_dose_mg if injection.steroid else None,
            relief_percent=injection.relief_percent,
        )
        for injection in prior
    ]
    return sorted(history, key=lambda injection: injection.date)
