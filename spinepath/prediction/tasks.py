"""The worker's retraining of the relief model: on the periodic schedule
(``SPINEPATH_PERIODIC_TASKS``), it trains a new version when none exists or the newest is older
than ``SPINEPATH_PREDICTION_RETRAIN_HOURS``; otherwise it does nothing."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from django_tasks import task

from spinepath.prediction.training import NotEnoughData, due_for_training, train_model

logger = logging.getLogger(__name__)


@task()
def retrain_prediction_model() -> int | None:
    """The new version's number, or None (not due, or too few 6-week answers yet)."""
    return retrain_if_due(at=timezone.now())


def retrain_if_due(*, at: datetime) -> int | None:
    if not due_for_training(at=at):
        return None
    try:
        return train_model(at=at).version
    except NotEnoughData as short:
        logger.info("Relief model not trained: %s", short)
        return None
