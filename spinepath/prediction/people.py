"""'People like you' for a planned procedure: the core's similarity as one SQL filter on the
outcome facts, counted for the clinic (or, when the clinic has too few, every clinic), with the
current model's prediction beside it.

One path: the decision page, the consent page, the patient's page and
``GET /api/v1/episodes/{id}/people-like-you`` all call ``for_assessment``. The answer holds
counts of groups of at least the minimum size, never a row or an identifier; the caller audits
its read of the patient's own record (the assessment the profile is made from).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome
from spinepath.assessment.models import Assessment
from spinepath.clinical import people_like_you as core
from spinepath.clinical.instruments import primary_pain_measure
from spinepath.clinical.vocab import Condition
from spinepath.prediction.models import PredictionModel
from spinepath.prediction.training import current_model, predict_profile
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse


def minimum() -> int:
    """``SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM`` (default 30), checked by the core."""
    return core.minimum_from_setting(
        getattr(settings, "SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM", core.MINIMUM_SIMILAR)
    )


def _baseline(
    assessment: Assessment, instrument: str, *, at: datetime
) -> QuestionnaireResponse | None:
    """The latest completed baseline answer to ``instrument`` in the episode, given by ``at``."""
    return (
        QuestionnaireResponse.objects.filter(
            episode_id=assessment.episode_id,
            instrument=instrument,
            context=QuestionnaireResponse.Context.BASELINE,
            status=QuestionnaireResponse.Status.COMPLETED,
        )
        .annotate(answered=Coalesce("completed_at", "created_at"))
        .filter(answered__lte=at)
        .order_by("-answered", "-id")
        .first()
    )


def profile_of(assessment: Assessment, *, at: datetime) -> core.Profile:
    """The patient's profile for the planned procedure of ``assessment``."""
    episode = assessment.episode
    primary = primary_pain_measure(Condition(episode.condition), assessment.leg_pain_dominant)
    pain = _baseline(assessment, primary, at=at)
    risk = _baseline(assessment, "startback", at=at)
    # A repeat when an injection in this episode stands from before this assessment (its own
    # procedure, once done, comes after it and does not count).
    repeat = (
        ProcedureRecord.objects.counted()
        .filter(episode_id=assessment.episode_id, performed_at__lt=assessment.created_at)
        .exists()
    )
    return core.Profile(
        condition=episode.condition,
        procedure=assessment.procedure,
        repeat=repeat,
        baseline_pain=None if pain is None or pain.score is None else round(pain.score),
        startback=(risk.band or None) if risk is not None else None,
        duration_weeks=assessment.symptom_duration_weeks,
    )


def similar_facts(
    similar: core.Similarity, *, clinic_ids: frozenset[int] | None, on: date
) -> QuerySet[ProcedureOutcome]:
    """The similar group's procedures (done by ``on``), within ``clinic_ids`` (None: all)."""
    wanted = Q(
        condition=similar.condition,
        procedure=similar.procedure,
        repeat=similar.repeat,
        procedure_date__lte=on,
    )
    if clinic_ids is not None:
        wanted &= Q(clinic_id__in=sorted(clinic_ids))
    if similar.pain_range is not None:
        wanted &= Q(baseline_primary__gte=similar.pain_range[0])
        wanted &= Q(baseline_primary__lte=similar.pain_range[1])
    if similar.startback is not None:
        wanted &= Q(startback_risk=similar.startback)
    if similar.duration_range is not None:
        start, end = similar.duration_range
        weeks = "record__consent__assessment__symptom_duration_weeks"
        wanted &= Q(**{f"{weeks}__gte": start})
        if end is not None:
            wanted &= Q(**{f"{weeks}__lt": end})
    return ProcedureOutcome.objects.filter(wanted)


def group_counts(
    similar: core.Similarity, *, clinic_ids: frozenset[int] | None, on: date
) -> core.GroupCounts:
    """Three aggregate queries: the group, its 6-week and 3-month answers, its durations."""
    facts = similar_facts(similar, clinic_ids=clinic_ids, on=on)
    group = facts.aggregate(
        patients=Count("patient", distinct=True),
        procedures=Count("pk"),
        complications=Count("pk", filter=~Q(complication_codes="")),
    )
    answered = {
        row["label"]: row
        for row in TimePointOutcome.objects.filter(
            outcome__in=facts.values("pk"),
            label__in=("6w", "3m"),
            measurable=True,
            completed_on__lte=on,
        )
        .values("label")
        .annotate(n=Count("pk"), relief=Count("pk", filter=Q(meaningful=True)))
        .order_by()
    }
    durations = tuple(
        (row["duration_days"], not row["censored"], row["n"])
        for row in facts.filter(responder=True, duration_days__isnull=False)
        .values("duration_days", "censored")
        .annotate(n=Count("pk"))
        .order_by("duration_days", "censored")
    )
    empty: dict[str, Any] = {"n": 0, "relief": 0}
    six, three = answered.get("6w", empty), answered.get("3m", empty)
    return core.GroupCounts(
        patients=group["patients"],
        procedures=group["procedures"],
        measured_6w=six["n"],
        relief_6w=six["relief"],
        measured_3m=three["n"],
        relief_3m=three["relief"],
        complications=group["complications"],
        durations=durations,
    )


@dataclass(frozen=True)
class Prediction:
    probability: float
    out_of_100: int
    model: PredictionModel


@dataclass(frozen=True)
class PeopleLikeYou:
    profile: core.Profile
    similar: core.Similarity
    figures: core.Figures
    source: core.Source | None
    """Whose results: the clinic's, the registry's, or None (too few anywhere)."""
    clinic_name: str
    prediction: Prediction | None
    steroid: bool

    @property
    def source_words(self) -> str:
        return core.source_words(self.source, self.clinic_name) if self.source else ""

    @property
    def criteria(self) -> str:
        return core.criteria_sentence(self.similar)

    @property
    def too_few(self) -> str:
        return core.too_few_sentence(self.figures.minimum)


def people_like_you(
    profile: core.Profile,
    *,
    clinic_id: int | None,
    clinic_name: str = "",
    steroid: bool,
    at: datetime | None = None,
) -> PeopleLikeYou:
    """The figures for ``profile``: the clinic's group when it has the minimum, else every
    clinic's; and the current model's prediction (None before a model is trained)."""
    at = at or timezone.now()
    on = timezone.localdate(at)
    least = minimum()
    similar = core.similarity(profile)
    source: core.Source | None = None
    shown = core.figures(core.GroupCounts(0, 0, 0, 0, 0, 0, 0), minimum=least)
    if clinic_id is not None:
        shown = core.figures(
            group_counts(similar, clinic_ids=frozenset({clinic_id}), on=on), minimum=least
        )
        source = "clinic" if shown.enough else None
    if not shown.enough:
        shown = core.figures(group_counts(similar, clinic_ids=None, on=on), minimum=least)
        source = "registry" if shown.enough else None
    model = current_model()
    prediction = None
    if model is not None:
        probability = predict_profile(model, profile, steroid=steroid)
        prediction = Prediction(probability, core.out_of_100(probability), model)
    return PeopleLikeYou(profile, similar, shown, source, clinic_name, prediction, steroid)


def for_assessment(assessment: Assessment, *, at: datetime | None = None) -> PeopleLikeYou:
    at = at or timezone.now()
    clinic = assessment.episode.patient.clinic
    return people_like_you(
        profile_of(assessment, at=at),
        clinic_id=clinic.pk,
        clinic_name=clinic.name,
        steroid=bool(assessment.steroid),
        at=at,
    )
