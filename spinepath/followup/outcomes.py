"""Relief of a recorded procedure, from its time points, through the clinical core.

The only place that turns follow-up rows into ``clinical.relief`` input, so the episode page,
the API, the decision rules' "previous injection relief" and the worklist agree. Days count to
each time point's due date (a 3-month answer given a week late is still the 3-month point).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from spinepath.clinical.relief import (
    FollowUpScores,
    PrimaryMeasure,
    Relief,
    Scores,
    in_words,
    relief,
)
from spinepath.followup.models import Label, NextStepPlan, TimePoint
from spinepath.followup.scheduling import assessment_baseline, primary_measure, scores_from
from spinepath.patients.models import Episode
from spinepath.procedures.models import ProcedureRecord


@dataclass(frozen=True)
class ProcedureRelief:
    record: ProcedureRecord
    primary: PrimaryMeasure
    baseline: Scores
    baseline_source: str
    """"assessment", "asked again on the day", or "missing" (re-asked and not yet answered)."""
    result: Relief
    time_points: tuple[TimePoint, ...]

    @property
    def words(self) -> str:
        if self.baseline.primary(self.primary) is None:
            return (
                "No baseline pain score before the injection: relief cannot be measured "
                "until the baseline is entered."
            )
        return in_words(self.result)

    @property
    def procedure_on(self) -> date:
        return timezone.localdate(self.record.performed_at)

    @property
    def needs_next_step(self) -> bool:
        """Relief has ended, or never came by a follow-up that was answered."""
        measured = any(t.completed for t in self.result.timepoints)
        return measured and (self.result.ended is not None or not self.result.responder)


def _completed_by(point: TimePoint, as_of: date | None) -> bool:
    if point.completed_at is None:
        return False
    return as_of is None or timezone.localdate(point.completed_at) <= as_of


def procedure_relief(record: ProcedureRecord, *, as_of: date | None = None) -> ProcedureRelief:
    """Relief after ``record`` from answers given on or before ``as_of`` (None: all so far)."""
    points = list(TimePoint.objects.active().filter(procedure=record).order_by("due_on", "due_at"))
    primary = primary_measure(record)
    baseline_point = next((p for p in points if p.label == Label.BASELINE), None)
    if baseline_point is not None:
        if _completed_by(baseline_point, as_of):
            baseline, source = scores_from(baseline_point.scores), "asked again on the day"
        else:
            baseline, source = Scores(), "missing"
    else:
        answered = assessment_baseline(record.episode, before=record.performed_at)
        baseline = scores_from({code: r.score for code, r in answered.items()})
        source = "assessment"
    follow_ups = [p for p in points if p.label not in (Label.BASELINE, Label.DIARY)]
    result = relief(
        timezone.localdate(record.performed_at),
        primary,
        baseline,
        [
            FollowUpScores(
                label=p.label,
                on=p.due_on,
                scores=scores_from(p.scores) if _completed_by(p, as_of) else Scores(),
            )
            for p in follow_ups
            if as_of is None or p.due_on <= as_of or _completed_by(p, as_of)
        ],
    )
    return ProcedureRelief(
        record=record,
        primary=primary,
        baseline=baseline,
        baseline_source=source,
        result=result,
        time_points=tuple(points),
    )


def episode_reliefs(episode: Episode) -> list[ProcedureRelief]:
    """Relief after each procedure that stands in the episode, oldest first."""
    records = (
        ProcedureRecord.objects.counted()
        .filter(episode=episode)
        .select_related("consent__assessment", "episode__patient__clinic")
        .order_by("performed_at")
    )
    return [procedure_relief(record) for record in records]


def measured_relief(
    records: Sequence[ProcedureRecord], on_or_before: date | None
) -> Mapping[int, float]:
    """``{pk: best relief %}`` for the procedures whose relief could be measured by then.

    Registered in ``procedures.hooks.MEASURED_RELIEF`` so the injection history, and through it
    the decision rules' "previous injection gave ≥ 50% relief", uses measured relief.
    """
    found: dict[int, float] = {}
    for record in records:
        best = procedure_relief(record, as_of=on_or_before).result.best_change_percent
        if best is not None:
            found[record.pk] = best
    return found


def latest_plan(episode: Episode, record: ProcedureRecord) -> NextStepPlan | None:
    return NextStepPlan.objects.filter(episode=episode, procedure=record).first()
