"""Pages to record the urgent referral made, its result, or the plan for a patient not suitable."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spinepath.accounts import access
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.onward.actions import (
    OnwardActionRefused,
    alert_for,
    not_suitable_plan_record,
    urgent_referral_record,
    urgent_referral_result_record,
)
from spinepath.onward.forms import NotSuitablePlanForm, ReferralResultForm, UrgentReferralForm
from spinepath.onward.models import OnwardAction
from spinepath.patients import scope


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _show_errors(form: ModelForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@access.patient_staff_required
def onward_record(request: HttpRequest, episode_id: str) -> HttpResponse:
    """Record the action the episode's stopping decision needs (referral made, or the plan)."""
    user = _user(request)
    access.ensure_may(user, Task.ONWARD)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    alert = alert_for(episode)
    context: dict[str, object] = {"episode": episode, "patient": episode.patient, "alert": alert}
    if alert is None or alert.action is not None:
        context["refusal"] = (
            "Nothing to record: this episode has no decision waiting for an urgent referral or a "
            "plan."
            if alert is None
            else "This has already been recorded."
        )
        return render(request, "onward/onward_form.html", context, status=409)
    now = timezone.now()
    kind = (
        OnwardAction.Kind.URGENT_REFERRAL
        if alert.is_referral
        else OnwardAction.Kind.NOT_SUITABLE_PLAN
    )
    instance = OnwardAction(episode=episode, decision=alert.decision, kind=kind, recorded_at=now)
    data = request.POST if is_post else None
    form: ModelForm
    if alert.is_referral:
        form = UrgentReferralForm(
            data,
            instance=instance,
            initial={"made_at": timezone.localtime(now), "result": OnwardAction.Result.PENDING},
        )
    else:
        form = NotSuitablePlanForm(data, instance=instance)
    if is_post and form.is_valid():
        data = form.cleaned_data
        try:
            if alert.is_referral:
                urgent_referral_record(
                    request,
                    decision=alert.decision,
                    to_whom=data["to_whom"],
                    method=data["method"],
                    made_at=data["made_at"],
                    result=data["result"],
                    result_on=data["result_on"],
                    notes=data["notes"],
                    by=user,
                    at=now,
                )
            else:
                not_suitable_plan_record(
                    request,
                    decision=alert.decision,
                    plan=data["plan"],
                    notes=data["notes"],
                    by=user,
                    at=now,
                )
        except OnwardActionRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            _show_errors(form, invalid)
        else:
            messages.success(
                request,
                "The urgent referral is recorded."
                if alert.is_referral
                else "The plan is recorded.",
            )
            return redirect("episode_detail", episode_id=episode.pk)
    context["form"] = form
    return render(request, "onward/onward_form.html", context)


@access.patient_staff_required
def onward_result(request: HttpRequest, action_id: int) -> HttpResponse:
    """Record what the urgent referral found."""
    user = _user(request)
    access.ensure_may(user, Task.ONWARD)
    is_post = request.method == "POST"
    action = access.get_for_user(
        request,
        OnwardAction.objects.select_related("episode__patient__clinic", "decision"),
        action_id,
        patient_path="episode__patient",
        what="urgent referral",
        log_read=not is_post,
    )
    episode = action.episode
    context: dict[str, object] = {"episode": episode, "patient": episode.patient, "action": action}
    if not action.is_referral:
        context["refusal"] = "A plan has no referral result."
        return render(request, "onward/result_form.html", context, status=409)
    now = timezone.now()
    action.result_recorded_at = now
    form = ReferralResultForm(request.POST if is_post else None, instance=action)
    if is_post and form.is_valid():
        data = form.cleaned_data
        action.refresh_from_db()
        try:
            urgent_referral_result_record(
                request,
                action=action,
                result=data["result"],
                result_on=data["result_on"],
                notes=data["result_notes"],
                by=user,
                at=now,
            )
        except OnwardActionRefused as refused:
            form.add_error(None, str(refused))
        except ValidationError as invalid:
            _show_errors(form, invalid)
        else:
            messages.success(request, "The result of the referral is recorded.")
            return redirect("episode_detail", episode_id=episode.pk)
    context["form"] = form
    return render(request, "onward/result_form.html", context)
