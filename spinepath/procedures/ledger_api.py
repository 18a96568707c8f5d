"""A patient's steroid ledger over JSON: the figures of the patient page, scoped and audited."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from spinepath.patients import scope
from spinepath.procedures.ledger import LedgerView, patient_ledger

router = Router(tags=["steroid ledger"])


class LedgerLineOut(Schema):
    date: date
    source: str  # "here" or "elsewhere"
    procedure_record_id: int | None
    prior_injection_id: int | None
    where: str
    site: str
    region: str | None
    steroid: str
    dose_mg: float
    mpe_mg: float
    running_12m_mpe_mg: float
    running_36m_mpe_mg: float


class TotalsOut(Schema):
    last_12m_mpe_mg: float
    last_36m_mpe_mg: float


class LimitsOut(Schema):
    ruleset: str
    warn_12m_mpe_mg: float
    warn_36m_mpe_mg: float
    limit_12m_mpe_mg: float
    single_dose_warn_mpe_mg: float
    min_interval_days: int
    region_limit_count: int


class NextInjectionOut(Schema):
    based_on: str  # "latest assessment" or "most recent injection"
    procedure: str
    steroid: str
    dose_mg: float
    mpe_mg: float


class SteroidLedgerOut(Schema):
    patient_id: UUID
    as_of: date
    lines: list[LedgerLineOut]
    totals: TotalsOut
    limits: LimitsOut
    next_eligible_date: date | None
    next_injection: NextInjectionOut | None
    note: str


@router.get(
    "/patients/{patient_id}/steroid-ledger",
    response=SteroidLedgerOut,
    summary="A patient's steroid ledger",
)
def read_steroid_ledger(request: HttpRequest, patient_id: UUID) -> Any:
    """Every steroid given here or recorded as given elsewhere, oldest first, in mg
    methylprednisolone-equivalent, with the rolling totals on each date, the totals today, the
    rule set's limits and the first date a typical next injection would pass every block check
    (``null`` if none can, or if nothing is planned or was given)."""
    patient = scope.get_patient_for_user(request, patient_id)
    now = timezone.now()
    return _out(patient.pk, patient_ledger(patient, today=timezone.localdate(now), at=now))


def _out(patient_id: UUID, ledger: LedgerView) -> dict[str, Any]:
    next_injection = ledger.next_injection
    return {
        "patient_id": patient_id,
        "as_of": ledger.today,
        "lines": [
            {
                "date": row.line.date,
                "source": row.source,
                "procedure_record_id": row.record_id if row.source == "here" else None,
                "prior_injection_id": row.record_id if row.source == "elsewhere" else None,
                "where": row.where,
                "site": row.line.site.value,
                "region": row.line.region.value if row.line.region else None,
                "steroid": row.line.steroid.value,
                "dose_mg": row.line.dose_mg,
                "mpe_mg": row.line.mpe_mg,
                "running_12m_mpe_mg": row.line.running_12m_mpe_mg,
                "running_36m_mpe_mg": row.line.running_36m_mpe_mg,
            }
            for row in ledger.rows
        ],
        "totals": {
            "last_12m_mpe_mg": ledger.total_12m_mpe_mg,
            "last_36m_mpe_mg": ledger.total_36m_mpe_mg,
        },
        "limits": vars(ledger.limits),
        "next_eligible_date": next_injection.date if next_injection else None,
        "next_injection": None
        if next_injection is None
        else {
            "based_on": next_injection.based_on,
            "procedure": next_injection.template.procedure.value,
            "steroid": next_injection.template.steroid.value,
            "dose_mg": next_injection.template.steroid_dose_mg,
            "mpe_mg": next_injection.template.mpe_mg,
        },
        "note": ledger.note,
    }
