"""A proposed rule set's impact on the clinic's stored decisions (the preview before approval).

The core re-evaluates (``clinical.governance.impact``); this adapter only chooses the decisions
(the clinic's last N, newest first) and hands over their facts snapshots. Nothing is written
but the audit log's reads: each decision listed shows its patient.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, Clinic
from spinepath.assessment.models import Decision
from spinepath.clinical.governance import Changed, Impact, impact
from spinepath.clinical.ruleset import RuleSetConfig

LAST_CHOICES = (50, 200, 1000)
DEFAULT_LAST = 200


@dataclass(frozen=True)
class DecisionImpact:
    """The impact over the decisions considered, and the span of dates they cover."""

    result: Impact[Decision]
    last: int
    first_at: object | None
    last_at: object | None

    @property
    def changed(self) -> list[Changed[Decision]]:
        return self.result.changed


def decision_impact(
    request: HttpRequest | None,
    clinic: Clinic,
    current: RuleSetConfig,
    proposed: RuleSetConfig,
    *,
    last: int = DEFAULT_LAST,
) -> DecisionImpact:
    """Re-run the clinic's last ``last`` decisions under ``current`` and ``proposed``."""
    decisions = list(
        Decision.objects.filter(assessment__episode__patient__clinic=clinic)
        .select_related("assessment__episode__patient")
        .order_by("-evaluated_at", "-pk")[:last]
    )
    result = impact(((d, d.facts) for d in decisions), current, proposed)
    for change in result.changed if request is not None else ():
        # Each decision listed names its patient: a read of that patient's record.
        audit.record(request, AuditEvent.Action.READ, change.key)
    return DecisionImpact(
        result=result,
        last=last,
        first_at=decisions[-1].evaluated_at if decisions else None,
        last_at=decisions[0].evaluated_at if decisions else None,
    )
