"""``GET /api/v1/episodes/{id}/people-like-you``: the 'people like you' figures for the
episode's planned procedure (its latest assessment), and the current model's prediction.

Patient staff of the episode's clinic only (``scope.get_episode_for_user``: 404 elsewhere,
analysts refused, the read audited). The figures are aggregates of groups of at least the
minimum size; the answer never holds another patient's record.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from spinepath.clinical import people_like_you as core
from spinepath.patients import scope
from spinepath.prediction.people import PeopleLikeYou, for_assessment

router = Router(tags=["people like you"])


class RateOut(Schema):
    count: int
    denominator: int
    rate: float
    ci95: tuple[float, float]
    out_of_100: int
    sentence: str


class CriteriaOut(Schema):
    condition: str
    procedure: str
    repeat: bool
    baseline_pain_band: tuple[int, int] | None
    startback: str | None
    symptom_weeks_band: tuple[float, float | None] | None
    described: str


class ModelOut(Schema):
    version: int
    probability_relief_6w: float
    out_of_100: int
    trained_at: datetime
    window_from: date
    window_to: date
    n_train: int
    calibration_method: str
    auc: float | None
    brier: float
    calibration_slope: float | None
    calibration_intercept: float | None


class PeopleLikeYouOut(Schema):
    episode_id: str
    assessment_id: int
    enough: bool
    minimum: int
    source: Literal["clinic", "registry"] | None
    similar_patients: int | None
    similar_procedures: int | None
    criteria: CriteriaOut
    relief_6w: RateOut | None
    relief_3m: RateOut | None
    median_relief_days: float | None
    median_relief_ci95: tuple[float | None, float | None] | None
    relief_durations: int | None
    complications: RateOut | None
    model: ModelOut | None
    note: str


def _rate(rate: core.Rate | None, sentence: str) -> RateOut | None:
    if rate is None:
        return None
    return RateOut(
        count=rate.count,
        denominator=rate.denominator,
        rate=round(rate.rate, 4),
        ci95=(round(rate.ci95[0], 4), round(rate.ci95[1], 4)),
        out_of_100=rate.out_of_100,
        sentence=sentence,
    )


def as_json(result: PeopleLikeYou, *, episode_id: str, assessment_id: int) -> PeopleLikeYouOut:
    shown, similar, model = result.figures, result.similar, result.prediction
    return PeopleLikeYouOut(
        episode_id=episode_id,
        assessment_id=assessment_id,
        enough=shown.enough,
        minimum=shown.minimum,
        source=result.source,
        similar_patients=shown.patients,
        similar_procedures=shown.procedures,
        criteria=CriteriaOut(
            condition=similar.condition,
            procedure=similar.procedure,
            repeat=similar.repeat,
            baseline_pain_band=similar.pain_range,
            startback=similar.startback,
            symptom_weeks_band=similar.duration_range,
            described=result.criteria,
        ),
        relief_6w=_rate(
            shown.relief_6w,
            core.relief_sentence(shown.relief_6w, "6 weeks") if shown.relief_6w else "",
        ),
        relief_3m=_rate(
            shown.relief_3m,
            core.relief_sentence(shown.relief_3m, "3 months") if shown.relief_3m else "",
        ),
        median_relief_days=shown.median_relief_days,
        median_relief_ci95=shown.median_relief_ci95,
        relief_durations=shown.relief_durations,
        complications=_rate(
            shown.complications,
            core.complication_sentence(shown.complications) if shown.complications else "",
        ),
        model=None
        if model is None
        else ModelOut(
            version=model.model.version,
            probability_relief_6w=round(model.probability, 4),
            out_of_100=model.out_of_100,
            trained_at=model.model.trained_at,
            window_from=model.model.window_from,
            window_to=model.model.window_to,
            n_train=model.model.n_train,
            calibration_method=model.model.calibration_method,
            auc=model.model.auc,
            brier=model.model.brier,
            calibration_slope=model.model.calibration_slope,
            calibration_intercept=model.model.calibration_intercept,
        ),
        note=core.DECISION_SUPPORT_NOTE if shown.enough else result.too_few,
    )


@router.get(
    "/episodes/{episode_id}/people-like-you",
    response=PeopleLikeYouOut,
    summary="'People like you' figures for the planned procedure",
)
def people_like_you(request: HttpRequest, episode_id: str) -> PeopleLikeYouOut:
    """Outcomes of similar patients for the episode's latest assessed plan (404 when the episode
    is not in your clinic or has not been assessed). Decision support: it changes nothing."""
    at = timezone.now()
    episode = scope.get_episode_for_user(request, episode_id)
    assessment = episode.assessments.select_related("episode__patient__clinic").first()
    if assessment is None:
        raise Http404("This episode has not been assessed, so there is no planned procedure.")
    return as_json(
        for_assessment(assessment, at=at), episode_id=str(episode.pk), assessment_id=assessment.pk
    )
