"""Governed rule sets: propose, approve or reject a clinic's rule-set version; clinical leads.

One path per workflow (the pages, the API, the demo and the tests call these). What may change,
and whether a proposal is valid, is the core's policy (``clinical/governance.py``); here are who
may act, the order of things (one open proposal a clinic, dates) and the record: every step is
written with its audit event in one transaction, under the clinic's row lock, dated ``at``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.access import Task, ensure_may
from spinepath.accounts.models import (
    AuditEvent,
    Clinic,
    RuleSetVersion,
    User,
    service_ruleset,
)
from spinepath.clinical.governance import (
    ProposalRefused,
    SettingChange,
    check_proposal,
    differences,
    overrides_from,
)
from spinepath.clinical.rules import RULES, validate_ruleset
from spinepath.clinical.ruleset import RuleSetConfig, RuleSetConfigError

MIN_REASON = 10


class RuleSetRefused(Exception):
    """A rule-set step that cannot be taken; ``problems`` says why, each in a sentence."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def latest_approved(clinic: Clinic) -> RuleSetVersion | None:
    """The clinic's approved version taking effect last (in force now, or scheduled)."""
    return (
        RuleSetVersion.objects.filter(clinic=clinic, status=RuleSetVersion.Status.APPROVED)
        .order_by("-effective_at", "-number")
        .first()
    )


def open_proposal(clinic: Clinic) -> RuleSetVersion | None:
    return RuleSetVersion.objects.filter(
        clinic=clinic, status=RuleSetVersion.Status.PROPOSED
    ).first()


def starting_point(clinic: Clinic) -> RuleSetConfig:
    """What a new proposal changes: the latest approved version, else the settings' rule set."""
    latest = latest_approved(clinic)
    return latest.config() if latest is not None else clinic.settings_ruleset()


def previous_config(row: RuleSetVersion) -> RuleSetConfig:
    """The rule set ``row`` changed: the approved version before it, or the settings' one."""
    before = (
        RuleSetVersion.objects.filter(
            clinic_id=row.clinic_id, status=RuleSetVersion.Status.APPROVED, number__lt=row.number
        )
        .order_by("-number")
        .first()
    )
    return before.config() if before is not None else row.clinic.settings_ruleset()


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise RuleSetRefused([f"The {what} contains a character that cannot be stored (NUL)."])
    if len(text) < MIN_REASON:
        raise RuleSetRefused([f"Write the {what} (at least a short sentence)."])
    return text


def _same_clinic(by: User, clinic_id: int) -> None:
    if by.clinic_id != clinic_id:
        raise PermissionDenied("This rule set belongs to another clinic.")


@dataclass(frozen=True)
class Draft:
    """A proposal checked but not stored: what it starts from, what it would be, and how."""

    base: RuleSetConfig
    config: RuleSetConfig
    changes: list[SettingChange]
    number: int


def ruleset_draft(
    clinic: Clinic,
    *,
    values: Mapping[str, Any],
    disabled_rules: Collection[str],
    effective_on: date | None,
    at: datetime | None = None,
) -> Draft:
    """Check a proposal for ``clinic`` without storing it (the page's preview, and the first
    step of ``ruleset_propose``); ``RuleSetRefused`` lists every problem."""
    at = at or timezone.now()
    problems: list[str] = []
    pending = open_proposal(clinic)
    if pending is not None:
        problems.append(
            f"Version {pending.version} is already waiting for approval: approve or reject it "
            "first."
        )
    latest = latest_approved(clinic)
    if effective_on is None:
        problems.append("Give the date the new version is to take effect.")
    elif effective_on < timezone.localdate(at):
        problems.append("The effective date cannot be in the past.")
    elif latest is not None and effective_on < latest.effective_on:
        problems.append(
            f"The effective date cannot be before that of version {latest.version} "
            f"({latest.effective_on:%-d %B %Y}), which it changes."
        )
    base = latest.config() if latest is not None else clinic.settings_ruleset()
    number = (clinic.ruleset_versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = f"{service_ruleset().version}-{clinic.code}.{number}"
    try:
        config = check_proposal(base, values, disabled_rules, name=base.name, version=version)
    except ProposalRefused as refused:
        problems += refused.problems
        config = base
    if problems:
        raise RuleSetRefused(problems)
    return Draft(base=base, config=config, changes=differences(base, config), number=number)


def ruleset_propose(
    request: HttpRequest | None,
    *,
    clinic: Clinic,
    by: User,
    values: Mapping[str, Any],
    disabled_rules: Collection[str],
    effective_on: date | None,
    reason: str,
    at: datetime | None = None,
) -> RuleSetVersion:
    """A clinical lead of ``clinic`` proposes a new version; it waits for a second clinician."""
    at = at or timezone.now()
    ensure_may(by, Task.RULESET_PROPOSE)
    _same_clinic(by, clinic.pk)
    why = _reason(reason, "reason for the change")
    with transaction.atomic():
        Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
        draft = ruleset_draft(
            clinic, values=values, disabled_rules=disabled_rules, effective_on=effective_on, at=at
        )
        assert effective_on is not None  # the draft refuses a missing date
        row = RuleSetVersion.objects.create(
            clinic=clinic,
            number=draft.number,
            name=draft.config.name,
            version=draft.config.version,
            overrides=overrides_from(service_ruleset(), draft.config),
            effective_on=effective_on,
            reason=why,
            proposed_by=by,
            proposed_at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            row,
            user=by,
            reason=why,
            detail={
                "version": row.version,
                "effective_on": effective_on.isoformat(),
                "changes": [list(change) for change in draft.changes],
            },
            at=at,
        )
    return row


def _lock_proposed(row: RuleSetVersion) -> RuleSetVersion:
    locked = RuleSetVersion.objects.select_for_update().get(pk=row.pk)
    if locked.status != RuleSetVersion.Status.PROPOSED:
        raise RuleSetRefused(
            [f"Version {locked.version} is already {locked.get_status_display().lower()}."]
        )
    return locked


def ruleset_approve(
    request: HttpRequest | None,
    row: RuleSetVersion,
    *,
    by: User,
    note: str = "",
    at: datetime | None = None,
) -> RuleSetVersion:
    """A second clinician of the clinic approves ``row``; it takes effect at the start of its
    effective date, or now if that has passed (never earlier than its approval)."""
    at = at or timezone.now()
    ensure_may(by, Task.RULESET_APPROVE)
    _same_clinic(by, row.clinic_id)
    if by.pk == row.proposed_by_id:
        raise RuleSetRefused(
            ["You proposed this version: a second clinician of the clinic must approve it."]
        )
    note = (note or "").strip()
    if "\x00" in note:
        raise RuleSetRefused(["The note contains a character that cannot be stored (NUL)."])
    with transaction.atomic():
        clinic = Clinic.objects.select_for_update().get(pk=row.clinic_id)
        row = _lock_proposed(row)
        try:
            problems = validate_ruleset(RULES, row.config())
        except RuleSetConfigError as error:
            problems = error.problems
        if problems:
            raise RuleSetRefused([f"This version is no longer valid: {p}" for p in problems])
        start = timezone.make_aware(datetime.combine(row.effective_on, time.min))
        row.status = RuleSetVersion.Status.APPROVED
        row.decided_by, row.decided_at, row.decision_note = by, at, note
        row.effective_at = max(start, at)
        fields = ["status", "decided_by", "decided_at", "decision_note", "effective_at"]
        row.save(update_fields=fields)
        if clinic.governed_from is None or row.effective_at < clinic.governed_from:
            clinic.governed_from = row.effective_at
            clinic.save(update_fields=["governed_from"])
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            row,
            user=by,
            changed_fields=fields,
            reason=note,
            detail={
                "version": row.version,
                "status": row.status,
                "effective_at": row.effective_at.isoformat(),
            },
            at=at,
        )
    return row


def ruleset_reject(
    request: HttpRequest | None,
    row: RuleSetVersion,
    *,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> RuleSetVersion:
    """A clinician of the clinic rejects ``row`` with a reason (its proposer: withdraws it)."""
    at = at or timezone.now()
    ensure_may(by, Task.RULESET_APPROVE)
    _same_clinic(by, row.clinic_id)
    why = _reason(reason, "reason for rejecting it")
    with transaction.atomic():
        Clinic.objects.select_for_update().filter(pk=row.clinic_id).first()
        row = _lock_proposed(row)
        row.status = RuleSetVersion.Status.REJECTED
        row.decided_by, row.decided_at, row.decision_note = by, at, why
        fields = ["status", "decided_by", "decided_at", "decision_note"]
        row.save(update_fields=fields)
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            row,
            user=by,
            changed_fields=fields,
            reason=why,
            detail={"version": row.version, "status": row.status},
            at=at,
        )
    return row


def clinical_lead_set(
    request: HttpRequest | None,
    staff: User,
    *,
    by: User,
    lead: bool,
    at: datetime | None = None,
) -> User:
    """The clinic administrator makes a clinician of the clinic a clinical lead, or not."""
    at = at or timezone.now()
    ensure_may(by, Task.CLINICAL_LEADS)
    _same_clinic(by, staff.clinic_id or 0)
    if lead and not staff.is_clinician:
        raise RuleSetRefused(["Only a clinician can be a clinical lead."])
    if staff.is_clinical_lead == lead:
        return staff
    with transaction.atomic():
        staff.is_clinical_lead = lead
        staff.save(update_fields=["is_clinical_lead"])
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            staff,
            user=by,
            changed_fields=["is_clinical_lead"],
            detail={"is_clinical_lead": lead},
            at=at,
        )
    return staff
