"""The programme workflows ask the database only what it alone can answer: the items written are
held on the programme, and what it holds follows every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from spinepath.aftercare.models import AdherenceLog, Programme
from spinepath.aftercare.programmes import (
    ItemChoice,
    adherence_record,
    programme_create,
    programme_update,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))
INJECTED = dt.date(2026, 11, 10)


def _make(episode: Any, physio: Any) -> Programme:
    return programme_create(
        None,
        episode=episode,
        by=physio,
        injection_date=INJECTED,
        start_back_risk="high",
        at=NOW,
    )


def _log(programme: Programme, code: str) -> AdherenceLog:
    return adherence_record(
        None,
        programme=programme,
        exercise_code=code,
        on=dt.date(2026, 11, 18),
        done=True,
        pain_during=2,
        source=AdherenceLog.Source.PATIENT,
        at=NOW,
    )


def test_making_a_programme_asks_nothing_per_exercise(episode_a: Any, physio_a: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        programme = _make(episode_a, physio_a)
    held = list(programme.items.all())
    assert len(held) > 4
    item_queries = [q for q in queries if '"aftercare_programmeitem"' in q["sql"]]
    assert len(item_queries) == 1 and item_queries[0]["sql"].startswith("INSERT")
    stored = list(Programme.objects.get(pk=programme.pk).items.all())
    assert [(i.pk, i.phase, i.exercise_code) for i in held] == [
        (i.pk, i.phase, i.exercise_code) for i in stored
    ]


def test_a_log_checks_the_exercise_against_the_items_held_after_a_change(
    episode_a: Any, physio_a: Any
) -> None:
    programme = _make(episode_a, physio_a)
    items = list(programme.items.all())
    dropped, kept = items[0], items[1:]
    programme_update(
        None,
        programme=programme,
        by=physio_a,
        items=[ItemChoice(i.phase, i.exercise_code, i.dosage) for i in kept],
        notes="",
        at=NOW,
    )
    assert dropped.exercise_code not in {i.exercise_code for i in kept}
    with pytest.raises(ValidationError) as refused:
        _log(programme, dropped.exercise_code)
    assert "exercise_code" in refused.value.message_dict
    with CaptureQueriesContext(connection) as queries:
        _log(programme, kept[0].exercise_code)
    assert not any('"aftercare_programmeitem"' in q["sql"] for q in queries)
    # A programme read afresh (a page) still checks against the database.
    fresh = Programme.objects.get(pk=programme.pk)
    with pytest.raises(ValidationError):
        _log(fresh, dropped.exercise_code)
