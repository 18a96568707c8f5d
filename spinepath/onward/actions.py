"""Recording what was done about a decision that stops the pathway, and finding who still waits.

One path per workflow: the pages, the API, the demo and the tests call these functions. Each
write is checked on the model (``full_clean``), locked on the patient, put on the episode's
timeline and audited, in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.models import Decision
from spinepath.clinical.red_flags import Urgency, urgency
from spinepath.clinical.vocab import Outcome
from spinepath.lib.dates import day as day_words
from spinepath.onward.models import OnwardAction
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, TimelineEvent

# The outcomes no reason can override (the core's ``Outcome.stops_pathway``), as stored values.
STOPPING_OUTCOMES = sorted(outcome.value for outcome in Outcome if outcome.stops_pathway)


class OnwardActionRefused(Exception):
    """The action cannot be recorded (wrong role, wrong decision, already recorded)."""


# --- who still needs an action -----------------------------------------------------------------


# An episode's decisions, its current one (the latest decision on its latest assessment) first.
CURRENT_ORDER = ("-assessment__assessed_on", "-assessment__created_at", "-evaluated_at", "-id")


def current_decision(episode: Episode) -> Decision | None:
    return (
        Decision.objects.filter(assessment__episode=episode)
        .select_related("onward_action")
        .order_by(*CURRENT_ORDER)
        .first()
    )


@dataclass(frozen=True)
class Alert:
    """A decision that stops the pathway, for a banner or a worklist row."""

    episode: Episode
    decision: Decision
    action: OnwardAction | None

    @property
    def is_referral(self) -> bool:
        return self.decision.outcome == Outcome.URGENT_REFERRAL

    @property
    def urgency(self) -> Urgency | None:
        if not self.is_referral:
            return None
        facts: dict[str, Any] = self.decision.facts
        found = urgency(
            facts.get("red_flags") or [], immunosuppressed=facts.get("immunosuppressed")
        )
        # The rules said "urgent referral": never show it as less than the most pressing.
        return found or Urgency.EMERGENCY

    @property
    def headline(self) -> str:
        if self.is_referral:
            return "Urgent referral — do not inject"
        return "Not suitable for this injection"

    @property
    def reasons(self) -> list[str]:
        return [
            r["message"] for r in self.decision.reasons if r.get("outcome") in STOPPING_OUTCOMES
        ]

    @property
    def sort_key(self) -> tuple[int, datetime]:
        rank = {Urgency.EMERGENCY: 0, Urgency.URGENT: 1, None: 2}[self.urgency]
        return rank, self.decision.evaluated_at


def alert_for(episode: Episode) -> Alert | None:
    """The stopping decision of an open episode, acted on or not; ``None`` when there is none."""
    if not episode.is_open:
        return None
    decision = current_decision(episode)
    if decision is None or decision.outcome not in STOPPING_OUTCOMES:
        return None
    return Alert(episode, decision, getattr(decision, "onward_action", None))


def alerts_for(episodes: list[Episode]) -> list[Alert]:
    """``alert_for`` of each episode, in their order, in one query however many there are.

    The open episodes' decisions come newest first (``CURRENT_ORDER``), so each episode's first is
    its current one: a plain ordered read compiles in a fraction of the time of a correlated
    subquery per decision, and a patient has a handful of decisions. The action's author comes
    with the action (the banner names them)."""
    open_ids = [episode.pk for episode in episodes if episode.is_open]
    if not open_ids:
        return []
    decisions = (
        Decision.objects.filter(assessment__episode__in=open_ids)
        .select_related("onward_action__recorded_by")
        .defer("ruleset_config", "steroid")
        .annotate(of_episode=F("assessment__episode_id"))
        .order_by(*CURRENT_ORDER)
    )
    current: dict[Any, Decision] = {}
    for decision in decisions:
        current.setdefault(decision.of_episode, decision)  # type: ignore[attr-defined]
    return [
        Alert(episode, decision, getattr(decision, "onward_action", None))
        for episode in episodes
        if (decision := current.get(episode.pk)) is not None
        and decision.outcome in STOPPING_OUTCOMES
    ]


def needing_action(episodes: QuerySet[Episode]) -> list[Alert]:
    """Open episodes whose current decision stops the pathway and has no onward action yet,
    most pressing first: emergencies, then urgent referrals, then plans, oldest first.

    Two reads rather than a current-decision subquery for every open episode: the stopping
    decisions still waiting for an action (few), then the decisions of just their episodes,
    newest first, to keep those that are still their episode's current one."""
    waiting = dict(
        Decision.objects.filter(
            outcome__in=STOPPING_OUTCOMES,
            onward_action__isnull=True,
            assessment__episode__in=episodes.open().values("pk"),
        ).values_list("pk", "assessment__episode_id")
    )
    if not waiting:
        return []
    current: dict[Any, Decision] = {}
    for decision in (
        Decision.objects.filter(assessment__episode__in=set(waiting.values()))
        .select_related("assessment__episode__patient")
        .order_by(*CURRENT_ORDER)
    ):
        current.setdefault(decision.assessment.episode_id, decision)
    alerts = [Alert(d.assessment.episode, d, None) for d in current.values() if d.pk in waiting]
    return sorted(alerts, key=lambda a: a.sort_key)


# --- recording ---------------------------------------------------------------------------------


def _check(decision: Decision, by: User, outcome: Outcome) -> Episode:
    if not by.is_clinician:
        raise OnwardActionRefused("Only a clinician may record this.")
    if decision.outcome != outcome:
        raise OnwardActionRefused(
            f"The decision is '{decision.get_outcome_display().lower()}', not "
            f"'{outcome.value.replace('_', ' ')}'."
        )
    episode = decision.assessment.episode
    # Lock the patient so two people recording at once cannot both pass the checks below.
    hold_patient(episode.patient_id)
    if OnwardAction.objects.filter(decision=decision).exists():
        raise OnwardActionRefused("An action is already recorded for this decision.")
    return episode


def urgent_referral_record(
    request: HttpRequest | None,
    *,
    decision: Decision,
    to_whom: str,
    method: str,
    made_at: datetime,
    notes: str = "",
    result: str = OnwardAction.Result.PENDING,
    result_on: date | None = None,
    by: User,
    at: datetime | None = None,
) -> OnwardAction:
    """Record that the urgent referral was made: to whom, when and how (and, if known, what it
    found). Raises ``OnwardActionRefused`` or ``ValidationError`` (naming fields); writes nothing
    then."""
    at = at or timezone.now()
    if timezone.is_naive(made_at):
        made_at = timezone.make_aware(made_at)  # a time without a zone is the clinic's
    with transaction.atomic():
        episode = _check(decision, by, Outcome.URGENT_REFERRAL)
        action = OnwardAction(
            episode=episode,
            decision=decision,
            kind=OnwardAction.Kind.URGENT_REFERRAL,
            to_whom=to_whom.strip(),
            method=method,
            made_at=made_at,
            notes=notes.strip(),
            result=result,
            result_on=result_on,
            recorded_by=by,
            recorded_at=at,
        )
        if result != OnwardAction.Result.PENDING:
            action.result_recorded_by, action.result_recorded_at = by, at
        action.full_clean()
        action.save()
        summary = (
            f"Urgent referral made to {action.to_whom} by {action.get_method_display().lower()} "
            f"on {day_words(made_at)} at {timezone.localtime(made_at):%H:%M}"
        )
        if result != OnwardAction.Result.PENDING:
            summary += f"; {action.get_result_display().lower()}"
            if result_on:
                summary += f" ({day_words(result_on)})"
        episode.log(TimelineEvent.Kind.PLAN, summary, by=by, at=at, detail={"onward": action.pk})
        audit.record(request, AuditEvent.Action.CREATE, action, user=by, at=at)
    return action


def not_suitable_plan_record(
    request: HttpRequest | None,
    *,
    decision: Decision,
    plan: str,
    notes: str = "",
    by: User,
    at: datetime | None = None,
) -> OnwardAction:
    """Record the plan for a patient not suitable for the injection."""
    at = at or timezone.now()
    with transaction.atomic():
        episode = _check(decision, by, Outcome.NOT_SUITABLE)
        action = OnwardAction(
            episode=episode,
            decision=decision,
            kind=OnwardAction.Kind.NOT_SUITABLE_PLAN,
            plan=plan.strip(),
            notes=notes.strip(),
            recorded_by=by,
            recorded_at=at,
        )
        action.full_clean()
        action.save()
        episode.log(
            TimelineEvent.Kind.PLAN,
            f"Not suitable — plan: {action.plan}"[:500],
            by=by,
            at=at,
            detail={"onward": action.pk},
        )
        audit.record(request, AuditEvent.Action.CREATE, action, user=by, at=at)
    return action


def urgent_referral_result_record(
    request: HttpRequest | None,
    *,
    action: OnwardAction,
    result: str,
    result_on: date | None,
    notes: str = "",
    by: User,
    at: datetime | None = None,
) -> OnwardAction:
    """Record what the urgent referral found (cause confirmed, excluded, or still pending)."""
    at = at or timezone.now()
    if not by.is_clinician:
        raise OnwardActionRefused("Only a clinician may record this.")
    if not action.is_referral:
        raise OnwardActionRefused("A plan has no referral result.")
    with transaction.atomic():
        hold_patient(action.episode.patient_id)
        before = audit.snapshot(action)
        action.result, action.result_on = result, result_on
        action.result_notes = notes.strip()
        action.result_recorded_by, action.result_recorded_at = by, at
        action.full_clean()
        changed = audit.changed_fields(action, before)
        diff = audit.changes(action, before)  # field by field, before and after
        action.save()
        summary = f"Urgent referral result: {action.get_result_display().lower()}"
        if result_on:
            summary += f" ({day_words(result_on)})"
        if action.result_notes:
            summary += f" — {action.result_notes}"
        action.episode.log(
            TimelineEvent.Kind.PLAN, summary[:500], by=by, at=at, detail={"onward": action.pk}
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            action,
            changed_fields=changed,
            detail={"changes": diff},
            user=by,
            at=at,
        )
    return action
