"""A patient's injection history in the clinical core's terms, from every place it is recorded.

Two sources, one history: procedures done here (``ProcedureRecord``) and injections recorded as
given elsewhere (``PriorInjection``). Nothing is copied between them, so the history the rules
and the steroid checks see is always the record as it stands; entries marked entered-in-error
are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from spinepath.clinical.facts import InjectionSite, PreviousInjection
from spinepath.clinical.steroids import GivenInjection
from spinepath.clinical.vocab import Steroid
from spinepath.patients.models import Patient
from spinepath.procedures.hooks import measured_relief
from spinepath.procedures.models import PriorInjection, ProcedureRecord


@dataclass(frozen=True)
class Injection:
    """One injection from either source, with where it came from for display and links."""

    given_on: date
    site: InjectionSite
    steroid: Steroid | None
    steroid_dose_mg: float | None
    relief_percent: float | None
    source: str  # "here" or "elsewhere"
    record: ProcedureRecord | PriorInjection

    @property
    def has_steroid(self) -> bool:
        return self.steroid is not None and self.steroid_dose_mg is not None


def injections(
    patient: Patient, *, on_or_before: date | None = None, measure_relief: bool = False
) -> list[Injection]:
    """Every injection the patient has had, oldest first.

    With ``measure_relief``, injections given here carry the relief their follow-up measured
    by ``on_or_before`` (``hooks.MEASURED_RELIEF``); the steroid checks and ledger do not need it.
    """
    prior = PriorInjection.objects.filter(patient=patient, entered_in_error=False)
    here = ProcedureRecord.objects.counted().filter(episode__patient=patient)
    if on_or_before is not None:
        prior = prior.filter(given_on__lte=on_or_before)
        here = here.filter(performed_at__date__lte=on_or_before)
    done_here = list(here)
    relief = measured_relief(done_here, on_or_before) if measure_relief else {}
    found = [
        Injection(
            given_on=p.given_on,
            site=InjectionSite(p.site),
            steroid=Steroid(p.steroid) if p.steroid else None,
            steroid_dose_mg=p.steroid_dose_mg if p.steroid else None,
            relief_percent=p.relief_percent,
            source="elsewhere",
            record=p,
        )
        for p in prior
    ] + [
        Injection(
            given_on=timezone.localdate(r.performed_at),
            site=InjectionSite(r.procedure),
            steroid=Steroid(r.steroid) if r.steroid else None,
            steroid_dose_mg=r.steroid_dose_mg if r.steroid else None,
            relief_percent=relief.get(r.pk),  # measured by follow-up questionnaires
            source="here",
            record=r,
        )
        for r in done_here
    ]
    return sorted(found, key=lambda injection: injection.given_on)


def previous_injections(patient: Patient, *, before: date) -> list[PreviousInjection]:
    """Injections on or before ``before``, oldest first, as the suitability rules need."""
    return [
        PreviousInjection(
            date=i.given_on,
            procedure=i.site,
            steroid=i.steroid if i.has_steroid else None,
            steroid_dose_mg=i.steroid_dose_mg if i.has_steroid else None,
            relief_percent=i.relief_percent,
        )
        for i in injections(patient, on_or_before=before, measure_relief=True)
    ]


def steroid_history(patient: Patient, *, on_or_before: date) -> list[GivenInjection]:
    """Steroid injections on or before the day, as the steroid exposure checks need."""
    return [
        GivenInjection(
            date=i.given_on,
            procedure=i.site,
            steroid=i.steroid,
            steroid_dose_mg=i.steroid_dose_mg,
        )
        for i in injections(patient, on_or_before=on_or_before)
        if i.has_steroid and i.steroid is not None and i.steroid_dose_mg is not None
    ]
