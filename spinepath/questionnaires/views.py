"""The baseline questionnaire page: clinicians and physiotherapists enter or update answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from spinepath.accounts import access
from spinepath.accounts.access import Task
from spinepath.accounts.models import User
from spinepath.patients import scope
from spinepath.questionnaires.baseline import (
    BaselineRefused,
    baseline_questionnaires_record,
    initial_answers,
    latest_baseline,
)
from spinepath.questionnaires.forms import BASELINE_INSTRUMENTS, BaselineQuestionnairesForm

PREFIX = "q"


class StandaloneBaselineForm(BaselineQuestionnairesForm):
    """Any instrument may be answered on its own here; at least one must be."""

    REQUIRED = ()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.scores:
            self.add_error(None, "Answer at least one questionnaire.")
        return data


@access.patient_staff_required
def baseline_questionnaires(request: HttpRequest, episode_id: str) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.ensure_may(user, Task.BASELINE)
    is_post = request.method == "POST"
    episode = scope.get_episode_for_user(request, episode_id, log_read=not is_post)
    form = StandaloneBaselineForm(
        request.POST if is_post else None,
        prefix=PREFIX,
        initial=initial_answers(episode, PREFIX),
    )
    if is_post and form.is_valid():
        try:
            saved = baseline_questionnaires_record(
                request, episode=episode, scored=form.scores, by=user
            )
        except BaselineRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                "Baseline questionnaires saved."
                if saved
                else "Nothing had changed: no new answers were stored.",
            )
            return redirect("episode_detail", episode_id=episode.pk)
    latest = latest_baseline(episode)
    return render(
        request,
        "questionnaires/baseline_form.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "form": form,
            "instruments": [
                (form.instruments[code], form.instrument_fields(code), latest.get(code))
                for code in BASELINE_INSTRUMENTS
            ],
        },
    )
