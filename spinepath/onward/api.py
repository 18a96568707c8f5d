"""Onward actions over JSON: the urgent referral made, its result, the plan when not suitable.

The same workflow functions as the pages; a refusal (wrong decision, already recorded) is a 409,
a bad field a 422 naming it, another clinic's record a 404, a role other than clinician a 403.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from spinepath.accounts import access
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.api_helpers import Input, from_model_errors
from spinepath.assessment.models import Decision
from spinepath.onward.actions import (
    OnwardActionRefused,
    alert_for,
    not_suitable_plan_record,
    urgent_referral_record,
    urgent_referral_result_record,
)
from spinepath.onward.models import OnwardAction
from spinepath.patients import scope

router = Router(tags=["onward"])


class UrgentReferralIn(Input):
    to_whom: str = Field(min_length=1, max_length=200)
    method: OnwardAction.Method
    made_at: datetime
    result: OnwardAction.Result = OnwardAction.Result.PENDING
    result_on: date | None = None
    notes: str = ""


class PlanIn(Input):
    plan: str = Field(min_length=1)
    notes: str = ""


class ResultIn(Input):
    result: OnwardAction.Result
    result_on: date | None = None
    notes: str = ""


class OnwardActionOut(Schema):
    id: int
    episode_id: str
    decision_id: int
    kind: str
    to_whom: str
    method: str
    made_at: datetime | None
    result: str
    result_on: date | None
    result_notes: str
    plan: str
    notes: str
    recorded_by: str
    recorded_at: datetime

    @staticmethod
    def resolve_episode_id(obj: OnwardAction) -> str:
        return str(obj.episode_id)

    @staticmethod
    def resolve_recorded_by(obj: OnwardAction) -> str:
        return obj.recorded_by.display_name


class EpisodeAlertOut(Schema):
    episode_id: str
    decision_id: int
    outcome: str
    urgency: str | None
    action: OnwardActionOut | None


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _decision(request: HttpRequest, decision_id: int) -> Decision:
    return access.get_for_user(
        request,
        Decision.objects.select_related("assessment__episode__patient__clinic"),
        decision_id,
        patient_path="assessment__episode__patient",
        what="decision",
        log_read=False,
    )


def _run(call: Any, **kwargs: Any) -> OnwardAction:
    try:
        return call(**kwargs)  # type: ignore[no-any-return]
    except OnwardActionRefused as refused:
        raise HttpError(409, str(refused)) from None
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None


@router.get(
    "/episodes/{episode_id}/urgent-action",
    response={200: EpisodeAlertOut, 204: None},
    summary="The decision that stops this episode, and what was done about it",
)
def episode_alert(request: HttpRequest, episode_id: str) -> Any:
    episode = scope.get_episode_for_user(request, episode_id)
    alert = alert_for(episode)
    if alert is None:
        return Status(204, None)
    return {
        "episode_id": str(episode.pk),
        "decision_id": alert.decision.pk,
        "outcome": alert.decision.outcome,
        "urgency": alert.urgency.value if alert.urgency else None,
        "action": alert.action,
    }


@router.post(
    "/decisions/{decision_id}/urgent-referral",
    response={201: OnwardActionOut},
    summary="Record that the urgent referral was made",
)
def record_urgent_referral(
    request: HttpRequest, decision_id: int, payload: UrgentReferralIn
) -> Any:
    user = _user(request)
    decision = _decision(request, decision_id)
    access.ensure_may(user, Task.ONWARD)
    action = _run(
        urgent_referral_record,
        request=request,
        decision=decision,
        to_whom=payload.to_whom,
        method=payload.method.value,
        made_at=payload.made_at,
        result=payload.result.value,
        result_on=payload.result_on,
        notes=payload.notes,
        by=user,
    )
    return Status(201, action)


@router.post(
    "/decisions/{decision_id}/not-suitable-plan",
    response={201: OnwardActionOut},
    summary="Record the plan for a patient not suitable",
)
def record_plan(request: HttpRequest, decision_id: int, payload: PlanIn) -> Any:
    user = _user(request)
    decision = _decision(request, decision_id)
    access.ensure_may(user, Task.ONWARD)
    action = _run(
        not_suitable_plan_record,
        request=request,
        decision=decision,
        plan=payload.plan,
        notes=payload.notes,
        by=user,
    )
    return Status(201, action)


@router.post(
    "/onward-actions/{action_id}/result",
    response=OnwardActionOut,
    summary="Record what the urgent referral found",
)
def record_result(request: HttpRequest, action_id: int, payload: ResultIn) -> Any:
    user = _user(request)
    action = scope.get_episode_record_for_user(
        request,
        OnwardAction.objects.select_related("episode__patient__clinic", "recorded_by"),
        action_id,
        what="urgent referral",
        log_read=False,
    )
    access.ensure_may(user, Task.ONWARD)
    return _run(
        urgent_referral_result_record,
        request=request,
        action=action,
        result=payload.result.value,
        result_on=payload.result_on,
        notes=payload.notes,
        by=user,
    )
