"""The pages a patient sees from their follow-up link: no login, no JavaScript needed.

``/f/<token>`` swaps the token for a short session (``patient_session``) and redirects to
``/f/date-of-birth``; from then on no address carries the token or any identifier. After the date
of birth matches, one screen per questionnaire (``/f/questions/<n>``), a page to check the answers
(``/f/check``) and the thank-you page (``/f/done``), which shows what was sent, read-only.

Every page reads the time point from the session alone. Each view reads the clock once, at the
top, and passes it on (``at``), as every workflow does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.clinical.instruments import Instrument
from spinepath.followup import answering, links, patient_session, responses
from spinepath.followup.models import FollowUpLink, Label, TimePoint
from spinepath.followup.patient_forms import DOB_FIELDS, read_date_of_birth, read_screen
from spinepath.followup.patient_session import PatientSession
from spinepath.questionnaires.wording import current_instruments

UNAVAILABLE = "followup/patient/unavailable.html"


def unavailable(request: HttpRequest, session: PatientSession | None = None) -> HttpResponse:
    """The one answer to every link that cannot be used, whatever the reason."""
    response = render(request, UNAVAILABLE, status=404)
    patient_session.end(response, session)
    return response


def _session_ended(request: HttpRequest) -> HttpResponse:
    minutes = settings.SPINEPATH_FOLLOWUP_SESSION_MINUTES
    return render(request, "followup/patient/session_ended.html", {"minutes": minutes}, status=403)


def _respond(response: HttpResponse, session: PatientSession) -> HttpResponse:
    patient_session.write_cookie(response, session)
    return response


def _redirect(name: str, *args: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(name, args=args))


def _still_open(link: FollowUpLink, at: datetime) -> bool:
    """A session's link may still show pages: not withdrawn, locked or past its window (a
    submitted one still shows its thank-you page, read-only)."""
    time_point = link.time_point
    return (
        link.revoked_at is None
        and link.locked_at is None
        and at < link.expires_at
        and time_point.cancelled_at is None
        and not links.is_locked(time_point)
    )


def verified_session(request: HttpRequest, at: datetime) -> PatientSession | HttpResponse:
    """The request's session once its date of birth is checked, or the page to show instead.
    Public because the patient's aftercare page (``spinepath.patient_aftercare``) is reached
    through the same session."""
    session = patient_session.current(request)
    if session is None:
        return _session_ended(request)
    if not _still_open(session.link, at):
        return unavailable(request, session)
    if not session.verified:
        return _redirect("followup_patient_dob")
    return session


P = ParamSpec("P")
SessionView = Callable[Concatenate[HttpRequest, PatientSession, datetime, P], HttpResponse]


def verified_patient_page(
    view: SessionView[P],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A patient page behind a checked date of birth: reads the clock once, finds the verified
    session (or returns the page to show instead) and calls ``view(request, session, at, …)``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        at = timezone.now()
        session = verified_session(request, at)
        if isinstance(session, HttpResponse):
            return session
        return view(request, session, at, *args, **kwargs)

    return wrapper


def definitions(time_point: TimePoint) -> dict[str, Instrument]:
    """The questionnaires in force (licensed wording where loaded), with the pain diary asking
    about pain now rather than over the last week."""
    current = current_instruments()
    if time_point.label == Label.DIARY:
        current = {code: _diary_wording(instrument) for code, instrument in current.items()}
    return {code: current[code] for code in time_point.instruments}


def _diary_wording(instrument: Instrument) -> Instrument:
    if not instrument.code.startswith("nrs"):
        return instrument
    pain = {"nrs_back": "back pain", "nrs_leg": "leg pain"}.get(instrument.code, "pain")
    item = instrument.items[0]
    text = (
        f"How bad is your {pain} right now? Pick a number, where 0 is no pain at all and 10 is "
        "the worst pain you can imagine."
    )
    return dataclasses.replace(
        instrument, recall_period="now", items=(dataclasses.replace(item, text=text),)
    )


def _context(time_point: TimePoint, **extra: Any) -> dict[str, Any]:
    clinic = time_point.episode.patient.clinic
    return {"clinic": clinic, "time_point": time_point, **extra}


# --- The link ----------------------------------------------------------------------------------


@require_GET
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    at = timezone.now()
    link = links.find_usable(token, at=at)
    if link is None:
        return unavailable(request, patient_session.current(request))
    if link.first_used_at is None:
        FollowUpLink.objects.filter(pk=link.pk, first_used_at__isnull=True).update(first_used_at=at)
    response = _redirect("followup_patient_dob")
    patient_session.end(response, patient_session.current(request))
    patient_session.start(response, link)
    return response


# --- Date of birth -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def date_of_birth(request: HttpRequest) -> HttpResponse:
    at = timezone.now()
    session = patient_session.current(request)
    if session is None:
        return _session_ended(request)
    link = session.link
    if not _still_open(link, at):
        return unavailable(request, session)
    if session.verified:
        return _respond(_redirect("followup_patient_question", 1), session)
    time_point = link.time_point
    given = read_date_of_birth(request.POST, today=timezone.localdate(at))
    tries_left = None
    if request.method == "POST" and given.value is not None:
        check = links.check_date_of_birth(link, given.value, at=at)
        if not check.usable:
            return unavailable(request, session)
        if check.matched:
            session.mark_verified(at)
            audit.record(
                None,
                AuditEvent.Action.READ,
                time_point,
                reason="Opened a follow-up link and confirmed the date of birth",
                channel=AuditEvent.Channel.PATIENT,
                at=at,
            )
            step = 1 if time_point.completed_at is None else None
            target = (
                _redirect("followup_patient_question", step)
                if step
                else _redirect("followup_patient_done")
            )
            return _respond(target, session)
        audit.record(
            None,
            AuditEvent.Action.DENIED,
            time_point,
            reason="Wrong date of birth on a follow-up link",
            channel=AuditEvent.Channel.PATIENT,
            at=at,
        )
        if check.locked:
            response = render(
                request, "followup/patient/locked.html", _context(time_point), status=403
            )
            patient_session.end(response, session)
            return response
        tries_left = check.tries_left
        given.error = "The date of birth does not match our records. Check it and try again"
        given.error_fields = DOB_FIELDS
    show_error = request.method == "POST" and bool(given.error)
    response = render(
        request,
        "followup/patient/date_of_birth.html",
        _context(
            time_point,
            dob=given,
            show_error=show_error,
            tries_left=tries_left,
            dob_fields=DOB_FIELDS,
        ),
        status=200,
    )
    return _respond(response, session)


# --- Questions ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@verified_patient_page
def question(
    request: HttpRequest, session: PatientSession, at: datetime, step: int
) -> HttpResponse:
    time_point = TimePoint.objects.get(pk=session.link.time_point_id)
    if time_point.completed_at is not None:
        return _respond(_redirect("followup_patient_done"), session)
    codes = list(time_point.instruments)
    if not 1 <= step <= len(codes):
        return _respond(_redirect("followup_patient_question", 1), session)
    instrument = definitions(time_point)[codes[step - 1]]
    saved = answering.saved_answers(time_point).get(instrument.code, {})
    errors: dict[str, str] = {}
    values: dict[str, Any] = dict(saved)
    if request.method == "POST":
        screen = read_screen(instrument, request.POST)
        values = {**screen.values}
        errors = screen.errors
        if not errors:
            try:
                answering.save_screen(session.link, instrument.code, screen.values, at=at)
            except answering.AlreadySubmitted:
                return _respond(_redirect("followup_patient_done"), session)
            if request.POST.get("return") == "check" or step == len(codes):
                return _respond(_redirect("followup_patient_check"), session)
            return _respond(_redirect("followup_patient_question", step + 1), session)
    back = (
        reverse("followup_patient_question", args=[step - 1])
        if step > 1
        else reverse("followup_patient_dob")
    )
    response = render(
        request,
        "followup/patient/question.html",
        _context(
            time_point,
            instrument=instrument,
            title=patient_title(instrument),
            items=[
                {
                    "item": item,
                    "value": values.get(item.id),
                    "error": errors.get(item.id, ""),
                    "scale": instrument.code.startswith("nrs"),
                    "options": [_option(option) for option in item.options],
                }
                for item in instrument.items
            ],
            errors=errors,
            step=step,
            steps=len(codes),
            back=back,
            returning=request.GET.get("return") == "check" or request.POST.get("return") == "check",
        ),
        status=200,
    )
    return _respond(response, session)


def _option(option: Any) -> dict[str, Any]:
    """An option with the words after its number ("0 — no pain" → anchor "no pain")."""
    _, dash, anchor = option.text.partition("—")
    return {"value": option.value, "text": option.text, "anchor": anchor.strip() if dash else ""}


SHORT_NAMES = {
    "nrs_leg": "Your leg pain",
    "nrs_back": "Your back pain",
    "nrs": "Your pain",
    "pgic": "How things have changed since your injection",
}
"""What a one-question questionnaire is called on the patient's pages (not the scale's name)."""


def patient_title(instrument: Instrument) -> str:
    return SHORT_NAMES.get(instrument.code, instrument.name)


def _answer_rows(time_point: TimePoint) -> list[dict[str, Any]]:
    """The answers in words: one-question questionnaires together in one list ("Your leg pain:
    3 out of 10"), a longer questionnaire in a list of its own, item by item."""
    saved = answering.saved_answers(time_point)
    short: dict[str, Any] = {"title": "", "rows": []}
    groups = [short]
    for step, (code, instrument) in enumerate(definitions(time_point).items(), start=1):
        given = saved.get(code, {})
        rows = []
        for item in instrument.items:
            value = given.get(item.id)
            words = next((o.text for o in item.options if o.value == value), None)
            if words is not None and code.startswith("nrs"):
                words = f"{value} out of 10"
            single = len(instrument.items) == 1
            rows.append(
                {
                    "question": patient_title(instrument) if single else item.name,
                    "words": words,
                    "step": step,
                    "change_what": patient_title(instrument) if single else item.name,
                }
            )
        if len(instrument.items) == 1:
            short["rows"].extend(rows)
        else:
            groups.append({"title": instrument.name, "rows": rows})
    return [group for group in groups if group["rows"]]


@require_http_methods(["GET", "POST"])
@verified_patient_page
def check_answers(request: HttpRequest, session: PatientSession, at: datetime) -> HttpResponse:
    time_point = responses.time_point(session.link.time_point_id)
    if time_point.completed_at is not None:
        return _respond(_redirect("followup_patient_done"), session)
    problem = ""
    problem_step = 0
    if request.method == "POST":
        try:
            answering.submit(session.link, definitions(time_point), at=at)
        except answering.AlreadySubmitted:
            pass
        except answering.Incomplete as incomplete:
            problem = str(incomplete)
        if not problem:
            return _respond(_redirect("followup_patient_done"), session)
    response = render(
        request,
        "followup/patient/check.html",
        _context(
            time_point, rows=_answer_rows(time_point), problem=problem, problem_step=problem_step
        ),
        status=200,
    )
    return _respond(response, session)


@require_GET
@verified_patient_page
def done(request: HttpRequest, session: PatientSession, at: datetime) -> HttpResponse:
    time_point = TimePoint.objects.get(pk=session.link.time_point_id)
    if time_point.completed_at is None:
        return _respond(_redirect("followup_patient_check"), session)
    response = render(
        request,
        "followup/patient/done.html",
        _context(time_point, rows=_answer_rows(time_point)),
    )
    return _respond(response, session)
