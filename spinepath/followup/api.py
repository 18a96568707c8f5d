"""Follow-up and relief over JSON (api.md "Contracts of the later stages").

``POST /outcomes/relief`` is the clinical core's relief as a pure function of its body. The rest
reach patient records only through ``accounts.access`` (clinic-scoped, audited) and call the same
workflows as the pages: staff entry of answers (``responses.time_point_submit``) and the plan of
the next step (``planning.next_step_record``). Refusals are 409, bad fields 422 naming each one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from spinepath.accounts import access
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.api_helpers import Input, field_error, from_model_errors
from spinepath.clinical.relief import (
    DEFINITION,
    FollowUpScores,
    Milestone,
    Relief,
    ReliefInputError,
    Scores,
    relief,
)
from spinepath.followup.models import PlanChoice, TimePoint
from spinepath.followup.outcomes import ProcedureRelief, procedure_relief
from spinepath.followup.planning import PlanRefused, next_step_record, step_options
from spinepath.followup.responses import FollowUpRefused, time_point_submit
from spinepath.followup.status import status_of
from spinepath.patients import scope
from spinepath.patients.models import Episode
from spinepath.procedures.models import ProcedureRecord

router = Router(tags=["follow-up"])

Nrs = Annotated[int, Field(ge=0, le=10, strict=True)]
Pgic = Annotated[int, Field(ge=1, le=7, strict=True)]
Odi = Annotated[float, Field(ge=0, le=100, strict=True)]
Label = Literal["diary", "2w", "6w", "3m", "6m", "12m"]


# --- POST /outcomes/relief (pure) ---------------------------------------------------------------


class BaselineIn(Input):
    nrs_back: Nrs | None = None
    nrs_leg: Nrs | None = None
    odi: Odi | None = None


class TimePointIn(Input):
    label: Label
    date: date
    nrs_back: Nrs | None = None
    nrs_leg: Nrs | None = None
    odi: Odi | None = None
    pgic: Pgic | None = None


class ReliefIn(Input):
    procedure_date: date
    primary: Literal["nrs_back", "nrs_leg"]
    baseline: BaselineIn
    timepoints: list[TimePointIn] = Field(max_length=100)


class MilestoneOut(Schema):
    label: str
    date: date
    days: int


class TimePointReliefOut(Schema):
    label: str
    days: int
    completed: bool
    change_points: int | None
    change_percent: float | None
    meaningful: bool | None
    substantial: bool | None
    odi_change_points: float | None
    odi_meaningful: bool | None
    pgic_meaningful: bool | None


class ReliefOut(Schema):
    responder: bool
    onset: MilestoneOut | None
    ended: MilestoneOut | None
    duration_days: int | None
    censored: bool
    timepoints: list[TimePointReliefOut]


def _milestone(m: Milestone | None) -> dict[str, Any] | None:
    return None if m is None else {"label": m.label, "date": m.on, "days": m.days}


def relief_out(result: Relief) -> dict[str, Any]:
    return {
        "responder": result.responder,
        "onset": _milestone(result.onset),
        "ended": _milestone(result.ended),
        "duration_days": result.duration_days,
        "censored": result.censored,
        "timepoints": [
            {
                "label": t.label,
                "days": t.days,
                "completed": t.completed,
                "change_points": t.change_points,
                "change_percent": t.change_percent,
                "meaningful": t.meaningful,
                "substantial": t.substantial,
                "odi_change_points": t.odi_change_points,
                "odi_meaningful": t.odi_meaningful,
                "pgic_meaningful": t.pgic_meaningful,
            }
            for t in result.timepoints
        ],
    }


@router.post(
    "/outcomes/relief",
    response=ReliefOut,
    summary="Relief of one procedure's follow-up, exactly as followup.md defines it",
)
def outcomes_relief(request: HttpRequest, payload: ReliefIn) -> Any:
    baseline = Scores(
        nrs_back=payload.baseline.nrs_back,
        nrs_leg=payload.baseline.nrs_leg,
        odi=payload.baseline.odi,
    )
    points = [
        FollowUpScores(
            label=t.label,
            on=t.date,
            scores=Scores(nrs_back=t.nrs_back, nrs_leg=t.nrs_leg, odi=t.odi, pgic=t.pgic),
        )
        for t in payload.timepoints
    ]
    try:
        result = relief(payload.procedure_date, payload.primary, baseline, points)
    except ReliefInputError as refused:
        raise field_error(refused.field, refused.message) from None
    return relief_out(result)


# --- Time points of an episode, staff entry, relief per procedure, next step -------------------


class TimePointOut(Schema):
    id: int
    procedure_id: int | None
    label: str
    due_on: date
    due_at: datetime | None
    instruments: list[str]
    status: str
    completed_at: datetime | None
    late: bool
    staff_entered: bool
    entered_by: str | None
    scores: dict[str, float]


class ProcedureFollowUpOut(Schema):
    procedure_id: int
    procedure: str
    performed_at: datetime
    time_points: list[TimePointOut]


class StaffEntryIn(Input):
    answers: dict[str, dict[str, int | None]] = Field(
        description="{instrument: {item: value}}, e.g. {'nrs_leg': {'score': 3}}"
    )


class ProcedureReliefOut(ReliefOut):
    procedure_id: int
    procedure_date: date
    primary: str
    baseline: dict[str, float | None]
    baseline_source: str
    summary: str
    definition: str
    next_step_options: list[dict[str, Any]]


class NextStepIn(Input):
    choice: PlanChoice
    reason: str = Field(min_length=1, max_length=2000)
    discharge_outcome: Episode.DischargeOutcome | None = Field(
        default=None, description="Required with choice 'discharge': the outcome it ends with."
    )


class NextStepOut(Schema):
    id: int
    procedure_id: int
    choice: str
    reason: str
    relief: dict[str, Any]
    decided_by: str
    decided_at: datetime


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def time_point_out(point: TimePoint, today: date) -> dict[str, Any]:
    return {
        "id": point.pk,
        "procedure_id": point.procedure_id,
        "label": point.label,
        "due_on": point.due_on,
        "due_at": point.due_at,
        "instruments": list(point.instruments),
        "status": status_of(point, today).value,
        "completed_at": point.completed_at,
        "late": point.late,
        "staff_entered": point.staff_entered,
        "entered_by": point.entered_by.display_name if point.entered_by else None,
        "scores": dict(point.scores),
    }


def _procedure(request: HttpRequest, procedure_id: int) -> ProcedureRecord:
    return scope.get_episode_record_for_user(
        request,
        ProcedureRecord.objects.counted().select_related(
            "episode__patient__clinic", "consent__assessment"
        ),
        procedure_id,
        what="procedure",
    )


@router.get(
    "/episodes/{episode_id}/follow-up",
    response=list[ProcedureFollowUpOut],
    summary="Each procedure's follow-up time points and where they stand",
)
def episode_follow_up(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    today = timezone.localdate()
    records = ProcedureRecord.objects.counted().filter(episode=episode).order_by("performed_at")
    points = (
        TimePoint.objects.filter(episode=episode)
        .select_related("entered_by")
        .prefetch_related("links")
    )
    by_procedure: dict[int | None, list[TimePoint]] = {}
    for point in points:
        by_procedure.setdefault(point.procedure_id, []).append(point)
    return [
        {
            "procedure_id": record.pk,
            "procedure": record.procedure,
            "performed_at": record.performed_at,
            "time_points": [time_point_out(p, today) for p in by_procedure.get(record.pk, [])],
        }
        for record in records
    ]


@router.post(
    "/time-points/{time_point_id}/responses",
    response=TimePointOut,
    summary="Enter a time point's answers given by phone or in clinic (marked staff-entered)",
)
def enter_responses(request: HttpRequest, time_point_id: int, payload: StaffEntryIn) -> Any:
    user = _user(request)
    point = scope.get_episode_record_for_user(
        request,
        TimePoint.objects.select_related("episode__patient__clinic", "procedure"),
        time_point_id,
        what="time point",
        log_read=False,
    )
    access.ensure_may(user, Task.FOLLOW_UP)
    try:
        point = time_point_submit(request, point, answers=payload.answers, source="staff", by=user)
    except FollowUpRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return time_point_out(point, timezone.localdate())


def procedure_relief_out(found: ProcedureRelief) -> dict[str, Any]:
    baseline = found.baseline
    return {
        **relief_out(found.result),
        "procedure_id": found.record.pk,
        "procedure_date": found.procedure_on,
        "primary": found.primary,
        "baseline": {
            "nrs_back": baseline.nrs_back,
            "nrs_leg": baseline.nrs_leg,
            "odi": baseline.odi,
        },
        "baseline_source": found.baseline_source,
        "summary": found.words,
        "definition": DEFINITION,
        "next_step_options": [
            {"choice": o.step.value, "offered": o.offered, "why_not": o.why_not}
            for o in step_options(found)
        ]
        if found.needs_next_step
        else [],
    }


@router.get(
    "/procedures/{procedure_id}/relief",
    response=ProcedureReliefOut,
    summary="Relief after one procedure, from its follow-up answers",
)
def procedure_relief_summary(request: HttpRequest, procedure_id: int) -> Any:
    return procedure_relief_out(procedure_relief(_procedure(request, procedure_id)))


@router.post(
    "/procedures/{procedure_id}/next-step",
    response={201: NextStepOut},
    summary="Record the next step after relief ended or never came, with its reason",
)
def plan_next_step(request: HttpRequest, procedure_id: int, payload: NextStepIn) -> Any:
    user = _user(request)
    record = _procedure(request, procedure_id)
    access.ensure_may(user, Task.PLAN)
    try:
        plan = next_step_record(
            request,
            record=record,
            choice=payload.choice.value,
            reason=payload.reason,
            discharge_outcome=payload.discharge_outcome.value if payload.discharge_outcome else "",
            by=user,
        )
    except PlanRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return Status(
        201,
        {
            "id": plan.pk,
            "procedure_id": record.pk,
            "choice": plan.choice,
            "reason": plan.reason,
            "relief": plan.relief,
            "decided_by": user.display_name,
            "decided_at": plan.decided_at,
        },
    )
