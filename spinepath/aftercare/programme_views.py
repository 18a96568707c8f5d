"""The rehabilitation programme pages: make one from the builder's proposal, change it, print it
and read the patient's adherence week by week. Physiotherapists change; other staff view."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from spinepath.accounts import access
from spinepath.accounts.models import User
from spinepath.aftercare.forms import ProgrammeNewForm
from spinepath.aftercare.models import Programme
from spinepath.aftercare.programmes import (
    ItemChoice,
    adherence_rows,
    programme_create,
    programme_update,
    suggested_injection_date,
    suggested_start_back,
)
from spinepath.clinical.rehab import PHASES, Phase, candidates, weekly_adherence
from spinepath.clinical.vocab import Condition
from spinepath.patients import scope


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _programme(request: HttpRequest, programme_id: int) -> Programme:
    return access.get_for_user(
        request,
        Programme.objects.select_related("episode__patient__clinic").prefetch_related("items"),
        programme_id,
        patient_path="episode__patient",
        what="rehabilitation programme",
    )


def _phases(programme: Programme) -> list[dict[str, Any]]:
    current = programme.phase_on(timezone.localdate())
    return [
        {
            "phase": phase,
            "info": PHASES[phase],
            "current": phase is current,
            "items": programme.items_for_phase(phase),
        }
        for phase in Phase
        if programme.items_for_phase(phase)
    ]


@require_http_methods(["GET", "POST"])
@access.patient_staff_required
def programme_new(request: HttpRequest, episode_id: str) -> HttpResponse:
    access.ensure_may(_user(request), access.Task.REHAB)
    episode = scope.get_episode_for_user(request, episode_id)
    if request.method == "POST":
        form = ProgrammeNewForm(request.POST)
        if form.is_valid():
            try:
                programme = programme_create(
                    request,
                    episode=episode,
                    by=_user(request),
                    injection_date=form.cleaned_data["injection_date"],
                    start_back_risk=form.cleaned_data["start_back_risk"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as invalid:
                for field, errors in invalid.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("programme_detail", programme.pk)
    else:
        form = ProgrammeNewForm(
            initial={
                "injection_date": suggested_injection_date(episode),
                "start_back_risk": suggested_start_back(episode),
            }
        )
    return render(
        request,
        "aftercare/programme_new.html",
        {"form": form, "episode": episode, "patient": episode.patient},
    )


@require_safe
@access.patient_staff_required
def programme_detail(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _programme(request, programme_id)
    episode = programme.episode
    return render(
        request,
        "aftercare/programme_detail.html",
        {
            "programme": programme,
            "episode": episode,
            "patient": episode.patient,
            "phases": _phases(programme),
            "day": programme.day_on(timezone.localdate()),
            "weeks": weekly_adherence(adherence_rows(programme), programme.injection_date),
        },
    )


@require_safe
@access.patient_staff_required
def programme_print(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _programme(request, programme_id)
    return render(
        request,
        "aftercare/programme_print.html",
        {
            "programme": programme,
            "patient": programme.episode.patient,
            "phases": _phases(programme),
        },
    )


@require_safe
@access.patient_staff_required
def programme_adherence(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _programme(request, programme_id)
    episode = programme.episode
    return render(
        request,
        "aftercare/programme_adherence.html",
        {
            "programme": programme,
            "episode": episode,
            "patient": episode.patient,
            "weeks": weekly_adherence(adherence_rows(programme), programme.injection_date),
            "logs": list(programme.adherence.all().order_by("-on", "-id")[:100]),
        },
    )


def _edit_rows(programme: Programme, data: Any = None) -> list[dict[str, Any]]:
    """Every exercise each phase allows for the condition, ticked if in the programme."""
    kept = {(i.phase, i.exercise_code): i for i in programme.items.all()}
    rows = []
    for phase in Phase:
        options = []
        for exercise in candidates(Condition(programme.condition), phase):
            key = f"p{phase.value}-{exercise.code}"
            item = kept.get((phase.value, exercise.code))
            if data is not None:
                chosen = data.get(key) == "on"
                dosage = data.get(f"{key}-dosage", "")
            else:
                chosen = item is not None
                dosage = item.dosage if item is not None else ""
            options.append({"key": key, "exercise": exercise, "chosen": chosen, "dosage": dosage})
        rows.append({"phase": phase, "info": PHASES[phase], "options": options})
    return rows


@require_http_methods(["GET", "POST"])
@access.patient_staff_required
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    access.ensure_may(_user(request), access.Task.REHAB)
    programme = _programme(request, programme_id)
    errors: list[str] = []
    notes = programme.notes
    if request.method == "POST":
        rows = _edit_rows(programme, request.POST)
        notes = request.POST.get("notes", "")
        choices = [
            ItemChoice(row["phase"].value, option["exercise"].code, option["dosage"])
            for row in rows
            for option in row["options"]
            if option["chosen"]
        ]
        if not choices:
            errors.append("Choose at least one exercise.")
        elif any(len(option["dosage"]) > 200 for row in rows for option in row["options"]):
            errors.append("A dosage can be at most 200 characters.")
        else:
            try:
                programme_update(
                    request, programme=programme, by=_user(request), items=choices, notes=notes
                )
            except ValidationError as invalid:
                errors += invalid.messages
            else:
                return redirect("programme_detail", programme.pk)
    else:
        rows = _edit_rows(programme)
    episode = programme.episode
    return render(
        request,
        "aftercare/programme_edit.html",
        {
            "programme": programme,
            "episode": episode,
            "patient": episode.patient,
            "rows": rows,
            "notes": notes,
            "errors": errors,
        },
        status=400 if errors else 200,
    )
