"""Auditing who looked at (or exported) outcome figures.

Figures are not one patient's record, so ``accounts.audit.record`` (which names one object) does
not fit: one event per request names the view or export, the filters and the scope, never a
patient. A clinic's administrator sees their staff's look-ups in the audit log like any other.
"""

from __future__ import annotations

from django.http import HttpRequest

from spinepath.accounts.audit import client_ip
from spinepath.accounts.models import AuditEvent, User
from spinepath.analytics.queries import OutcomeFilters, Scope


def record_figures(
    request: HttpRequest | None,
    user: User | None,
    what: str,
    filters: OutcomeFilters,
    scope: Scope,
    *,
    export: bool = False,
) -> AuditEvent:
    """One audit event: ``what`` (``summary``, ``research_extract``, a panel) with its filters."""
    channel = AuditEvent.Channel.SYSTEM
    if request is not None:
        channel = (
            AuditEvent.Channel.API if request.path.startswith("/api/") else AuditEvent.Channel.UI
        )
    return AuditEvent.objects.create(
        user=user,
        username=user.username if user else "",
        clinic_id=user.clinic_id if user else None,
        action=AuditEvent.Action.EXPORT if export else AuditEvent.Action.LIST,
        channel=channel,
        model="analytics.ProcedureOutcome",
        ip_address=client_ip(request),
        detail={
            "figures": what,
            "filters": filters.as_dict(),
            "clinics": "all" if scope.clinic_ids is None else sorted(scope.clinic_ids),
            "pseudonymised": scope.pseudonymised,
        },
    )
