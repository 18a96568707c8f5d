"""Staff pages: injection lists, a list's bookings, the printable day list, the waiting list.

Every page is clinic-scoped: a session is found only in the user's own clinic (another clinic's
is a 404), and patients are reached through ``patients.scope`` so each read is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.patients import scope
from spinepath.patients.models import Episode
from spinepath.procedures.models import Consent, SafetyCheck
from spinepath.scheduling.booking import (
    BookingRefused,
    booking_cancel,
    booking_create,
    booking_dna,
    booking_move,
    plan_for,
    rtt_pause_end,
    rtt_pause_start,
    session_create,
)
from spinepath.scheduling.forms import BookForm, ReasonForm, SessionForm
from spinepath.scheduling.models import Booking, Session
from spinepath.scheduling.waiting import next_suitable, waiting_list


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def session_for_user(request: HttpRequest, session_id: int) -> Session:
    """A session of the user's own clinic; 404 otherwise (as for patients)."""
    user = _user(request)
    access.ensure_patient_role(user)
    session = (
        Session.objects.select_related("operator", "clinic")
        .filter(pk=session_id, clinic_id=user.clinic_id)
        .first()
    )
    if session is None:
        audit.record_denied(
            request,
            reason="No such session in your clinic.",
            model="scheduling.Session",
            object_id=str(session_id),
        )
        raise Http404("No such session")
    return session


@access.patient_staff_required
def sessions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    rows = (
        Session.objects.filter(clinic_id=user.clinic_id, date__gte=today - timedelta(days=7))
        .select_related("operator")
        .order_by("date", "start_time")
    )
    listed = []
    for session in rows:
        listed.append((session, session.slots_used()))
    return render(
        request,
        "scheduling/sessions.html",
        {"sessions": listed, "today": today, "may_schedule": access.may(user, Task.SCHEDULE)},
    )


@access.patient_staff_required
def session_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    access.ensure_may(user, Task.SCHEDULE)
    form = SessionForm(request.POST or None, clinic_id=user.clinic_id or 0)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create(request, session=form.save(commit=False), by=user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"Session created: {session}.")
            return redirect("session_detail", session.pk)
    return render(request, "scheduling/session_form.html", {"form": form})


def _ready_choices(user: User, session: Session) -> list[tuple[str, str]]:
    rows = [w for w in waiting_list(user.clinic_id or 0, on=timezone.localdate()) if w.ready]
    return [
        (
            str(w.episode.pk),
            f"{w.episode.patient.full_name} · {w.episode.condition_display} · waited "
            f"{w.status.waited_weeks} weeks",
        )
        for w in rows
    ]


@access.patient_staff_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    user = _user(request)
    session = session_for_user(request, session_id)
    every = list(
        session.bookings.select_related("episode__patient").order_by("status", "booked_at")
    )
    # Restricted records are not listed (patients/rights.py); their slots still count.
    bookings = [b for b in every if b.episode.patient.restricted_at is None]
    restricted = len(every) - len(bookings)
    audit.record_list(request, Booking, [b.pk for b in bookings])
    may_schedule = access.may(user, Task.SCHEDULE)
    choices = _ready_choices(user, session) if may_schedule else []
    form = BookForm(request.POST or None, choices=choices)
    refusal: BookingRefused | None = None
    status = 200
    if request.method == "POST":
        access.ensure_may(user, Task.SCHEDULE)
        if form.is_valid():
            episode = scope.get_episode_for_user(
                request, form.cleaned_data["episode"], log_read=False
            )
            try:
                booking_create(request, episode=episode, session=session, by=user)
            except BookingRefused as exc:
                refusal, status = exc, 409
            else:
                messages.success(request, f"{episode.patient.full_name} is booked on this session.")
                return redirect("session_detail", session.pk)
        else:
            status = 400
    used = sum(b.slots for b in every if b.status == Booking.Status.BOOKED)
    now = timezone.now()
    offer = (
        next_suitable(session, on=timezone.localdate(now), at=now)
        if may_schedule and used < session.capacity and session.date >= timezone.localdate(now)
        else []
    )
    return render(
        request,
        "scheduling/session_detail.html",
        {
            "session": session,
            "bookings": bookings,
            "restricted": restricted,
            "used": used,
            "form": form,
            "refusal": refusal,
            "offer": offer,
            "may_schedule": may_schedule,
            "reason_form": ReasonForm(),
            "move_to": Session.objects.filter(
                clinic_id=session.clinic_id,
                modality=session.modality,
                date__gte=timezone.localdate(),
            )
            .exclude(pk=session.pk)
            .order_by("date", "start_time")[:20]
            if may_schedule
            else [],
        },
        status=status,
    )


_CHANGES = {"cancel": booking_cancel, "dna": booking_dna, "move": booking_move}


@access.patient_staff_required
def booking_change(request: HttpRequest, booking_id: int, change: str) -> HttpResponse:
    user = _user(request)
    access.ensure_may(user, Task.SCHEDULE)
    if request.method != "POST" or change not in _CHANGES:
        raise Http404("No such change")
    booking = access.get_for_user(
        request,
        Booking.objects.select_related("session", "episode__patient"),
        booking_id,
        patient_path="episode__patient",
        what="booking",
        log_read=False,
    )
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a reason (at least 3 characters); nothing changed.")
        return redirect("session_detail", booking.session_id)
    extra: dict[str, Any] = {}
    if change == "move":
        to_id = request.POST.get("session", "")
        if not to_id.isdigit():
            messages.error(request, "Choose the session to move to; nothing changed.")
            return redirect("session_detail", booking.session_id)
        extra["to"] = session_for_user(request, int(to_id))
    try:
        _CHANGES[change](
            request, booking=booking, by=user, reason=form.cleaned_data["reason"], **extra
        )
    except BookingRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Booking updated.")
    return redirect("session_detail", booking.session_id)


@dataclass
class DayRow:
    booking: Booking
    consent: Consent | None
    allergies: str
    anticoagulation: str
    checklist: str


def _day_row(booking: Booking) -> DayRow:
    plan = plan_for(booking.episode)
    assessment = plan.assessment
    if assessment is None or not assessment.allergies_recorded:
        allergies = "Not recorded"
    else:
        allergies = ", ".join(a.replace("_", " ") for a in assessment.allergies) or "None known"
    if assessment is None or not assessment.medication_recorded:
        anticoagulation = "Not recorded"
    elif not assessment.antithrombotics:
        anticoagulation = "None"
    else:
        stops = {h["drug"]: h["stop_on"] for h in booking.holds}
        parts = []
        for row in assessment.antithrombotics:
            drug = row["drug"]
            name = drug.replace("_", " ")
            parts.append(
                f"{name}: stop from {stops[drug]}" if drug in stops else f"{name}: no hold"
            )
        anticoagulation = "; ".join(parts)
    check = (
        SafetyCheck.objects.filter(episode=booking.episode, checked_on=booking.session.date)
        .order_by("-checked_at")
        .first()
    )
    if check is None:
        checklist = "Not begun"
    elif check.complete:
        checklist = "Complete"
    elif check.ready_for_procedure:
        checklist = "Sign in and time out done"
    else:
        checklist = "Begun"
    return DayRow(booking, plan.consent, allergies, anticoagulation, checklist)


@access.patient_staff_required
def day_list(request: HttpRequest, session_id: int) -> HttpResponse:
    session = session_for_user(request, session_id)
    every = list(
        session.bookings.filter(status=Booking.Status.BOOKED)
        .select_related("episode__patient")
        .order_by("booked_at")
    )
    bookings = [b for b in every if b.episode.patient.restricted_at is None]
    for booking in bookings:
        audit.record(request, AuditEvent.Action.READ, booking.episode.patient)
    rows = [_day_row(b) for b in bookings]
    return render(
        request,
        "scheduling/day_list.html",
        {"session": session, "rows": rows, "restricted": len(every) - len(bookings)},
    )


@access.patient_staff_required
def waiting(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    rows = waiting_list(user.clinic_id or 0, on=today)
    audit.record_list(request, Episode, [w.episode.pk for w in rows])
    may_schedule = access.may(user, Task.SCHEDULE)
    return render(
        request,
        "scheduling/waiting.html",
        {"rows": rows, "today": today, "may_schedule": may_schedule},
    )


def rtt_pause(request: HttpRequest, episode_id: UUID, change: str) -> HttpResponse:
    """Pause (with the patient's reason) or restart an episode's waiting clock, from today."""
    user = _user(request)
    access.ensure_may(user, Task.SCHEDULE)
    if request.method != "POST" or change not in ("start", "end"):
        raise Http404("No such change")
    episode = access.get_for_user(
        request,
        Episode.objects.select_related("patient"),
        episode_id,
        patient_path="patient",
        what="episode",
        log_read=False,
    )
    try:
        if change == "start":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                messages.error(request, "Give the patient's reason (at least 3 characters).")
                return redirect("waiting_list")
            rtt_pause_start(request, episode=episode, reason=form.cleaned_data["reason"], by=user)
        else:
            rtt_pause_end(request, episode=episode, by=user)
    except (BookingRefused, ValidationError) as exc:
        words = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, f"{words} Nothing changed.")
    else:
        done = "paused" if change == "start" else "restarted"
        messages.success(request, f"Waiting clock {done} for {episode.patient.full_name}.")
    return redirect("waiting_list")
