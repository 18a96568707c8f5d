"""The clinic's rule-set versions over JSON (read only): GET /rulesets and /rulesets/{version}.

Scoped to the caller's clinic like every page; another clinic's version is a 404. Proposing and
approving happen on the pages (``ruleset_views.py``), through the same workflows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from spinepath.accounts.access import Task, ensure_may
from spinepath.accounts.models import Clinic, RuleSetVersion, User
from spinepath.accounts.rulesets import previous_config
from spinepath.clinical.governance import differences

router = Router(tags=["rule sets"])


class ChangeOut(Schema):
    key: str
    label: str
    before: str
    after: str


class RuleSetVersionOut(Schema):
    number: int
    name: str
    version: str
    status: str
    in_force: bool
    effective_on: date
    effective_at: datetime | None
    proposed_by: str
    proposed_at: datetime
    reason: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    changes: list[ChangeOut]


class RuleSetVersionDetailOut(RuleSetVersionOut):
    config: dict[str, Any]


def _clinic(request: HttpRequest) -> Clinic:
    user: User = request.user  # type: ignore[assignment]
    ensure_may(user, Task.RULESETS)
    if user.clinic is None:
        raise Http404("You are not a member of a clinic.")
    return user.clinic


def _out(row: RuleSetVersion, in_force: RuleSetVersion | None) -> dict[str, Any]:
    config = row.config()
    return {
        "number": row.number,
        "name": row.name,
        "version": row.version,
        "status": row.status,
        "in_force": in_force is not None and in_force.pk == row.pk,
        "effective_on": row.effective_on,
        "effective_at": row.effective_at,
        "proposed_by": row.proposed_by.display_name,
        "proposed_at": row.proposed_at,
        "reason": row.reason,
        "decided_by": row.decided_by.display_name if row.decided_by else None,
        "decided_at": row.decided_at,
        "decision_note": row.decision_note,
        "changes": [c._asdict() for c in differences(previous_config(row), config)],
        "config": config.model_dump(mode="json"),
    }


@router.get("/rulesets", response=list[RuleSetVersionOut], summary="The clinic's rule sets")
def ruleset_list(request: HttpRequest) -> Any:
    """Every version of the caller's clinic's rule set, newest first, with who proposed and
    decided it, when, why, and its changes from the version before."""
    clinic = _clinic(request)
    in_force = RuleSetVersion.in_force(clinic, timezone.now())
    rows = clinic.ruleset_versions.select_related("clinic", "proposed_by", "decided_by")
    return [_out(row, in_force) for row in rows.order_by("-number")]


@router.get("/rulesets/{version}", response=RuleSetVersionDetailOut, summary="One rule-set version")
def ruleset_detail(request: HttpRequest, version: str) -> Any:
    """One version of the caller's clinic's rule set, by the version decisions store, with
    every threshold it sets (``config``)."""
    clinic = _clinic(request)
    row = (
        clinic.ruleset_versions.select_related("clinic", "proposed_by", "decided_by")
        .filter(version=version)
        .first()
    )
    if row is None:
        raise Http404(f"No rule-set version {version!r} in your clinic.")
    return _out(row, RuleSetVersion.in_force(clinic, timezone.now()))
