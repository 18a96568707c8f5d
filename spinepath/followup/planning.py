"""Plan the next step when an injection's relief has ended or never came: one workflow.

The episode page and the API both call ``next_step_record``. The options come from the core
(``clinical.next_step``) on measured relief; a repeat injection also runs the steroid checks
(``procedures.recording.procedure_steroid_check``) for the same drug and dose on the day of the
plan, and the result goes with the plan. The choice, its reason and the relief it was based on
go on the timeline and the audit log. Discharge goes through the episode's own discharge workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.clinical.next_step import NextStep, StepOption, options
from spinepath.clinical.steroids import SteroidCheck, SteroidStatus
from spinepath.clinical.vocab import Condition, Procedure
from spinepath.followup.models import NextStepPlan, PlanChoice
from spinepath.followup.outcomes import ProcedureRelief, procedure_relief
from spinepath.lib.dates import day
from spinepath.patients.episodes import EpisodeRefused, episode_discharge
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import ProcedureRecord
from spinepath.procedures.recording import procedure_steroid_check

REASON_MIN_CHARS = 10


class PlanRefused(Exception):
    """No plan can be recorded: role, episode closed, relief still going, or not offered."""


def step_options(relief: ProcedureRelief) -> tuple[StepOption, ...]:
    record = relief.record
    return options(
        best_relief_percent=relief.result.best_change_percent,
        condition=Condition(record.episode.condition),
        procedure=Procedure(record.procedure),
    )


def repeat_steroid_check(record: ProcedureRecord, *, at: datetime) -> SteroidCheck | None:
    """The steroid checks for repeating the same drug and dose on the day of the plan."""
    return procedure_steroid_check(
        record.episode,
        procedure=record.procedure,
        steroid=record.steroid,
        steroid_dose_mg=record.steroid_dose_mg,
        on=timezone.localdate(at),
    )


def _steroid_words(check: SteroidCheck | None) -> str:
    if check is None:
        return "no steroid, so no steroid checks"
    if check.status == SteroidStatus.OK:
        return "steroid checks pass"
    reasons = "; ".join(r.message for r in check.reasons)
    when = f" Not before {day(check.earliest_date)}." if check.earliest_date else ""
    return f"steroid checks: {check.status} ({reasons}).{when}"


def relief_snapshot(relief: ProcedureRelief) -> dict[str, Any]:
    result = relief.result
    return {
        "summary": relief.words,
        "responder": result.responder,
        "onset": result.onset.label if result.onset else None,
        "ended": result.ended.label if result.ended else None,
        "duration_days": result.duration_days,
        "censored": result.censored,
        "best_change_percent": result.best_change_percent,
    }


def next_step_record(
    request: HttpRequest | None,
    *,
    record: ProcedureRecord,
    choice: str,
    reason: str,
    by: User,
    discharge_outcome: str = "",
    at: datetime | None = None,
) -> NextStepPlan:
    """Record the next step after ``record``'s relief ended or never came, with its reason.

    ``ValidationError`` names ``choice``, ``reason`` or ``discharge_outcome``; ``PlanRefused``
    says why no plan can be made. The discharge option discharges the episode, in the same
    transaction, through the episode's own workflow (``episode_discharge``) with
    ``discharge_outcome`` and the reason as its note.
    """
    at = at or timezone.now()
    reason = reason.strip()
    if not access.may(by, Task.PLAN):
        raise PlanRefused("Only a clinician may plan the next step after an injection.")
    if choice not in PlanChoice.values:
        raise ValidationError({"choice": f"Choose one of {', '.join(PlanChoice.values)}."})
    if len(reason) < REASON_MIN_CHARS:
        raise ValidationError(
            {
                "reason": f"Write why (at least {REASON_MIN_CHARS} characters): it goes on "
                "the record."
            }
        )
    if choice == NextStep.DISCHARGE and discharge_outcome not in Episode.DischargeOutcome.values:
        raise ValidationError({"discharge_outcome": "Choose the outcome the episode ends with."})
    with transaction.atomic():
        episode = record.episode
        hold_patient(episode.patient_id)
        record.refresh_from_db()
        episode.refresh_from_db()
        if record.entered_in_error:
            raise PlanRefused("This procedure was marked entered in error.")
        if not episode.is_open:
            raise PlanRefused("This episode is discharged.")
        relief = procedure_relief(record, as_of=timezone.localdate(at))
        if not relief.needs_next_step:
            raise PlanRefused(
                "Relief is still continuing (or not yet measured): plan the next step when it "
                "has ended or never came."
            )
        option = next(o for o in step_options(relief) if o.step == choice)
        if not option.offered:
            raise ValidationError({"choice": f"Not offered: {option.why_not}."})
        snapshot = relief_snapshot(relief)
        check_words = ""
        if choice == NextStep.REPEAT_INJECTION:
            check = repeat_steroid_check(record, at=at)
            blocked = check is not None and check.status == SteroidStatus.BLOCK
            if blocked and check is not None and check.earliest_date is None:
                raise ValidationError(
                    {"choice": "A repeat is not possible: " + _steroid_words(check)}
                )
            snapshot["steroid_check"] = check.model_dump(mode="json") if check else None
            check_words = " — " + _steroid_words(check)
        plan = NextStepPlan.objects.create(
            episode=episode,
            procedure=record,
            choice=choice,
            reason=reason,
            relief=snapshot,
            decided_by=by,
            decided_at=at,
        )
        summary = (
            f"Next step after the injection of {day(record.performed_at)}: "
            f"{plan.get_choice_display()}{check_words}. Relief: {relief.words} Reason: {reason}"
        )
        episode.log(
            TimelineEvent.Kind.PLAN,
            summary[:500],
            by=by,
            detail={"procedure": record.pk, "plan": plan.pk, "choice": choice},
            at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.CREATE,
            plan,
            changed_fields=["choice", "reason"],
            reason=reason,
            user=by,
            at=at,
        )
        if choice == NextStep.DISCHARGE:
            try:
                episode_discharge(
                    request, episode=episode, outcome=discharge_outcome, note=reason, by=by, at=at
                )
            except EpisodeRefused as refused:
                raise PlanRefused(str(refused)) from refused
    return plan
