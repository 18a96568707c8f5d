"""Baseline questionnaires entered for an episode on their own (clinician or physiotherapist).

The assessment form stores its baseline answers with the assessment; this is the same storage
(``save_baseline_responses``) for answers taken before or between assessments, and what pre-fills
both forms: the latest completed baseline answer to each instrument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Model
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.clinical.instruments import INSTRUMENTS, Score
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.questionnaires.models import QuestionnaireResponse


def latest_baseline(episode: Episode) -> dict[str, QuestionnaireResponse]:
    """``{instrument: response}``: the latest completed baseline answer to each instrument."""
    latest: dict[str, QuestionnaireResponse] = {}
    responses = (
        episode.questionnaire_responses.filter(
            context=QuestionnaireResponse.Context.BASELINE,
            status=QuestionnaireResponse.Status.COMPLETED,
        )
        .select_related("entered_by")
        .order_by(F("completed_at").desc(nulls_last=True), "-created_at", "-id")
    )
    for response in responses:
        latest.setdefault(response.instrument, response)
    return latest


def initial_answers(episode: Episode, prefix: str) -> dict[str, Any]:
    """Form ``initial`` for ``BaselineQuestionnairesForm`` from the latest answers."""
    return {
        f"{code}__{item}": value
        for code, response in latest_baseline(episode).items()
        for item, value in response.answers.items()
    }


def save_baseline_responses(
    request: HttpRequest | None,
    assessment: Model | None,
    scored: Mapping[str, tuple[dict[str, Any], Score]],
    *,
    by: User,
    episode: Episode | None = None,
    at: datetime | None = None,
) -> list[QuestionnaireResponse]:
    """Store the baseline answers scored by the core, entered by staff, each audited.

    The assessment form passes its assessment; the baseline questionnaire page (clinicians and
    physiotherapists, before or between assessments) passes only the ``episode``.
    """
    if assessment is not None:
        episode = assessment.episode
    if episode is None:
        raise ValueError("Baseline answers belong to an episode: give the assessment or episode.")
    completed_at = at or timezone.now()
    responses = [
        QuestionnaireResponse(
            patient=episode.patient,
            episode=episode,
            assessment=assessment,
            instrument=code,
            instrument_version=result.version,
            context=QuestionnaireResponse.Context.BASELINE,
            answers=answers,
            score=result.score,
            band=result.band or "",
            subscores=dict(result.subscores),
            source=QuestionnaireResponse.Source.STAFF,
            entered_by=by,
            completed_at=completed_at,
            created_at=completed_at,
        )
        for code, (answers, result) in scored.items()
    ]
    QuestionnaireResponse.objects.bulk_create(responses)  # one INSERT for all the instruments
    for response in responses:
        audit.record(request, AuditEvent.Action.CREATE, response, user=by, at=completed_at)
    return responses


class BaselineRefused(Exception):
    pass


def baseline_questionnaires_record(
    request: HttpRequest | None,
    *,
    episode: Episode,
    scored: Mapping[str, tuple[dict[str, Any], Score]],
    by: User,
    at: datetime | None = None,
) -> list[QuestionnaireResponse]:
    """Store the answers that are new or changed since the latest, audited and on the timeline.

    Unchanged instruments are not stored again, so saving the pre-filled form twice adds nothing.
    """
    if not access.may(by, Task.BASELINE):
        raise BaselineRefused("Your role does not enter baseline questionnaires.")
    if not episode.is_open:
        raise BaselineRefused("This episode is discharged.")
    at = at or timezone.now()
    with transaction.atomic():
        hold_patient(episode.patient_id)
        latest = latest_baseline(episode)
        changed = {
            code: answered
            for code, answered in scored.items()
            if code not in latest or latest[code].answers != answered[0]
        }
        responses = save_baseline_responses(request, None, changed, by=by, episode=episode, at=at)
        if responses:
            summary = "Baseline questionnaires entered: " + "; ".join(
                f"{INSTRUMENTS[r.instrument].name} {_score(r)}" for r in responses
            )
            episode.log(TimelineEvent.Kind.QUESTIONNAIRE, summary[:500], by=by, at=at)
    return responses


def _score(response: QuestionnaireResponse) -> str:
    if response.score is None:
        return "not scored"
    text = f"{response.score:g}"
    return f"{text} ({response.band_label})" if response.band else text
