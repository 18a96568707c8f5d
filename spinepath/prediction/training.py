"""Training, validating and storing the relief prediction model; predicting for one profile.

**Data**: every standing procedure (outcome facts) whose 6-week time point was answered with a
measurable primary pain score on or before the training day, within the last
``SPINEPATH_PREDICTION_WINDOW_DAYS``. The outcome is the core's ``meaningful`` relief at 6 weeks.

**Features**: the similarity's own (condition, procedure, first or repeat, baseline primary pain,
STarT Back risk, symptom duration) plus whether a steroid is given, and procedure × STarT Back
risk so an effect that differs by procedure (facet injections in high-risk patients) can be
learnt. Missing numbers are imputed with the median and flagged; a missing risk is its own level.

**Model**: scikit-learn logistic regression, calibrated by ``CalibratedClassifierCV`` (isotonic
from ``ISOTONIC_FROM`` rows, Platt's sigmoid below, where isotonic over-fits). **Validation**:
predictions for each of ``FOLDS`` stratified folds from a model fitted without it, scored by
``clinical.calibration.validate`` (AUC, Brier, calibration slope and intercept, bins). Then the
model is fitted on every row and stored as the next version.
"""

from __future__ import annotations

# The app's own fitted model, in its own table (bandit B403).
import pickle  # nosec B403
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from spinepath.analytics.models import TimePointOutcome
from spinepath.clinical.calibration import Validation, validate
from spinepath.clinical.people_like_you import Profile
from spinepath.prediction.models import PredictionModel

FOLDS = 5
ISOTONIC_FROM = 1000
MIN_ROWS = 100
"""Fewer rows with a 6-week answer than this (or under MIN_EACH of either outcome): no model."""
MIN_EACH = 20
CATEGORIES = ("condition", "procedure", "startback", "repeat", "steroid", "procedure_startback")
NUMBERS = ("baseline_pain", "duration_weeks")
FEATURES = (*CATEGORIES, *NUMBERS)
SEED = 16


class NotEnoughData(Exception):
    """Too few procedures with a 6-week answer to train on; the message says how many."""


def feature_row(profile: Profile, *, steroid: bool) -> dict[str, Any]:
    """One row of model input from a profile (the same columns training uses)."""
    risk = profile.startback or "not asked"
    return {
        "condition": profile.condition,
        "procedure": profile.procedure,
        "startback": risk,
        "repeat": "repeat" if profile.repeat else "first",
        "steroid": "steroid" if steroid else "no steroid",
        "procedure_startback": f"{profile.procedure}:{risk}",
        "baseline_pain": float("nan") if profile.baseline_pain is None else profile.baseline_pain,
        "duration_weeks": float("nan")
        if profile.duration_weeks is None
        else profile.duration_weeks,
    }


def training_rows(*, on: date, window_days: int) -> tuple[list[dict[str, Any]], list[int]]:
    """(feature rows, outcomes) of procedures from ``on − window_days`` to ``on`` whose 6-week
    answer was measurable and given by ``on``."""
    points = TimePointOutcome.objects.filter(
        label="6w",
        measurable=True,
        completed_on__lte=on,
        outcome__procedure_date__gte=on - timedelta(days=window_days),
        outcome__procedure_date__lte=on,
    ).order_by("outcome_id")
    rows, outcomes = [], []
    for values in points.values(
        "meaningful",
        "outcome__condition",
        "outcome__procedure",
        "outcome__repeat",
        "outcome__startback_risk",
        "outcome__baseline_primary",
        "outcome__steroid",
        "outcome__record__consent__assessment__symptom_duration_weeks",
    ).iterator(chunk_size=5000):
        profile = Profile(
            condition=values["outcome__condition"],
            procedure=values["outcome__procedure"],
            repeat=values["outcome__repeat"],
            baseline_pain=values["outcome__baseline_primary"],
            startback=values["outcome__startback_risk"] or None,
            duration_weeks=values["outcome__record__consent__assessment__symptom_duration_weeks"],
        )
        rows.append(feature_row(profile, steroid=values["outcome__steroid"]))
        outcomes.append(1 if values["meaningful"] else 0)
    return rows, outcomes


def _pipeline(method: str) -> Any:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    columns = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), list(CATEGORIES)),
            (
                "numbers",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                        ("scale", StandardScaler()),
                    ]
                ),
                list(NUMBERS),
            ),
        ]
    )
    inner = Pipeline([("columns", columns), ("logistic", LogisticRegression(max_iter=2000))])
    return CalibratedClassifierCV(
        inner, method=method, cv=StratifiedKFold(FOLDS, shuffle=True, random_state=SEED)
    )


@dataclass(frozen=True)
class Fitted:
    pipeline: Any
    method: str
    validation: Validation
    n: int
    events: int


def fit(rows: list[dict[str, Any]], outcomes: list[int]) -> Fitted:
    """Cross-validate then fit on everything (``NotEnoughData`` below the minimums)."""
    events = sum(outcomes)
    if len(rows) < MIN_ROWS or min(events, len(rows) - events) < MIN_EACH:
        raise NotEnoughData(
            f"{len(rows)} procedures with a 6-week answer ({events} with relief); training needs "
            f"at least {MIN_ROWS}, with {MIN_EACH} or more with and without relief."
        )
    import pandas as pd
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    frame = pd.DataFrame(rows, columns=list(FEATURES))
    method = "isotonic" if len(rows) >= ISOTONIC_FROM else "sigmoid"
    held_out = cross_val_predict(
        _pipeline(method),
        frame,
        outcomes,
        cv=StratifiedKFold(FOLDS, shuffle=True, random_state=SEED + 1),
        method="predict_proba",
    )[:, 1]
    pipeline = _pipeline(method).fit(frame, outcomes)
    return Fitted(pipeline, method, validate(outcomes, held_out), len(rows), events)


def predict(pipeline: Any, rows: list[dict[str, Any]]) -> list[float]:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(FEATURES))
    return [float(p) for p in pipeline.predict_proba(frame)[:, 1]]


def window_days() -> int:
    return int(getattr(settings, "SPINEPATH_PREDICTION_WINDOW_DAYS", 5 * 365))


def train_model(*, at: datetime | None = None) -> PredictionModel:
    """Train on the facts as of ``at`` and store the next version (``NotEnoughData`` if too few)."""
    import sklearn

    at = at or timezone.now()
    on = timezone.localdate(at)
    days = window_days()
    rows, outcomes = training_rows(on=on, window_days=days)
    fitted = fit(rows, outcomes)
    checked = fitted.validation
    with transaction.atomic():
        latest = PredictionModel.objects.select_for_update().aggregate(v=Max("version"))["v"]
        return PredictionModel.objects.create(
            version=(latest or 0) + 1,
            algorithm="logistic regression (scikit-learn), one-hot categories, "
            "median-imputed numbers with missing flags",
            calibration_method=fitted.method,
            trained_at=at,
            window_from=on - timedelta(days=days),
            window_to=on,
            n_train=fitted.n,
            n_events=fitted.events,
            features=list(FEATURES),
            folds=FOLDS,
            auc=checked.auc,
            brier=checked.brier,
            calibration_slope=checked.slope,
            calibration_intercept=checked.intercept,
            calibration_in_the_large=checked.in_the_large,
            calibration_bins=[
                {"n": b.n, "mean_predicted": b.mean_predicted, "observed": b.observed}
                for b in checked.bins
            ],
            library_version=sklearn.__version__,
            fitted=pickle.dumps(fitted.pipeline, protocol=pickle.HIGHEST_PROTOCOL),
        )


# Fitted pipelines by what identifies a stored version: its row and what it was trained on and
# scored (a row id alone can come back after a rolled-back transaction with other contents).
_loaded: dict[tuple[Any, ...], Any] = {}


def current_model() -> PredictionModel | None:
    return PredictionModel.objects.defer("fitted").first()


def predict_profile(model: PredictionModel, profile: Profile, *, steroid: bool) -> float:
    """The model's probability of meaningful relief at 6 weeks for ``profile``."""
    key = (model.pk, model.trained_at, model.n_train, model.n_events, model.auc, model.brier)
    pipeline = _loaded.get(key)
    if pipeline is None:
        blob = PredictionModel.objects.values_list("fitted", flat=True).get(pk=model.pk)
        # Only what training.py stored in the app's own table (bandit B301; ruff S301).
        pipeline = _loaded[key] = pickle.loads(bytes(blob))  # noqa: S301 # nosec B301
    return predict(pipeline, [feature_row(profile, steroid=steroid)])[0]


def due_for_training(*, at: datetime) -> bool:
    """No model yet, or the newest is older than ``SPINEPATH_PREDICTION_RETRAIN_HOURS``."""
    hours = int(getattr(settings, "SPINEPATH_PREDICTION_RETRAIN_HOURS", 24))
    latest = PredictionModel.objects.values_list("trained_at", flat=True).first()
    return latest is None or at - latest >= timedelta(hours=hours)
