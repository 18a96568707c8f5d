"""The 'people like you' panel as HTML: for staff (the decision and consent pages, through
``assessment.panels.PLAN_PANELS``) and for the patient (their aftercare page). Both render the
same ``people.for_assessment`` answer; the words come from the core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from spinepath.analytics.facts import pending
from spinepath.assessment.models import Assessment
from spinepath.clinical import people_like_you as core
from spinepath.clinical.relief import DEFINITION
from spinepath.prediction.people import PeopleLikeYou, for_assessment

CELL = 20
"""Each figure's square in the 200 × 200 array (10 × 10)."""


@dataclass(frozen=True)
class IconArray:
    id: str
    title: str
    sentence: str
    what: str
    filled: int
    unfilled: int
    cells: tuple[tuple[int, int, bool], ...]


def icon_array(rate: core.Rate, *, id: str, when: str) -> IconArray:
    icons = core.icons(rate)
    return IconArray(
        id=id,
        title=f"People like you with meaningful relief at {when}",
        sentence=core.relief_sentence(rate, when),
        what=f"meaningful relief at {when}",
        filled=rate.out_of_100,
        unfilled=100 - rate.out_of_100,
        cells=tuple(((i % 10) * CELL, (i // 10) * CELL, on) for i, on in enumerate(icons)),
    )


def context(result: PeopleLikeYou) -> dict[str, Any]:
    shown = result.figures
    sentences: dict[str, Any] = {}
    if shown.relief_6w:
        sentences["six"] = {
            "array": icon_array(shown.relief_6w, id="ply-6w", when="6 weeks"),
            "interval": core.interval_words(shown.relief_6w),
            "basis": core.basis_words(shown.relief_6w),
        }
    if shown.relief_3m:
        sentences["three"] = {
            "array": icon_array(shown.relief_3m, id="ply-3m", when="3 months"),
            "interval": core.interval_words(shown.relief_3m),
            "basis": core.basis_words(shown.relief_3m),
        }
    return {
        "people": result,
        "shown": shown,
        "sentences": sentences,
        "duration": core.duration_sentence(shown.median_relief_days, shown.relief_durations),
        "complications": core.complication_sentence(shown.complications)
        if shown.complications
        else None,
        "support_note": core.DECISION_SUPPORT_NOTE,
        "definition": DEFINITION,
        "prediction": result.prediction,
    }


def staff_panel(request: HttpRequest, assessment: Assessment) -> str:
    """The panel for staff, who are told when answers are still waiting to be counted into the
    facts behind the figures (the patient's panel does not burden the patient with it)."""
    result = for_assessment(assessment)
    counted = {assessment.episode.patient.clinic_id} if result.source == "clinic" else None
    return render_to_string(
        "prediction/_panel.html", {**context(result), "pending": pending(counted)}
    )


def patient_panel(assessment: Assessment, *, at: datetime) -> str:
    return render_to_string(
        "prediction/_patient_panel.html", context(for_assessment(assessment, at=at))
    )
