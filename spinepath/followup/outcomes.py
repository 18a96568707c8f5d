"""Relief of a recorded procedure, from its time points, through the clinical core.

The only place that turns follow-up rows into ``clinical.relief`` input, so the episode page,
the API, the decision rules' "previous injection relief" and the worklist agree. Days count to
each time point's due date (a 3-month answer given a week late is still the 3-month point).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from spinepath.clinical.instruments import primary_pain_measure
from spinepath.clinical.relief import (
    FollowUpScores,
    PrimaryMeasure,
    Relief,
    Scores,
    in_words,
    relief,
)
from spinepath.clinical.vocab import Condition
from spinepath.followup.models import Label, NextStepPlan, TimePoint
from spinepath.followup.scheduling import (
    SCORED,
    assessment_baseline,
    baseline_answers,
    primary_measure,
    scores_from,
)
from spinepath.lib.prepared import Prepared
from spinepath.patients.models import Episode
from spinepath.procedures.models import ProcedureRecord
from spinepath.questionnaires.models import QuestionnaireResponse


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


def relief_from(
    performed_on: date,
    primary: PrimaryMeasure,
    baseline: Scores,
    follow_ups: Iterable[tuple[str, date, Mapping[str, float | None] | None]],
) -> Relief:
    """The core's relief from ``(label, due_on, scores or None when not answered)`` rows: the one
    translation of stored time points into ``clinical.relief`` input (single and bulk paths)."""
    return relief(
        performed_on,
        primary,
        baseline,
        [
            FollowUpScores(
                label=label,
                on=due_on,
                scores=scores_from(dict(scores)) if scores is not None else Scores(),
            )
            for label, due_on, scores in follow_ups
        ],
    )


# Every relief measure (decisions' histories, reviews, the episode page) reads these: compiled once.
_POINTS = Prepared(
    lambda record: TimePoint.objects.active().filter(procedure=record).order_by("due_on", "due_at"),
    record=(ProcedureRecord._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def procedure_relief(
    record: ProcedureRecord,
    *,
    as_of: date | None = None,
    points: list[TimePoint] | None = None,
    answers: list[QuestionnaireResponse] | None = None,
) -> ProcedureRelief:
    """Relief after ``record`` from answers given on or before ``as_of`` (None: all so far).

    ``points`` (its active time points, due first) and ``answers`` (its episode's
    ``baseline_answers``): already read by a caller that shows many procedures."""
    if points is None:
        points = _POINTS(record=record.pk)
    primary = primary_measure(record)
    baseline_point = next((p for p in points if p.label == Label.BASELINE), None)
    if baseline_point is not None:
        if _completed_by(baseline_point, as_of):
            baseline, source = scores_from(baseline_point.scores), "asked again on the day"
        else:
            baseline, source = Scores(), "missing"
    else:
        answered = assessment_baseline(record.episode, before=record.performed_at, answers=answers)
        baseline = scores_from({code: r.score for code, r in answered.items()})
        source = "assessment"
    follow_ups = [p for p in points if p.label not in (Label.BASELINE, Label.DIARY)]
    result = relief_from(
        timezone.localdate(record.performed_at),
        primary,
        baseline,
        [
            (p.label, p.due_on, p.scores if _completed_by(p, as_of) else None)
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


@dataclass(frozen=True)
class PointRow:
    """A follow-up time point as stored (the bulk path reads rows, not model instances)."""

    label: str
    due_on: date
    completed_at: datetime | None
    late: bool
    scores: Mapping[str, float | None]


@dataclass(frozen=True)
class BulkRelief:
    """``procedure_relief`` for one procedure of many, read in a few set-based queries."""

    procedure_id: int
    performed_on: date
    primary: PrimaryMeasure
    baseline: Scores
    baseline_source: str
    result: Relief
    follow_ups: tuple[PointRow, ...]
    """Its follow-up time points (not the baseline or diary), by due date."""


def reliefs_in_bulk(procedure_ids: Sequence[int]) -> dict[int, BulkRelief]:
    """Relief (all answers so far) of each procedure in ``procedure_ids``, in four queries.

    Reads exactly what ``procedure_relief`` reads, as rows, and measures through the same
    ``relief_from``; for registries of a million procedures (analytics' fact table), where a
    few queries per procedure would take hours. Entered-in-error records are skipped.
    """
    records = list(
        ProcedureRecord.objects.counted()
        .filter(pk__in=procedure_ids)
        .values(
            "pk",
            "performed_at",
            "episode_id",
            "episode__condition",
            "consent__assessment__leg_pain_dominant",
        )
    )
    if not records:
        return {}
    points: dict[int, list[PointRow]] = {}
    asked_again: dict[int, PointRow] = {}
    for row in (
        TimePoint.objects.active()
        .filter(procedure_id__in=[r["pk"] for r in records])
        .exclude(label=Label.DIARY)
        .order_by("due_on", "due_at", "id")
        .values_list("procedure_id", "label", "due_on", "completed_at", "late", "scores")
    ):
        point = PointRow(row[1], row[2], row[3], row[4], row[5] or {})
        if point.label == Label.BASELINE:
            asked_again[row[0]] = point
        else:
            points.setdefault(row[0], []).append(point)
    answers: dict[object, list[tuple[datetime, str, float | None]]] = {}
    for (
        episode_id,
        instrument,
        score,
        completed_at,
        created_at,
    ) in QuestionnaireResponse.objects.filter(
        episode_id__in={r["episode_id"] for r in records},
        context=QuestionnaireResponse.Context.BASELINE,
        status=QuestionnaireResponse.Status.COMPLETED,
        instrument__in=SCORED,
    ).values_list("episode_id", "instrument", "score", "completed_at", "created_at"):
        answers.setdefault(episode_id, []).append((completed_at or created_at, instrument, score))
    found: dict[int, BulkRelief] = {}
    zone = timezone.get_current_timezone()
    for r in records:
        pk, performed_at = r["pk"], r["performed_at"]
        primary = primary_pain_measure(
            Condition(r["episode__condition"]), r["consent__assessment__leg_pain_dominant"]
        )
        again = asked_again.get(pk)
        if again is not None:
            if again.completed_at is not None:
                baseline, source = scores_from(dict(again.scores)), "asked again on the day"
            else:
                baseline, source = Scores(), "missing"
        else:
            latest: dict[str, float | None] = {}
            for answered_at, instrument, score in sorted(
                answers.get(r["episode_id"], []), key=lambda a: a[0], reverse=True
            ):
                if answered_at <= performed_at:
                    latest.setdefault(instrument, score)
            baseline, source = scores_from(latest), "assessment"
        follow_ups = tuple(points.get(pk, []))
        performed_on = performed_at.astimezone(zone).date()  # timezone.localdate, for speed
        found[pk] = BulkRelief(
            procedure_id=pk,
            performed_on=performed_on,
            primary=primary,
            baseline=baseline,
            baseline_source=source,
            result=relief_from(
                performed_on,
                primary,
                baseline,
                [
                    (p.label, p.due_on, p.scores if p.completed_at is not None else None)
                    for p in follow_ups
                ],
            ),
            follow_ups=follow_ups,
        )
    return found


def episode_reliefs(
    episode: Episode, answers: list[QuestionnaireResponse] | None = None
) -> list[ProcedureRelief]:
    """Relief after each procedure that stands in the episode, oldest first.

    A fixed number of queries however many procedures and time points: the procedures, all
    their active time points with each point's links (the status words ask whether a link is
    locked) and the episode's baseline answers (or ``answers``, already read)."""
    records = list(
        ProcedureRecord.objects.counted()
        .filter(episode=episode)
        .select_related("consent__assessment", "episode__patient__clinic")
        .order_by("performed_at")
    )
    if not records:
        return []
    by_record: dict[int, list[TimePoint]] = {record.pk: [] for record in records}
    for point in (
        TimePoint.objects.active()
        .filter(procedure__in=list(by_record))
        .order_by("due_on", "due_at")
        .prefetch_related("links")
    ):
        by_record[point.procedure_id].append(point)
    if answers is None:
        answers = baseline_answers(episode)
    return [
        procedure_relief(record, points=by_record[record.pk], answers=answers) for record in records
    ]


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
