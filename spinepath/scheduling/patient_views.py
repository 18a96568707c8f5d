"""The patient's page for a booked injection: open the emailed link, confirm the date of birth,
read the instructions (from the core, for the booked date), confirm or ask to rebook.

The address after the link names nothing (``/b/appointment``): the booking is found from the
token's hash kept in the browser session. Every read and answer is audited (channel: patient).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.followup.patient_forms import DOB_FIELDS, read_date_of_birth
from spinepath.patients.models import TimelineEvent
from spinepath.scheduling.instructions import instructions_for
from spinepath.scheduling.messages import DOB_TRIES, find_usable, token_hash
from spinepath.scheduling.models import Booking

# A session key's name (bandit B105).
TOKEN_KEY = "booking_token"  # nosec B105
VERIFIED_KEY = "booking_verified"


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "scheduling/patient/unavailable.html", status=404)


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    if find_usable(token, at=timezone.now()) is None:
        return _unavailable(request)
    request.session.cycle_key()
    request.session[TOKEN_KEY] = token
    request.session.pop(VERIFIED_KEY, None)
    return HttpResponseRedirect(reverse("booking_patient_dob"))


def _booking(request: HttpRequest, at: datetime) -> Booking | None:
    token = request.session.get(TOKEN_KEY, "")
    return find_usable(token, at=at) if token else None


def _audit(booking: Booking, action: str, reason: str, at: datetime) -> None:
    audit.record(None, action, booking, reason=reason, channel=AuditEvent.Channel.PATIENT, at=at)


@require_http_methods(["GET", "POST"])
def date_of_birth(request: HttpRequest) -> HttpResponse:
    at = timezone.now()
    booking = _booking(request, at)
    if booking is None:
        return _unavailable(request)
    given = read_date_of_birth(request.POST, today=timezone.localdate(at))
    tries_left = None
    if request.method == "POST" and given.value is not None:
        if given.value == booking.episode.patient.date_of_birth:
            request.session[VERIFIED_KEY] = token_hash(request.session[TOKEN_KEY])
            _audit(booking, AuditEvent.Action.READ, "Opened their appointment link", at)
            return HttpResponseRedirect(reverse("booking_patient_page"))
        Booking.objects.filter(pk=booking.pk).update(link_tries=booking.link_tries + 1)
        _audit(booking, AuditEvent.Action.DENIED, "Wrong date of birth on a booking link", at)
        tries_left = DOB_TRIES - booking.link_tries - 1
        if tries_left <= 0:
            request.session.flush()
            return _unavailable(request)
        given.error = "The date of birth does not match our records. Check it and try again"
        given.error_fields = DOB_FIELDS
    context = {
        "clinic": booking.episode.patient.clinic,
        "dob": given,
        "show_error": request.method == "POST" and bool(given.error),
        "tries_left": tries_left,
    }
    return render(request, "scheduling/patient/date_of_birth.html", context)


@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest) -> HttpResponse:
    at = timezone.now()
    booking = _booking(request, at)
    if booking is None or request.session.get(VERIFIED_KEY) != booking.link_hash:
        return _unavailable(request)
    answered = ""
    if request.method == "POST":
        choice = request.POST.get("answer", "")
        if choice in ("confirm", "rebook"):
            field = "confirmed_at" if choice == "confirm" else "rebook_requested_at"
            setattr(booking, field, at)
            booking.save(update_fields=[field])
            words = (
                "Patient confirmed the appointment"
                if choice == "confirm"
                else "Patient asked to rebook the appointment"
            )
            booking.episode.log(TimelineEvent.Kind.NOTE, words, at=at)
            _audit(booking, AuditEvent.Action.UPDATE, words, at)
            answered = choice
    else:
        _audit(booking, AuditEvent.Action.READ, "Read their appointment instructions", at)
    context = {
        "clinic": booking.episode.patient.clinic,
        "booking": booking,
        "session": booking.session,
        "instructions": instructions_for(booking, at=at),
        "answered": answered,
    }
    return render(request, "scheduling/patient/appointment.html", context)
