"""Creating a procedure's follow-up time points: the "procedure recorded" hook.

The dates come from the clinical core (``clinical.followup_schedule``) with the clinic's own
schedule when it has one (``SPINEPATH_FOLLOWUP_SCHEDULES``, keyed by clinic code). The baseline is
the assessment's scores; when the latest baseline pain score is older than 6 weeks (or missing)
on the day, a ``baseline`` time point due that day asks again.

The hook runs inside the transaction that records the procedure and dates everything with the
record's own ``created_at`` (the workflow's ``at``), so replaying a workflow gives the same rows.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from spinepath.clinical.followup_schedule import (
    FollowUpConfig,
    baseline_is_stale,
    default_config,
    schedule,
    with_overrides,
)
from spinepath.clinical.instruments import primary_pain_measure
from spinepath.clinical.relief import PrimaryMeasure, Scores
from spinepath.clinical.vocab import Condition, Procedure
from spinepath.followup.models import Label, TimePoint
from spinepath.lib.dates import day
from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse

SCORED = ("nrs_back", "nrs_leg", "odi", "pgic")


def clinic_config(clinic_code: str) -> FollowUpConfig:
    """The schedules in force for a clinic (validated at start-up by the system check)."""
    overrides = getattr(settings, "SPINEPATH_FOLLOWUP_SCHEDULES", {}) or {}
    mine = overrides.get(clinic_code)
    return with_overrides(mine) if mine else default_config()


def primary_measure(record: ProcedureRecord) -> PrimaryMeasure:
    """The episode's primary pain measure, from the assessment the patient consented on."""
    assessment = record.consent.assessment
    return primary_pain_measure(Condition(record.episode.condition), assessment.leg_pain_dominant)


def _answered_at(response: QuestionnaireResponse) -> datetime:
    return response.completed_at or response.created_at


# Scheduling, the demo and every relief measure read this: compiled once (lib/prepared.py).
_BASELINE_ANSWERS = Prepared(
    lambda episode: QuestionnaireResponse.objects.filter(
        episode=episode,
        context=QuestionnaireResponse.Context.BASELINE,
        status=QuestionnaireResponse.Status.COMPLETED,
        instrument__in=SCORED,
    ),
    episode=(Episode._meta.pk, UUID(int=1), UUID(int=2)),  # type: ignore[arg-type]
)


def baseline_answers(episode: Episode) -> list[QuestionnaireResponse]:
    """Every completed baseline answer of ``episode`` to a scored instrument (one query): what
    :func:`assessment_baseline` chooses from, read once by a page that asks it several times."""
    return list(_BASELINE_ANSWERS(episode=episode.pk))


def assessment_baseline(
    episode: Episode,
    *,
    before: datetime,
    answers: list[QuestionnaireResponse] | None = None,
) -> dict[str, QuestionnaireResponse]:
    """``{instrument: response}``: the latest baseline answer to each scored instrument before
    ``before`` (answers given after the procedure are not its baseline). ``answers``: what
    :func:`baseline_answers` read for this episode (default: read them now)."""
    latest: dict[str, QuestionnaireResponse] = {}
    responses = baseline_answers(episode) if answers is None else answers
    for response in responses:
        response.episode = episode  # as ``episode.questionnaire_responses`` would cache it
    for response in sorted(responses, key=_answered_at, reverse=True):
        if _answered_at(response) <= before:
            latest.setdefault(response.instrument, response)
    return latest


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def scores_from(values: dict[str, float | None]) -> Scores:
    return Scores(
        nrs_back=_whole(values.get("nrs_back")),
        nrs_leg=_whole(values.get("nrs_leg")),
        odi=values.get("odi"),
        pgic=_whole(values.get("pgic")),
    )


def baseline_on(record: ProcedureRecord) -> date | None:
    """The date of the baseline primary pain score the assessment holds (None: never asked)."""
    answered = assessment_baseline(record.episode, before=record.performed_at)
    response = answered.get(primary_measure(record))
    return timezone.localdate(_answered_at(response)) if response else None


def schedule_follow_up(record: ProcedureRecord) -> list[TimePoint]:
    """Create the procedure's time points (and a baseline on the day when the old one is stale)."""
    episode = record.episode
    at = record.created_at
    performed_on = timezone.localdate(record.performed_at)
    config = clinic_config(episode.patient.clinic.code)
    primary = primary_measure(record)
    points = [
        TimePoint(
            episode=episode,
            procedure=record,
            label=point.label,
            due_on=point.due_on if point.due_at is None else timezone.localdate(point.due_at),
            due_at=point.due_at,
            instruments=list(point.instruments),
            created_at=at,
        )
        for point in schedule(
            Procedure(record.procedure),
            performed_at=record.performed_at,
            performed_on=performed_on,
            primary=primary,
            config=config,
        )
    ]
    if baseline_is_stale(baseline_on(record), performed_on, config):
        instruments = list(config.baseline_instruments)
        if primary not in instruments:
            instruments.insert(0, primary)
        points.insert(
            0,
            TimePoint(
                episode=episode,
                procedure=record,
                label=Label.BASELINE,
                due_on=performed_on,
                instruments=instruments,
                created_at=at,
            ),
        )
    created = TimePoint.objects.bulk_create(points)
    episode.log(
        TimelineEvent.Kind.FOLLOW_UP,
        _summary(created)[:500],
        by=record.operator,
        detail={"procedure": record.pk, "schedule": config.version},
        at=at,
    )
    return created


def _summary(points: list[TimePoint]) -> str:
    diary = [p for p in points if p.label == Label.DIARY]
    parts = []
    if any(p.label == Label.BASELINE for p in points):
        parts.append("baseline asked again today (the last is older than 6 weeks)")
    if diary:
        parts.append(f"pain diary ({len(diary)} times over the hours after the block)")
    parts += [
        f"{p.get_label_display()} ({day(p.due_on)})"
        for p in points
        if p.label not in (Label.DIARY, Label.BASELINE)
    ]
    return "Follow-up scheduled: " + "; ".join(parts)


def cancel_for(record: ProcedureRecord, at: datetime) -> int:
    """Cancel the open time points of a procedure marked entered in error."""
    return TimePoint.objects.open().filter(procedure=record).update(cancelled_at=at)
