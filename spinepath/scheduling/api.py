"""Sessions and bookings over JSON, and a clinic's lists as an iCalendar feed.

The same workflow functions as the pages. A refused booking is a 409 whose body lists every
conflict (code, words, source, action, earliest date); a bad field a 422; another clinic's
session or booking a 404; a role that may not schedule a 403. The calendar names no patient:
one event per session, with its room, imaging and how many slots are booked.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import field_validator

from spinepath.accounts import access, audit
from spinepath.accounts.access import Task
from spinepath.accounts.models import AuditEvent, User
from spinepath.api_helpers import Input, from_model_errors
from spinepath.assessment.models import IMAGING_CHOICES
from spinepath.patients import scope
from spinepath.scheduling.booking import (
    BookingRefused,
    booking_cancel,
    booking_create,
    booking_dna,
    booking_move,
    session_create,
)
from spinepath.scheduling.models import Booking, Session

router = Router(tags=["scheduling"])

MODALITIES = [code for code, _ in IMAGING_CHOICES]


class SessionIn(Input):
    date: date
    start_time: time
    room: str = Field(min_length=1, max_length=100)
    modality: str = Field(pattern="^(" + "|".join(MODALITIES) + ")$")
    operator_id: int | None = None
    capacity: int = Field(ge=1, le=40)

    @field_validator("start_time")
    @classmethod
    def local_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give the clinic's local time, without a time zone")
        return value


class SessionOut(Schema):
    id: int
    date: date
    start_time: time
    room: str
    modality: str
    operator: str | None
    capacity: int
    slots_used: int

    @staticmethod
    def resolve_operator(obj: Session) -> str | None:
        return obj.operator.display_name if obj.operator else None

    @staticmethod
    def resolve_slots_used(obj: Session) -> int:
        return obj.slots_used()


class BookingIn(Input):
    episode_id: str = Field(min_length=1, max_length=64)


class ReasonIn(Input):
    reason: str = Field(min_length=3, max_length=300)


class MoveIn(ReasonIn):
    session_id: int


class BookingOut(Schema):
    id: int
    episode_id: str
    session_id: int
    procedure: str
    slots: int
    status: str
    reason: str
    holds: list[dict[str, Any]]
    booked_at: datetime

    @staticmethod
    def resolve_episode_id(obj: Booking) -> str:
        return str(obj.episode_id)


class ConflictOut(Schema):
    code: str
    message: str
    source: str
    action: str | None
    earliest_date: date | None


class RefusalOut(Schema):
    detail: str
    conflicts: list[ConflictOut]


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _session(request: HttpRequest, session_id: int) -> Session:
    user = _user(request)
    access.ensure_patient_role(user)
    session = (
        Session.objects.select_related("operator")
        .filter(pk=session_id, clinic_id=user.clinic_id)
        .first()
    )
    if session is None:
        raise Http404("No such session")
    return session


def _booking(request: HttpRequest, booking_id: int) -> Booking:
    return scope.get_episode_record_for_user(
        request,
        Booking.objects.select_related("session", "episode__patient__clinic"),
        booking_id,
        what="booking",
        log_read=False,
    )


def _range(start: date | None, end: date | None) -> tuple[date, date]:
    """The dates asked for (default: the next 31 days); 422 for a range that makes no sense."""
    start = start or timezone.localdate()
    try:
        end = end or start + timedelta(days=31)
    except OverflowError:
        end = date.max
    if end < start or (end - start).days > 366:
        raise HttpError(422, "Give an end on or after the start, at most a year later.")
    return start, end


def _refused(exc: BookingRefused) -> Any:
    return Status(409, {"detail": str(exc), "conflicts": exc.conflicts})


@router.get("/sessions", response=list[SessionOut], summary="The clinic's sessions in a range")
def list_sessions(request: HttpRequest, start: date | None = None, end: date | None = None) -> Any:
    user = _user(request)
    access.ensure_patient_role(user)
    start, end = _range(start, end)
    return list(
        Session.objects.filter(clinic_id=user.clinic_id, date__gte=start, date__lte=end)
        .select_related("operator")
        .order_by("date", "start_time")
    )


@router.post("/sessions", response={201: SessionOut}, summary="Create a session")
def create_session(request: HttpRequest, payload: SessionIn) -> Any:
    user = _user(request)
    access.ensure_may(user, Task.SCHEDULE)
    session = Session(**payload.dict())
    try:
        session_create(request, session=session, by=user)
    except DjangoValidationError as invalid:
        raise from_model_errors(invalid) from None
    return Status(201, session)


@router.get("/sessions/{session_id}/bookings", response=list[BookingOut], summary="Bookings")
def session_bookings(request: HttpRequest, session_id: int) -> Any:
    session = _session(request, session_id)
    bookings = list(session.bookings.all())
    audit.record_list(request, Booking, [b.pk for b in bookings])
    return bookings


@router.post(
    "/sessions/{session_id}/bookings",
    response={201: BookingOut, 409: RefusalOut},
    summary="Book an episode on a session (every conflict listed when refused)",
)
def create_booking(request: HttpRequest, session_id: int, payload: BookingIn) -> Any:
    user = _user(request)
    session = _session(request, session_id)
    access.ensure_may(user, Task.SCHEDULE)
    episode = scope.get_episode_for_user(request, payload.episode_id, log_read=False)
    try:
        return Status(201, booking_create(request, episode=episode, session=session, by=user))
    except BookingRefused as exc:
        return _refused(exc)


@router.post(
    "/bookings/{booking_id}/cancel", response={200: BookingOut, 409: RefusalOut}, summary="Cancel"
)
def cancel_booking(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Any:
    user = _user(request)
    booking = _booking(request, booking_id)
    access.ensure_may(user, Task.SCHEDULE)
    try:
        return booking_cancel(request, booking=booking, by=user, reason=payload.reason)
    except BookingRefused as exc:
        return _refused(exc)


@router.post(
    "/bookings/{booking_id}/did-not-attend",
    response={200: BookingOut, 409: RefusalOut},
    summary="Record that the patient did not attend",
)
def dna_booking(request: HttpRequest, booking_id: int, payload: ReasonIn) -> Any:
    user = _user(request)
    booking = _booking(request, booking_id)
    access.ensure_may(user, Task.SCHEDULE)
    try:
        return booking_dna(request, booking=booking, by=user, reason=payload.reason)
    except BookingRefused as exc:
        return _refused(exc)


@router.post(
    "/bookings/{booking_id}/move",
    response={201: BookingOut, 409: RefusalOut},
    summary="Move a booking to another session (checked again for the new date)",
)
def move_booking(request: HttpRequest, booking_id: int, payload: MoveIn) -> Any:
    user = _user(request)
    booking = _booking(request, booking_id)
    to = _session(request, payload.session_id)
    access.ensure_may(user, Task.SCHEDULE)
    try:
        new = booking_move(request, booking=booking, to=to, by=user, reason=payload.reason)
    except BookingRefused as exc:
        return _refused(exc)
    return Status(201, new)


def sessions_calendar(sessions: list[tuple[Session, int]], *, clinic_name: str) -> bytes:
    """An RFC 5545 calendar with one event per session; no patient is named."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//spinepath//injection lists//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{clinic_name} injection lists")
    zone = timezone.get_current_timezone()
    stamp = timezone.now()
    for session, used in sessions:
        start = datetime.combine(session.date, session.start_time, tzinfo=zone)
        event = icalendar.Event()
        event.add("uid", f"session-{session.pk}@{settings.SITE_URL.split('//')[-1]}")
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(hours=4))
        event.add(
            "summary",
            f"{session.get_modality_display()} list ({used} of {session.capacity} slots booked)",
        )
        event.add("location", session.room)
        calendar.add_component(event)
    return calendar.to_ical()


@router.get("/sessions.ics", summary="The clinic's sessions as iCalendar (no patient named)")
def sessions_ics(
    request: HttpRequest, start: date | None = None, end: date | None = None
) -> HttpResponse:
    user = _user(request)
    access.ensure_patient_role(user)
    start, end = _range(start, end)
    rows = Session.objects.filter(
        clinic_id=user.clinic_id, date__gte=start, date__lte=end
    ).order_by("date", "start_time")
    sessions = [(s, s.slots_used()) for s in rows]
    body = sessions_calendar(sessions, clinic_name=user.clinic.name if user.clinic else "")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="injection-lists.ics"'
    if sessions:
        audit.record(
            request,
            AuditEvent.Action.EXPORT,
            sessions[0][0],
            user=user,
            detail={"n": len(sessions)},
        )
    return response
