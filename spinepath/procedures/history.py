"""The procedures done here, as a source of the patient's injection history.

``patients/history.py`` merges every source; this one is added when the app starts
(``ProceduresConfig.ready``), so the history needs no import from this app.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date
from uuid import UUID

from django.utils import timezone

from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.vocab import Steroid
from spinepath.lib.prepared import Prepared
from spinepath.patients.history import Injection
from spinepath.patients.models import Patient
from spinepath.procedures.hooks import measured_relief
from spinepath.procedures.models import ProcedureRecord

HISTORY_FIELDS = ("episode_id", "performed_at", "procedure", "steroid", "steroid_dose_mg")

# Before a moment, for the ledger and the steroid checks: compiled once (lib/prepared.py).
_DONE_BEFORE = Prepared(
    lambda patient, before: (
        ProcedureRecord.objects.counted()
        .filter(episode__patient=patient, performed_at__lt=before)
        .only(*HISTORY_FIELDS)
    ),
    patient=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    before=(
        ProcedureRecord._meta.get_field("performed_at"),
        dt.datetime(1901, 1, 1, tzinfo=UTC),
        dt.datetime(1902, 2, 2, tzinfo=UTC),
    ),
)

# Up to a day with the relief measured since (every decision's history): whole records, with the
# episode and the consented assessment the relief measure reads, compiled once.
_DONE_BEFORE_MEASURED = Prepared(
    lambda patient, before: (
        ProcedureRecord.objects.counted()
        .filter(episode__patient=patient, performed_at__lt=before)
        .select_related("episode", "consent__assessment")
    ),
    patient=(Patient._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
    before=(
        ProcedureRecord._meta.get_field("performed_at"),
        dt.datetime(1901, 1, 1, tzinfo=UTC),
        dt.datetime(1902, 2, 2, tzinfo=UTC),
    ),
)


def done_here(
    patient: Patient, on_or_before: date | None, *, measure_relief: bool = False
) -> list[Injection]:
    """Procedures recorded here and not entered in error (``ProcedureRecord.objects.counted``).

    With ``measure_relief``, each carries the relief its follow-up measured by ``on_or_before``
    (``hooks.MEASURED_RELIEF``); the steroid checks and the ledger do not need it.
    """
    here: list[ProcedureRecord]
    if on_or_before is not None:  # performed on a local day up to on_or_before (an index range)
        next_day = timezone.make_aware(
            dt.datetime.combine(on_or_before + dt.timedelta(days=1), dt.time.min)
        )
        if not measure_relief:  # the ledger and the steroid checks read these columns only
            here = _DONE_BEFORE(patient=patient.pk, before=next_day)
        else:
            here = _DONE_BEFORE_MEASURED(patient=patient.pk, before=next_day)
    else:  # built here only: a queryset costs its filter's compile even when never run
        records = ProcedureRecord.objects.counted().filter(episode__patient=patient)
        here = list(records if measure_relief else records.only(*HISTORY_FIELDS))
    relief = measured_relief(here, on_or_before) if measure_relief else {}
    return [
        Injection(
            given_on=timezone.localdate(r.performed_at),
            site=InjectionSite(r.procedure),
            steroid=Steroid(r.steroid) if r.steroid else None,
            steroid_dose_mg=r.steroid_dose_mg if r.steroid else None,
            relief_percent=relief.get(r.pk),
            source="here",
            record=r,
        )
        for r in here
    ]
