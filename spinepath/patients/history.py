"""A patient's injection history in the clinical core's terms, from every place it is recorded.

Two sources, one history: injections recorded as given elsewhere (``PriorInjection``, beside the
patient) and procedures done here (``ProcedureRecord``). Nothing is copied between them, so the
history the rules and the steroid checks see is always the record as it stands; entries marked
entered-in-error are left out.

The history lives with the patient so the assessment (below the procedures app) can read it.
The procedures app adds its source to ``SOURCES`` when it starts (``ProceduresConfig.ready``): an
explicit list, like ``procedures/hooks.py``, so the dependency points downwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from django.db.models import Model

from spinepath.clinical.facts import InjectionSite, PreviousInjection
from spinepath.clinical.steroids import GivenInjection
from spinepath.clinical.vocab import Steroid
from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Patient, PriorInjection


@dataclass(frozen=True)
class Injection:
    """One injection from either source, with where it came from for display and links."""

    given_on: date
    site: InjectionSite
    steroid: Steroid | None
    steroid_dose_mg: float | None
    relief_percent: float | None
    source: str  # "here" or "elsewhere"
    record: Model  # the PriorInjection or ProcedureRecord it was read from

    @property
    def has_steroid(self) -> bool:
        return self.steroid is not None and self.steroid_dose_mg is not None


class InjectionSource(Protocol):
    """Every injection one kind of record holds for a patient, on or before a day (``None``: all);
    with ``measure_relief``, the relief measured since, where the source can measure it."""

    def __call__(
        self, patient: Patient, on_or_before: date | None, *, measure_relief: bool = False
    ) -> list[Injection]: ...


PRIOR_FIELDS = (
    "patient_id",
    "given_on",
    "site",
    "steroid",
    "steroid_dose_mg",
    "relief_percent",
    "where",
)
# Up to a day, as the ledger and every decision ask: compiled once (lib/prepared.py).
_PRIOR_UP_TO = Prepared(
    lambda patient, day: PriorInjection.objects.filter(
        patient=patient, entered_in_error=False, given_on__lte=day
    ).only(*PRIOR_FIELDS),
    patient=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    day=(PriorInjection._meta.get_field("given_on"), date(1901, 1, 1), date(1902, 2, 2)),
)


def given_elsewhere(
    patient: Patient, on_or_before: date | None, *, measure_relief: bool = False
) -> list[Injection]:
    """Injections recorded as given elsewhere, not entered in error (relief as reported)."""
    prior: Iterable[PriorInjection]
    if on_or_before is not None:
        prior = _PRIOR_UP_TO(patient=patient.pk, day=on_or_before)
    else:
        prior = PriorInjection.objects.filter(patient=patient, entered_in_error=False).only(
            *PRIOR_FIELDS
        )
    return [
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
    ]


SOURCES: list[InjectionSource] = [given_elsewhere]
"""Where injections are recorded; ``procedures`` appends the procedures done here."""


def add_source(source: InjectionSource) -> None:
    """Add a source once (``ready()`` may run more than once in tests)."""
    if source not in SOURCES:
        SOURCES.append(source)


def injections(
    patient: Patient, *, on_or_before: date | None = None, measure_relief: bool = False
) -> list[Injection]:
    """Every injection the patient has had, from every source, oldest first."""
    found = [
        injection
        for source in SOURCES
        for injection in source(patient, on_or_before, measure_relief=measure_relief)
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
