"""The rehabilitation programme workflows: create from the core's proposal, change, and log a
session. Pages, tests and (later) the patient's secure page call these and nothing else.

Each one checks the role (``access.Task.REHAB`` for staff changes), validates every row
(``full_clean``), writes under the patient's lock in one transaction, and leaves a timeline entry
and an audit event dated with ``at`` (default: now, read once).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.aftercare.models import AdherenceLog, Programme, ProgrammeItem
from spinepath.clinical.rehab import (
    BY_CODE,
    EXERCISES_PER_PHASE,
    LIBRARY_VERSION,
    ExerciseLog,
    StartBackRisk,
    WeekAdherence,
    propose_programme,
    weekly_adherence,
)
from spinepath.clinical.vocab import Condition
from spinepath.lib.prepared import Prepared
from spinepath.patients.locks import hold_patient
from spinepath.patients.models import Episode, TimelineEvent


@dataclass(frozen=True)
class ItemChoice:
    """One exercise the physiotherapist keeps in one phase, with a changed dosage or ""."""

    phase: int
    exercise_code: str
    dosage: str = ""


def suggested_injection_date(episode: Episode) -> dt.date | None:
    """The day of the episode's latest procedure that counts (not entered in error)."""
    record = episode.procedures.filter(entered_in_error=False).order_by("-performed_at").first()
    return timezone.localdate(record.performed_at) if record else None


def suggested_start_back(episode: Episode) -> str:
    """The band of the patient's latest STarT Back questionnaire in this episode, or ""."""
    response = (
        episode.patient.questionnaire_responses.filter(instrument="startback", episode=episode)
        .order_by("-pk")
        .first()
    )
    return response.band if response is not None and response.band else ""


def programme_create(
    request: HttpRequest | None,
    *,
    episode: Episode,
    by: User,
    injection_date: dt.date,
    start_back_risk: str,
    notes: str = "",
    per_phase: int = EXERCISES_PER_PHASE,
    at: dt.datetime | None = None,
) -> Programme:
    """A programme as the core proposes it for the episode's condition, risk and days since the
    injection (every phase from today's on). ``ValidationError`` names any bad field."""
    access.ensure_may(by, access.Task.REHAB)
    at = at or timezone.now()
    programme = Programme(
        episode=episode,
        condition=episode.condition,
        start_back_risk=start_back_risk,
        injection_date=injection_date,
        library_version=LIBRARY_VERSION,
        notes=notes,
        created_by=by,
        created_at=at,
        updated_by=by,
        updated_at=at,
    )
    programme.full_clean()
    proposal = propose_programme(
        Condition(episode.condition),
        StartBackRisk(start_back_risk) if start_back_risk else None,
        programme.day_on(timezone.localdate(at)),
        per_phase=per_phase,
    )
    items = [
        ProgrammeItem(phase=plan.phase.value, exercise_code=exercise.code, position=position)
        for plan in proposal.phases
        for position, exercise in enumerate(plan.exercises)
    ]
    with transaction.atomic():
        hold_patient(episode.patient_id)
        programme.save()
        for item in items:
            item.programme = programme
            # The programme was made a moment ago in this transaction, so it has no rows the
            # unique constraint could meet: only the new rows themselves (checked below).
            item.full_clean(validate_constraints=False)
        _ensure_once_a_phase(items)
        ProgrammeItem.objects.bulk_create(items)
        hold_items(programme, items)
        episode.log(
            TimelineEvent.Kind.AFTERCARE,
            f"Rehabilitation programme made: {len(items)} exercises over "
            f"{len(proposal.phases)} phases, from {injection_date:%-d %B %Y}",
            by=by,
            detail={"programme": programme.pk, "library_version": LIBRARY_VERSION},
            at=at,
        )
        audit.record(request, AuditEvent.Action.CREATE, programme, user=by, at=at)
    return programme


def _ensure_once_a_phase(items: Sequence[ProgrammeItem]) -> None:
    seen: set[tuple[int, str]] = set()
    for item in items:
        key = (item.phase, item.exercise_code)
        if key in seen:
            raise ValidationError(f"{item.exercise.name} is in phase {item.phase} twice.")
        seen.add(key)


def hold_items(programme: Programme, items: Sequence[ProgrammeItem]) -> None:
    """Keep the rows just written as the programme's prefetched ``items`` (in the model's
    order), as ``prefetch_related`` would, so a caller holding the programme reads its exercises
    (the adherence log's check, the demo) without asking the database again."""
    rows = sorted(items, key=lambda i: (i.phase, i.position, i.pk or 0))
    queryset = ProgrammeItem.objects.filter(programme=programme)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    cache = getattr(programme, "_prefetched_objects_cache", None)
    if cache is None:
        cache = programme._prefetched_objects_cache = {}
    cache["items"] = queryset


def programme_update(
    request: HttpRequest | None,
    *,
    programme: Programme,
    by: User,
    items: Sequence[ItemChoice],
    notes: str,
    at: dt.datetime | None = None,
) -> Programme:
    """Replace the programme's exercises with ``items`` (each validated: the exercise belongs to
    its phase and suits the condition). Nothing changes if any row is invalid."""
    access.ensure_may(by, access.Task.REHAB)
    if not items:
        raise ValidationError("A programme needs at least one exercise.")
    at = at or timezone.now()
    seen: set[tuple[int, str]] = set()
    rows = []
    for position, choice in enumerate(items):
        key = (choice.phase, choice.exercise_code)
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            ProgrammeItem(
                programme=programme,
                phase=choice.phase,
                exercise_code=choice.exercise_code,
                position=position,
                dosage=choice.dosage.strip(),
            )
        )
    for row in rows:
        row.full_clean(exclude=["programme"])  # the old rows go in the same transaction
    with transaction.atomic():
        hold_patient(programme.episode.patient_id)
        stored = ProgrammeItem.objects.filter(programme=programme)  # as it is now, not as held
        before = {(i.phase, i.exercise_code, i.dosage) for i in stored}
        after = {(r.phase, r.exercise_code, r.dosage) for r in rows}
        # The notes as they are now too: a copy of this change that waited for the lock must
        # find them changed already, and log and audit nothing.
        old_notes = Programme.objects.filter(pk=programme.pk).values_list("notes", flat=True).get()
        changed_notes = notes != old_notes
        if before == after and not changed_notes:
            return programme
        ProgrammeItem.objects.filter(programme=programme).delete()
        ProgrammeItem.objects.bulk_create(rows)
        hold_items(programme, rows)
        programme.notes = notes
        programme.updated_by = by
        programme.updated_at = at
        programme.save(update_fields=["notes", "updated_by", "updated_at"])
        programme.episode.log(
            TimelineEvent.Kind.AFTERCARE,
            _change_summary(before, after, changed_notes),
            by=by,
            detail={"programme": programme.pk},
            at=at,
        )
        audit.record(
            request,
            AuditEvent.Action.UPDATE,
            programme,
            user=by,
            changed_fields=["items", *(["notes"] if changed_notes else [])],
            detail={"changes": _item_changes(before, after, old_notes, notes)},
            at=at,
        )
    return programme


def _change_summary(
    before: set[tuple[int, str, str]], after: set[tuple[int, str, str]], notes: bool
) -> str:
    old = {(phase, code) for phase, code, _ in before}
    new = {(phase, code) for phase, code, _ in after}
    parts = []
    if added := new - old:
        parts.append("added " + ", ".join(sorted(BY_CODE[c].name for _, c in added)))
    if removed := old - new:
        parts.append("removed " + ", ".join(sorted(BY_CODE[c].name for _, c in removed)))
    if (before - after) and not (added or removed):
        parts.append("dosage changed")
    if notes:
        parts.append("notes changed")
    return "Rehabilitation programme changed: " + "; ".join(parts or ["dosage changed"])


def adherence_record(
    request: HttpRequest | None,
    *,
    programme: Programme,
    exercise_code: str,
    on: dt.date,
    done: bool,
    pain_during: int | None,
    source: str,
    by: User | None = None,
    at: dt.datetime | None = None,
) -> AdherenceLog:
    """One session logged (by the patient's secure page, or by staff for the patient)."""
    at = at or timezone.now()
    if source == AdherenceLog.Source.STAFF:
        if by is None:
            raise PermissionDenied("A log entered by staff names who entered it.")
        access.ensure_patient_role(by)
    log = AdherenceLog(
        programme=programme,
        exercise_code=exercise_code,
        on=on,
        done=done,
        pain_during=pain_during,
        source=source,
        recorded_by=by,
        recorded_at=at,
    )
    log.full_clean()
    with transaction.atomic():
        hold_patient(programme.episode.patient_id)
        log.save()
        channel = AuditEvent.Channel.PATIENT if source == AdherenceLog.Source.PATIENT else None
        audit.record(request, AuditEvent.Action.CREATE, log, user=by, channel=channel, at=at)
        summarise_weeks(programme, changed_on=on, at=at)
    return log


def summarise_weeks(
    programme: Programme, *, changed_on: dt.date | None = None, at: dt.datetime
) -> list[TimelineEvent]:
    """Write the timeline's weekly adherence entries, called (under the patient's lock) whenever
    a session is logged, dated with that log's ``at``.

    Every week since the injection that has closed by ``at`` (week 1 is days 0-6) and is not yet
    summarised gets one entry, a week with nothing logged included ("no sessions logged" is worth
    seeing); weeks that had closed before the programme was made are not counted against it. A
    log for a week already summarised (staff entering a session late) writes that week's entry
    again, marked updated, so the timeline never keeps a stale figure without its correction.
    """
    programme.weeks_summarised = _WEEKS_SUMMARISED.get(pk=programme.pk)
    today = timezone.localdate(at)
    closed = max(0, (today - programme.injection_date).days // 7)
    made = max(0, (timezone.localdate(programme.created_at) - programme.injection_date).days // 7)
    due: list[tuple[int, bool]] = []  # (week, updated): the entries to write
    if changed_on is not None:
        changed_week = (changed_on - programme.injection_date).days // 7 + 1
        if made < changed_week <= programme.weeks_summarised:
            due.append((changed_week, True))
    due += [(week, False) for week in range(max(programme.weeks_summarised, made) + 1, closed + 1)]
    entries = []
    if due:  # the logs are read only when a week is to be written (most logs close none)
        summaries = weekly_adherence(adherence_rows(programme), programme.injection_date)
        weeks = {summary.week: summary for summary in summaries}
        entries = [_week_entry(programme, w, weeks, at, updated=updated) for w, updated in due]
    if closed > programme.weeks_summarised:
        programme.weeks_summarised = closed
        programme.save(update_fields=["weeks_summarised"])
    return entries


def _week_entry(
    programme: Programme,
    week: int,
    weeks: dict[int, WeekAdherence],
    at: dt.datetime,
    *,
    updated: bool,
) -> TimelineEvent:
    starts = programme.injection_date + dt.timedelta(days=7 * (week - 1))
    ends = starts + dt.timedelta(days=6)
    found = weeks.get(week)
    if found is None:
        figures = "no sessions logged"
    else:
        figures = f"{found.done} of {found.logged} sessions logged were done"
        if found.mean_pain is not None:
            figures += f", pain during {found.mean_pain:.1f}/10 on average"
    label = "updated" if updated else "adherence"
    return programme.episode.log(
        TimelineEvent.Kind.AFTERCARE,
        f"Exercise week {week} {label} ({starts:%-d %b} to {ends:%-d %b}): {figures}",
        detail={
            "programme": programme.pk,
            "week": week,
            "logged": found.logged if found else 0,
            "done": found.done if found else 0,
            "mean_pain": found.mean_pain if found else None,
        },
        at=at,
    )


def adherence_rows(programme: Programme) -> list[ExerciseLog]:
    """The programme's logs in the core's shape, for ``rehab.weekly_adherence``."""
    if "adherence" in getattr(programme, "_prefetched_objects_cache", {}):
        return [
            ExerciseLog(log.on, log.exercise_code, log.done, log.pain_during)
            for log in programme.adherence.all()
        ]
    return [ExerciseLog(*row) for row in _ADHERENCE_ROWS(programme=programme.pk)]


# Every log reads these (lib/prepared.py: compiled once, run with new values).
_WEEKS_SUMMARISED = Prepared(
    lambda pk: Programme.objects.filter(pk=pk).values_list("weeks_summarised", flat=True),
    pk=(Programme._meta.pk, 1, 2),  # type: ignore[arg-type]
)
_ADHERENCE_ROWS = Prepared(
    lambda programme: AdherenceLog.objects.filter(programme=programme).values_list(
        "on", "exercise_code", "done", "pain_during"
    ),
    programme=(Programme._meta.pk, 1, 2),  # type: ignore[arg-type]
)


def _item_changes(
    before: set[tuple[int, str, str]],
    after: set[tuple[int, str, str]],
    old_notes: str,
    notes: str,
) -> dict[str, dict[str, object]]:
    """The programme's exercises (phase, exercise, dosage) and notes before and after the edit."""
    changes: dict[str, dict[str, object]] = {}
    if before != after:
        changes["items"] = {
            "before": [list(item) for item in sorted(before)],
            "after": [list(item) for item in sorted(after)],
        }
    if notes != old_notes:
        changes["notes"] = {"before": old_notes, "after": notes}
    return changes
