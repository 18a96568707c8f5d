"""The patient's aftercare page: reached through their follow-up link's session, after the date
of birth is checked (``followup.patient_views.verified_patient_page``).

It sits above both apps because ``followup`` (the session) and ``aftercare`` (leaflets and
programmes) are sibling layers that may not import each other. Like every patient page it reads
the episode from the session alone (``/f/aftercare`` names nothing), reads the clock once and
passes it on, works without JavaScript, and audits each read (channel: patient).

What it shows: the aftercare leaflets given for the episode's procedures (the hook records which
version), the personalised information for a procedure still planned, both as PDFs, and today's
exercises from the rehabilitation programme, each with a form that logs one session through the
programme workflow (``aftercare.programmes.adherence_record``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from spinepath.accounts import audit
from spinepath.accounts.models import AuditEvent
from spinepath.aftercare.leaflets import aftercare_for, plan_information_for
from spinepath.aftercare.models import AdherenceLog, LeafletGiven, Programme, ProgrammeItem
from spinepath.aftercare.pdf import leaflet_pdf_bytes
from spinepath.aftercare.programmes import adherence_record
from spinepath.clinical.rehab import PHASES
from spinepath.followup import patient_session
from spinepath.followup.patient_session import PatientSession
from spinepath.followup.patient_views import verified_patient_page
from spinepath.patients.models import Episode
from spinepath.prediction.panel import patient_panel
from spinepath.procedures.models import Consent, ProcedureRecord

LOGGED_KEY = "aftercare_logged"
"""The exercise just logged, kept in the patient's session for the next page's confirmation
(so the address stays free of anything about the patient)."""

PAIN_VALUES = range(11)


def _respond(response: HttpResponse, session: PatientSession) -> HttpResponse:
    patient_session.write_cookie(response, session)
    return response


def _episode(session: PatientSession) -> Episode:
    return Episode.objects.select_related("patient__clinic").get(
        pk=session.link.time_point.episode_id
    )


def _given(episode: Episode) -> LeafletGiven | None:
    """The latest aftercare leaflet given for a procedure still standing."""
    return (
        LeafletGiven.objects.filter(
            episode=episode,
            kind=LeafletGiven.Kind.AFTERCARE,
            procedure__entered_in_error=False,
        )
        .select_related("procedure__episode__patient__clinic", "procedure__consent__assessment")
        .first()
    )


def _planned(episode: Episode) -> Consent | None:
    """A consent agreed to for a procedure not yet recorded: the plan still ahead."""
    return (
        episode.consents.valid_for_procedure()
        .filter(procedures__isnull=True)
        .select_related("episode__patient__clinic", "assessment")
        .order_by("-created_at", "-id")
        .first()
    )


def _programme(episode: Episode) -> Programme | None:
    return episode.rehab_programmes.prefetch_related("items").first()


@dataclass
class LogForm:
    """One exercise's answers as posted, and what is wrong with them (by field)."""

    exercise_code: str = ""
    done: bool | None = None
    pain_during: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def read_log_form(data: Any, codes_today: set[str]) -> LogForm:
    """Parse the posted form; every problem named in words the patient can act on."""
    form = LogForm(exercise_code=str(data.get("exercise", "")))
    if form.exercise_code not in codes_today:
        form.errors["exercise"] = "Choose an exercise from today's list"
        return form
    done = data.get("done", "")
    if done not in ("yes", "no"):
        form.errors["done"] = "Select yes if you did this exercise today, or no if you did not"
    else:
        form.done = done == "yes"
    pain = str(data.get("pain", "")).strip()
    if pain:
        if pain.isdigit() and int(pain) in PAIN_VALUES:
            form.pain_during = int(pain)
        else:
            form.errors["pain"] = "Select a number from 0 to 10"
    if form.done is False and form.pain_during is not None:
        form.errors["pain"] = "Leave the pain score out if you did not do the exercise"
    return form


def _today(programme: Programme, on: dt.date) -> dict[str, Any]:
    phase = programme.phase_on(on)
    logs = AdherenceLog.objects.filter(programme=programme, on=on).order_by("id")
    by_code: dict[str, list[AdherenceLog]] = {}
    for log in logs:
        by_code.setdefault(log.exercise_code, []).append(log)
    return {
        "phase": PHASES[phase],
        "day": programme.day_on(on),
        "items": [
            {"item": item, "logs": by_code.get(item.exercise_code, [])}
            for item in programme.items_for_phase(phase)
        ],
    }


def _items_today(programme: Programme, on: dt.date) -> list[ProgrammeItem]:
    return programme.items_for_phase(programme.phase_on(on))


def _page(
    request: HttpRequest,
    session: PatientSession,
    at: dt.datetime,
    *,
    form: LogForm | None = None,
) -> HttpResponse:
    episode = _episode(session)
    today = timezone.localdate(at)
    given = _given(episode)
    planned = _planned(episode)
    programme = _programme(episode)
    logged_code = session.store.pop(LOGGED_KEY, "")
    context = {
        "clinic": episode.patient.clinic,
        "patient": episode.patient,
        "given": given,
        "record": given.procedure if given else None,
        "leaflet": aftercare_for(given.procedure) if given else None,
        "planned": planned,
        "information": plan_information_for(planned) if planned else None,
        # What happened to people like them after the planned procedure (aggregates only).
        "people_like_you": patient_panel(planned.assessment, at=at) if planned else "",
        "programme": programme,
        "today": _today(programme, today) if programme else None,
        "form": form,
        "pain_values": list(PAIN_VALUES),
        "logged": next(
            (i for i in _items_today(programme, today) if i.exercise_code == logged_code), None
        )
        if programme and logged_code
        else None,
    }
    audit.record(
        None,
        AuditEvent.Action.READ,
        episode,
        reason="Opened their aftercare page from a follow-up link",
        channel=AuditEvent.Channel.PATIENT,
        at=at,
    )
    response = render(request, "aftercare/patient/aftercare.html", context)
    return _respond(response, session)


@require_GET
@verified_patient_page
def aftercare_page(request: HttpRequest, session: PatientSession, at: dt.datetime) -> HttpResponse:
    return _page(request, session, at)


@require_POST
@verified_patient_page
def log_exercise(request: HttpRequest, session: PatientSession, at: dt.datetime) -> HttpResponse:
    """Log one session of one of today's exercises; on a problem, the page again with it named
    beside the exercise and nothing written."""
    programme = _programme(_episode(session))
    today = timezone.localdate(at)
    if programme is None:
        return _respond(HttpResponseRedirect(reverse("patient_aftercare")), session)
    codes = {item.exercise_code for item in _items_today(programme, today)}
    form = read_log_form(request.POST, codes)
    if not form.errors:
        try:
            adherence_record(
                None,
                programme=programme,
                exercise_code=form.exercise_code,
                on=today,
                done=bool(form.done),
                pain_during=form.pain_during,
                source=AdherenceLog.Source.PATIENT,
                at=at,
            )
        except ValidationError as error:
            form.errors["done"] = " ".join(error.messages)
    if form.errors:
        return _page(request, session, at, form=form)
    session.store[LOGGED_KEY] = form.exercise_code
    target = reverse("patient_aftercare") + f"#exercise-{form.exercise_code}"
    return _respond(HttpResponseRedirect(target), session)


def _pdf(
    session: PatientSession, body: str, context: dict[str, Any], obj: Any, what: str, at: Any
) -> HttpResponse:
    response = HttpResponse(leaflet_pdf_bytes(body, context), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{what.replace(" ", "-")}.pdf"'
    response["Cache-Control"] = "no-store"
    audit.record(
        None,
        AuditEvent.Action.EXPORT,
        obj,
        detail={"format": "pdf", "document": what},
        channel=AuditEvent.Channel.PATIENT,
        at=at,
    )
    return _respond(response, session)


@require_GET
@verified_patient_page
def aftercare_pdf(request: HttpRequest, session: PatientSession, at: dt.datetime) -> HttpResponse:
    episode = _episode(session)
    given = _given(episode)
    if given is None:
        return _respond(HttpResponseRedirect(reverse("patient_aftercare")), session)
    record: ProcedureRecord = given.procedure
    context = {
        "record": record,
        "episode": episode,
        "patient": episode.patient,
        "leaflet": aftercare_for(record),
        "printed_at": timezone.localtime(at),
    }
    return _pdf(session, "aftercare/_aftercare_body.html", context, record, "aftercare", at)


@require_GET
@verified_patient_page
def plan_pdf(request: HttpRequest, session: PatientSession, at: dt.datetime) -> HttpResponse:
    episode = _episode(session)
    planned = _planned(episode)
    if planned is None:
        return _respond(HttpResponseRedirect(reverse("patient_aftercare")), session)
    context = {
        "consent": planned,
        "episode": episode,
        "patient": episode.patient,
        "information": plan_information_for(planned),
        "printed_at": timezone.localtime(at),
    }
    return _pdf(session, "aftercare/_plan_body.html", context, planned, "your procedure", at)
