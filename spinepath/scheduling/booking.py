"""Creating sessions and booking, cancelling, moving and missing appointments on them.

Every workflow here is one keyword-only function taking ``at=`` (default now) that the pages, the
API, the demo and the tests all call. A booking's checks and its write share one transaction
holding two locks, always taken in the same order so two workflows cannot wait on each other:

1. the session row(s) (``SELECT … FOR UPDATE``; several in primary-key order), so two staff
   filling the last slot at once run one after the other and the second sees the first's booking;
2. the patient (``patients.locks.lock_patient``), so the steroid history and the episode's other
   bookings cannot change under the check.

On SQLite every writing transaction is ``BEGIN IMMEDIATE`` (settings), which serialises them.

The clinical questions (modality, decision, steroid checks on the session date, antithrombotic
stop dates) are the core's ``clinical.booking.check_booking``; this module gathers its inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent, User
from spinepath.assessment.models import Assessment, Decision
from spinepath.clinical.booking import BookingCheck, BookingRequest, Conflict, check_booking
from spinepath.clinical.facts import InjectionSite
from spinepath.clinical.rules import Reason
from spinepath.clinical.steroids import PlannedInjection
from spinepath.clinical.vocab import Antithrombotic, Imaging, Outcome, Procedure, Steroid
from spinepath.lib.dates import day, end_of_day
from spinepath.patients.history import steroid_history
from spinepath.patients.locks import lock_patient
from spinepath.patients.models import Episode, TimelineEvent
from spinepath.procedures.models import Consent
from spinepath.procedures.safety_check import valid_consent
from spinepath.scheduling.models import Booking, RttPause, Session, slots_for

REASON_MIN_CHARS = 3


class BookingRefused(Exception):
    """The booking (or change) may not be made; ``conflicts`` say why, each with its source."""

    def __init__(self, message: str, conflicts: Sequence[Conflict] = ()) -> None:
        super().__init__(message)
        self.conflicts = list(conflicts)


@dataclass(frozen=True)
class Plan:
    """What would be done, and the facts the booking checks need about it."""

    consent: Consent | None
    assessment: Assessment | None
    decision: Decision | None

    @property
    def source(self) -> Consent | Assessment | None:
        return self.consent or self.assessment

    @property
    def procedure(self) -> str:
        return self.source.procedure if self.source else ""


def plan_for(episode: Episode) -> Plan:
    consent = valid_consent(episode)
    assessment = consent.assessment if consent else episode.assessments.first()
    decision = assessment.latest_decision if assessment else None
    return Plan(consent, assessment, decision)


def _unjustified(decision: Decision | None) -> list[Reason]:
    if decision is None:
        return []
    if decision.blocks:
        return [Reason.model_validate(r) for r in decision.reasons]
    return decision.reasons_still_to_justify()


def check_for(
    episode: Episode,
    session: Session,
    *,
    on: date,
    plan: Plan | None = None,
    at: datetime | None = None,
) -> Any:
    """The core's booking check for ``episode`` on ``session``, booked on day ``on``, under the
    clinic's rule set in force at ``at`` (a workflow's own time; default: the end of ``on``)."""
    plan = plan or plan_for(episode)
    source, assessment = plan.source, plan.assessment
    if source is None or assessment is None:
        return BookingCheck(
            conflicts=[
                Conflict(
                    "BOOKING_NO_DECISION",
                    "The episode has not been assessed for an injection.",
                    "rules.md",
                    "assess the patient first",
                )
            ],
            holds=[],
            steroid=None,
        )
    drugs = (
        [Antithrombotic(row["drug"]) for row in assessment.antithrombotics]
        if assessment.medication_recorded
        else None
    )
    planned = None
    if source.steroid and source.steroid_dose_mg:
        planned = PlannedInjection(
            date=session.date,
            procedure=InjectionSite(source.procedure),
            steroid=Steroid(source.steroid),
            steroid_dose_mg=source.steroid_dose_mg,
        )
    request = BookingRequest(
        procedure=Procedure(source.procedure),
        planned_imaging=Imaging(source.imaging),
        session_date=session.date,
        session_modality=Imaging(session.modality),
        booked_on=on,
        consent_valid=plan.consent is not None,
        decision_outcome=Outcome(plan.decision.outcome) if plan.decision else None,
        unjustified=_unjustified(plan.decision),
        antithrombotics=drugs,
        crcl_ml_min=assessment.crcl_ml_min,
        planned_steroid=planned,
        steroid_history=steroid_history(episode.patient, on_or_before=session.date)
        if planned
        else (),
    )
    return check_booking(request, episode.patient.clinic.ruleset(at=at or end_of_day(on)))


def refusal_words(conflicts: Sequence[Conflict]) -> str:
    return " ".join(c.message for c in conflicts)


# --- Sessions ------------------------------------------------------------------------------------


def session_create(
    request: HttpRequest | None, *, session: Session, by: User, at: datetime | None = None
) -> Session:
    """Save a new session for ``by``'s clinic; ``ValidationError`` says what is wrong."""
    now = at or timezone.now()
    session.clinic_id = by.clinic_id
    session.created_by = by
    session.created_at = now
    session.full_clean()
    if session.date < timezone.localdate(now):
        raise ValidationError({"date": "A new session cannot be in the past."})
    if session.date > timezone.localdate(now) + timedelta(days=2 * 366):
        raise ValidationError({"date": "A session can be planned at most two years ahead."})
    with transaction.atomic():
        session.save()
        audit.record(request, AuditEvent.Action.CREATE, session, user=by, at=now)
    return session


def _lock_sessions(*sessions: Session) -> dict[int, Session]:
    ids = sorted({s.pk for s in sessions})
    locked = Session.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {s.pk: s for s in locked}


# --- Bookings ------------------------------------------------------------------------------------


def _book(
    request: HttpRequest | None,
    *,
    episode: Episode,
    session: Session,
    by: User,
    now: datetime,
) -> Booking:
    """Check and write one booking; the caller holds the session and patient locks."""
    if session.clinic_id != episode.patient.clinic_id:
        raise BookingRefused("This session belongs to another clinic.")
    if not episode.is_open:
        raise BookingRefused("This episode is discharged. Re-open it before booking.")
    live = episode.bookings.filter(status=Booking.Status.BOOKED)
    if live.exists():
        other = live.select_related("session").first()
        raise BookingRefused(
            f"This episode is already booked on the {other.session if other else 'another'} "
            "session. Move that booking instead."
        )
    plan = plan_for(episode)
    slots = slots_for(plan.procedure)
    used = session.slots_used()
    if used + slots > session.capacity:
        free = session.capacity - used
        raise BookingRefused(
            f"The session is full: {free} of {session.capacity} slots free and this procedure "
            f"needs {slots}. Nothing was booked.",
            [Conflict("BOOKING_SESSION_FULL", "The session has no free slot.", "capacity")],
        )
    check = check_for(episode, session, on=timezone.localdate(now), plan=plan, at=now)
    if not check.allowed:
        raise BookingRefused(refusal_words(check.conflicts), check.conflicts)
    booking = Booking(
        episode=episode,
        session=session,
        procedure=plan.procedure,
        slots=slots,
        holds=[
            {"drug": h.drug.value, "stop_on": h.stop_on.isoformat(), "hold_hours": h.hold_hours}
            for h in check.holds
        ],
        booked_by=by,
        booked_at=now,
    )
    booking.full_clean()
    booking.save()
    episode.log(
        TimelineEvent.Kind.NOTE,
        f"Booked for {session}, {session.room}",
        by=by,
        detail={"booking": booking.pk, "holds": booking.holds},
        at=now,
    )
    audit.record(request, AuditEvent.Action.CREATE, booking, user=by, at=now)
    transaction.on_commit(lambda: _enqueue_instructions(booking.pk))
    return booking


def _enqueue_instructions(booking_id: int) -> None:
    from spinepath.scheduling.tasks import send_booking_instructions

    send_booking_instructions.enqueue(booking_id)


def booking_create(
    request: HttpRequest | None,
    *,
    episode: Episode,
    session: Session,
    by: User,
    at: datetime | None = None,
) -> Booking:
    """Book ``episode`` on ``session``; ``BookingRefused`` (with every conflict) otherwise."""
    now = at or timezone.now()
    with transaction.atomic():
        session = _lock_sessions(session)[session.pk]
        patient = lock_patient(episode.patient_id)
        episode.refresh_from_db()
        episode.patient = patient
        return _book(request, episode=episode, session=session, by=by, now=now)


def _reason(reason: str) -> str:
    reason = reason.strip()
    if len(reason) < REASON_MIN_CHARS:
        raise BookingRefused("Give a reason.")
    return reason


def _change(
    request: HttpRequest | None,
    booking: Booking,
    *,
    status: str,
    reason: str,
    by: User,
    now: datetime,
    summary: str,
) -> Booking:
    if booking.status != Booking.Status.BOOKED:
        raise BookingRefused(
            f"This booking is already {booking.get_status_display().lower()}; nothing changed."
        )
    before = audit.snapshot(booking)
    booking.status = status
    booking.reason = reason
    booking.changed_by = by
    booking.changed_at = now
    booking.save(update_fields=["status", "reason", "changed_by", "changed_at"])
    booking.episode.log(
        TimelineEvent.Kind.NOTE, summary, by=by, detail={"booking": booking.pk}, at=now
    )
    audit.edit_of(booking, before).record(request, user=by, reason=reason, at=now)
    return booking


def _locked_booking(booking: Booking, *sessions: Session) -> tuple[Booking, dict[int, Session]]:
    locked = _lock_sessions(booking.session, *sessions)
    lock_patient(booking.episode.patient_id)
    fresh = Booking.objects.select_related("episode__patient__clinic").get(pk=booking.pk)
    fresh.session = locked[fresh.session_id]
    return fresh, locked


def booking_cancel(
    request: HttpRequest | None,
    *,
    booking: Booking,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Booking:
    """Cancel ``booking`` (the episode returns to the waiting list); the slot is free again."""
    now = at or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        booking, _ = _locked_booking(booking)
        return _change(
            request,
            booking,
            status=Booking.Status.CANCELLED,
            reason=reason,
            by=by,
            now=now,
            summary=f"Booking for {booking.session} cancelled: {reason}",
        )


def booking_dna(
    request: HttpRequest | None,
    *,
    booking: Booking,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Booking:
    """The patient did not attend. Only on or after the session's day."""
    now = at or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        booking, _ = _locked_booking(booking)
        if booking.session.date > timezone.localdate(now):
            raise BookingRefused("A patient can only miss a session on or after its day.")
        return _change(
            request,
            booking,
            status=Booking.Status.DID_NOT_ATTEND,
            reason=reason,
            by=by,
            now=now,
            summary=f"Did not attend {booking.session}: {reason}",
        )


def booking_move(
    request: HttpRequest | None,
    *,
    booking: Booking,
    to: Session,
    by: User,
    reason: str,
    at: datetime | None = None,
) -> Booking:
    """Move ``booking`` to session ``to``: every check again for the new date; the new booking."""
    now = at or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        booking, locked = _locked_booking(booking, to)
        if booking.status != Booking.Status.BOOKED:
            raise BookingRefused(
                f"This booking is already {booking.get_status_display().lower()}; nothing changed."
            )
        if to.pk == booking.session_id:
            raise BookingRefused("Choose a different session to move to.")
        # One live booking per episode (a partial unique constraint): the old one leaves
        # "booked" first; a refusal of the new one rolls both back.
        _change(
            request,
            booking,
            status=Booking.Status.MOVED,
            reason=reason,
            by=by,
            now=now,
            summary=f"Booking moved from {booking.session} to {to}: {reason}",
        )
        new = _book(request, episode=booking.episode, session=locked[to.pk], by=by, now=now)
        booking.moved_to = new
        booking.save(update_fields=["moved_to"])
        return new


# --- Pauses of the waiting clock -----------------------------------------------------------------


def rtt_pause_start(
    request: HttpRequest | None,
    *,
    episode: Episode,
    reason: str,
    by: User,
    start: date | None = None,
    at: datetime | None = None,
) -> RttPause:
    now = at or timezone.now()
    with transaction.atomic():
        lock_patient(episode.patient_id)
        if episode.rtt_pauses.filter(end__isnull=True).exists():
            raise BookingRefused("The clock is already paused.")
        pause = RttPause(
            episode=episode,
            start=start or timezone.localdate(now),
            reason=reason.strip(),
            recorded_by=by,
            recorded_at=now,
        )
        pause.full_clean()
        pause.save()
        episode.log(
            TimelineEvent.Kind.NOTE,
            f"Waiting clock paused from {day(pause.start)}: {pause.reason}",
            by=by,
            at=now,
        )
        audit.record(request, AuditEvent.Action.CREATE, pause, user=by, at=now)
    return pause


def rtt_pause_end(
    request: HttpRequest | None,
    *,
    episode: Episode,
    by: User,
    end: date | None = None,
    at: datetime | None = None,
) -> RttPause:
    now = at or timezone.now()
    with transaction.atomic():
        lock_patient(episode.patient_id)
        pause = episode.rtt_pauses.filter(end__isnull=True).first()
        if pause is None:
            raise BookingRefused("The clock is not paused.")
        pause.end = end or timezone.localdate(now)
        if pause.end <= pause.start:
            raise BookingRefused("A pause must end after the day it started.")
        pause.save(update_fields=["end"])
        episode.log(
            TimelineEvent.Kind.NOTE, f"Waiting clock restarted on {day(pause.end)}", by=by, at=now
        )
        audit.record(
            request, AuditEvent.Action.UPDATE, pause, user=by, changed_fields=["end"], at=now
        )
    return pause
