"""What the episode page shows about follow-up: time points, relief in words, the chart, and the
plan-next-step prompt. Built here so the page template (in ``patients``) only loads a tag and the
patients app never imports this one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from spinepath.clinical.next_step import StepOption
from spinepath.clinical.relief import DEFINITION
from spinepath.followup.chart import SERIES, ChartData, Observation, render_svg, series_rows
from spinepath.followup.models import Label, NextStepPlan, TimePoint
from spinepath.followup.outcomes import ProcedureRelief, episode_reliefs
from spinepath.followup.planning import step_options
from spinepath.followup.scheduling import assessment_baseline, baseline_answers
from spinepath.followup.status import STATUS_WORDS, status_of
from spinepath.lib.dates import day
from spinepath.patients.models import Episode
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse

SCORE_WORDS = {"nrs_back": "back pain", "nrs_leg": "leg pain", "odi": "ODI", "pgic": "PGIC"}


@dataclass
class ProcedureFollowUp:
    relief: ProcedureRelief
    rows: list[dict[str, Any]]
    plan: NextStepPlan | None
    options: tuple[StepOption, ...] = ()

    @property
    def record(self) -> ProcedureRecord:
        return self.relief.record

    @property
    def prompt(self) -> bool:
        return self.relief.needs_next_step and self.plan is None


@dataclass
class EpisodeFollowUp:
    procedures: list[ProcedureFollowUp]
    chart_svg: str
    chart_rows: list[dict[str, Any]]
    definition: str = DEFINITION
    series: tuple[str, ...] = field(default=SERIES)


def _row(point: TimePoint, today: date) -> dict[str, Any]:
    status = status_of(point, today)
    return {
        "point": point,
        "status": status.value,
        "status_words": STATUS_WORDS[status],
        "scores": ", ".join(
            f"{SCORE_WORDS.get(code, code)} {value:g}" for code, value in point.scores.items()
        ),
    }


def chart_data(
    episode: Episode,
    reliefs: list[ProcedureRelief],
    answers: list[QuestionnaireResponse] | None = None,
) -> ChartData:
    """Baseline answers, completed follow-ups (pain diary aside) and the injections."""
    data = ChartData()
    first = reliefs[0].record.performed_at if reliefs else timezone.now()
    baseline: dict[date, dict[str, float]] = {}
    for code, response in assessment_baseline(episode, before=first, answers=answers).items():
        if response.score is not None:
            when = timezone.localdate(response.completed_at or response.created_at)
            baseline.setdefault(when, {})[code] = response.score
    for when, scores in sorted(baseline.items()):
        data.observations.append(Observation(when, "Baseline", scores))
    for found in reliefs:
        data.injections.append((found.procedure_on, f"Injection {day(found.procedure_on)}"))
        for point in found.time_points:
            if point.completed_at is None or point.label == Label.DIARY:
                continue
            words = (
                "Baseline (on the day)"
                if point.label == Label.BASELINE
                else point.get_label_display()
            )
            data.observations.append(
                Observation(timezone.localdate(point.completed_at), words, dict(point.scores))
            )
    return data


def episode_follow_up(episode: Episode, *, today: date | None = None) -> EpisodeFollowUp | None:
    """None when the episode has no procedure (nothing to follow up)."""
    today = today or timezone.localdate()
    answers = baseline_answers(episode)  # read once for every procedure and the chart
    reliefs = episode_reliefs(episode, answers)
    if not reliefs:
        return None
    plans: dict[int, NextStepPlan] = {}
    chosen = NextStepPlan.objects.filter(episode=episode).select_related("decided_by")
    for plan in chosen.order_by("decided_at"):
        plans[plan.procedure_id] = plan
    procedures = [
        ProcedureFollowUp(
            relief=found,
            rows=[_row(p, today) for p in found.time_points],
            plan=plans.get(found.record.pk),
            options=step_options(found) if found.needs_next_step else (),
        )
        for found in reliefs
    ]
    data = chart_data(episode, reliefs, answers)
    return EpisodeFollowUp(
        procedures=procedures,
        chart_svg="" if data.empty else render_svg(data, labelled_by="outcome-chart-caption"),
        chart_rows=series_rows(data),
    )
