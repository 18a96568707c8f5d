"""Staff pages: the follow-up worklist, entering answers taken by phone, planning the next step."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.followup.forms import FollowUpAnswersForm, NextStepForm
from spinepath.followup.models import TimePoint
from spinepath.followup.planning import PlanRefused, next_step_record
from spinepath.followup.responses import FollowUpRefused, answers_of, time_point_submit
from spinepath.followup.status import STATUS_WORDS, Status, completion_rates, status_of
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.wording import current_instruments

RECENTLY_COMPLETED_DAYS = 30
NEVER_RESPONDED_SHOWN_DAYS = 90
"""How far back the worklist looks for links that expired unanswered (older ones are history)."""

GROUPS = (
    (Status.OVERDUE, "Overdue", "Past the last reminder and not answered: chase by phone."),
    (Status.DUE, "Due", "Due now; reminders go at 3 and 7 days."),
    (Status.LOCKED, "Link locked", "Five wrong dates of birth: check who tried, then resend."),
    (
        Status.NEVER_RESPONDED,
        "Never responded",
        "The link expired unanswered. Answers may still be entered by phone.",
    ),
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _rows(points: Iterable[TimePoint], today: Any) -> list[dict[str, Any]]:
    return [
        {
            "point": p,
            "patient": p.episode.patient,
            "status": status_of(p, today),
            "status_words": STATUS_WORDS[status_of(p, today)],
            "no_email": not p.episode.patient.email,
        }
        for p in points
    ]


@access.patient_staff_required
def worklist(request: HttpRequest) -> HttpResponse:
    """Time points of the clinic that need someone: due, overdue, locked, never answered, no
    email on file; what came in recently; and the completion rate per time point."""
    user = _user(request)
    today = timezone.localdate()
    clinic_points = TimePoint.objects.filter(
        episode__patient__clinic_id=user.clinic_id,
        episode__patient__restricted_at__isnull=True,  # not listed while restricted
    )
    open_points = (
        clinic_points.open()
        .filter(
            due_on__lte=today,
            due_on__gte=today - timedelta(days=NEVER_RESPONDED_SHOWN_DAYS),
        )
        .select_related("episode__patient", "procedure")
        .prefetch_related("links")
        .order_by("due_on", "due_at")
    )
    rows = _rows(open_points, today)
    completed = _rows(
        clinic_points.active()
        .completed()
        .filter(completed_at__gte=timezone.now() - timedelta(days=RECENTLY_COMPLETED_DAYS))
        .select_related("episode__patient", "procedure", "entered_by")
        .prefetch_related("links")
        .order_by("-completed_at")[:100],
        today,
    )
    groups = [
        {
            "status": status.value,
            "title": title,
            "hint": hint,
            "rows": [r for r in rows if r["status"] == status],
        }
        for status, title, hint in GROUPS
    ]
    no_email = [r for r in rows if r["no_email"]]
    shown = {r["point"].pk for r in rows} | {r["point"].pk for r in completed}
    audit.record_list(request, TimePoint, sorted(shown))
    return render(
        request,
        "followup/worklist.html",
        {
            "groups": groups,
            "no_email": no_email,
            "completed": completed,
            "rates": completion_rates(clinic_points, today),
            "today": today,
            "recent_days": RECENTLY_COMPLETED_DAYS,
        },
    )


def _safe_next(request: HttpRequest) -> str:
    """Where to go after saving: a page on this site only (never an open redirect)."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _time_point(request: HttpRequest, time_point_id: int, *, log_read: bool) -> TimePoint:
    return access.get_for_user(
        request,
        TimePoint.objects.select_related("episode__patient__clinic", "procedure"),
        time_point_id,
        patient_path="episode__patient",
        what="follow-up time point",
        log_read=log_read,
    )


@access.patient_staff_required
def enter_answers(request: HttpRequest, time_point_id: int) -> HttpResponse:
    """Answers the patient gave by phone or in clinic, marked as entered by staff."""
    user = _user(request)
    access.ensure_may(user, Task.FOLLOW_UP)
    is_post = request.method == "POST"
    point = _time_point(request, time_point_id, log_read=not is_post)
    episode = point.episode
    saved = answers_of(point)
    initial = {f"{c}__{i}": v for c, items in saved.items() for i, v in items.items()}
    form = FollowUpAnswersForm(
        request.POST if is_post else None,
        point=point,
        instruments=current_instruments(),
        initial=initial,
    )
    context: dict[str, Any] = {
        "form": form,
        "point": point,
        "episode": episode,
        "patient": episode.patient,
        "status_words": STATUS_WORDS[status_of(point, timezone.localdate())],
    }
    if point.completed_at is not None or point.cancelled_at is not None:
        context["refusal"] = (
            "This follow-up was cancelled with its procedure."
            if point.cancelled_at
            else "These answers were already submitted; they cannot be changed here."
        )
        return render(request, "followup/enter.html", context, status=409 if is_post else 200)
    if is_post and form.is_valid():
        try:
            time_point_submit(request, point, answers=form.answers(), source="staff", by=user)
        except FollowUpRefused as refused:
            context["refusal"] = str(refused)
            return render(request, "followup/enter.html", context, status=409)
        except ValidationError as invalid:
            for key, errors in invalid.message_dict.items():
                name = key.replace(".", "__")
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(
                request, f"{point.get_label_display()} follow-up answers saved (staff-entered)."
            )
            return redirect(_safe_next(request) or reverse("episode_detail", args=[episode.pk]))
    return render(request, "followup/enter.html", context, status=422 if is_post else 200)


@require_POST
@access.patient_staff_required
def next_step(request: HttpRequest, procedure_id: int) -> HttpResponse:
    """The episode page's plan-next-step form: the same workflow as the API."""
    user = _user(request)
    access.ensure_may(user, Task.PLAN)
    record = access.get_for_user(
        request,
        ProcedureRecord.objects.counted().select_related("episode__patient__clinic"),
        procedure_id,
        patient_path="episode__patient",
        what="procedure",
        log_read=False,
    )
    target = reverse("episode_detail", args=[record.episode_id]) + f"#next-step-{record.pk}"
    form = NextStepForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(
                request, f"Next step not recorded — {label}: {' '.join(str(e) for e in errors)}"
            )
        return redirect(target)
    try:
        plan = next_step_record(
            request,
            record=record,
            choice=form.cleaned_data["choice"],
            reason=form.cleaned_data["reason"],
            discharge_outcome=form.cleaned_data["discharge_outcome"],
            by=user,
        )
    except PlanRefused as refused:
        messages.error(request, f"Next step not recorded: {refused}")
    except ValidationError as invalid:
        for errors in invalid.message_dict.values():
            messages.error(request, f"Next step not recorded: {' '.join(str(e) for e in errors)}")
    else:
        messages.success(request, f"Next step recorded: {plan.get_choice_display()}.")
    return redirect(target)
