"""Minimal views doing the same reads and writes as two product pages, for ``bench/load.py``.

Each reference is the floor its page is measured against in the same run: the same database
work through the same functions, without the middleware stack, the template or the redirect.

- ``patient_reads`` (B1): the clinician's session and user (the session store and the
  authentication backend the product uses), then the patient page's reads (the patient in the
  user's clinic, episodes, timeline, steroid ledger, alerts) with its audited read written in
  one INSERT, as ``AuditFlushMiddleware`` does. A short text answer instead of the page.
- ``submit`` (B2): the patient's link session (signed cookie, session row, link), the checks
  the page makes, then ``answering.submit``: the patient's lock, the time point, its answers,
  scoring, the completion, its timeline event, its audit row and the link marked used. A
  duplicate gets 200 "already submitted" (the product redirects to the thank-you page).

``audited_floor`` is the other kind of reference, for ``bench/web.py`` (``bench/web_urls.py``):
the least any patient page must do, served through the product's whole middleware stack. The
same decorator as the patient page (signed in, a role that sees patients), so the session is
read from the database, the user and clinic loaded, the session clocks and the second step
checked, CSP and the other headers added; then the patient read in the user's clinic and the
read audited (one INSERT into the hash chain, as every patient page). A few bytes of HTML
instead of the page: its throughput is the ceiling of any page that keeps that security.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.csrf import csrf_exempt

from spinepath import views
from spinepath.accounts import access
from spinepath.followup import answering, patient_views
from spinepath.followup.models import TimePoint
from spinepath.lib.batched import deferred_inserts
from spinepath.onward.actions import alerts_for
from spinepath.patients import scope
from spinepath.patients.timeline import patient_timeline_html
from spinepath.procedures.ledger import patient_ledger

_store = import_module(settings.SESSION_ENGINE).SessionStore


def patient_reads(request: HttpRequest, patient_id: str) -> HttpResponse:
    request.session = _store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    user = get_user(request)
    if not user.is_authenticated or not user.may_see_patients:  # type: ignore[union-attr]
        return HttpResponse("no session", status=403, content_type="text/plain")
    request.user = user
    with deferred_inserts():
        patient = scope.get_patient_for_user(request, patient_id)
        episodes = views._PATIENT_EPISODES(patient=patient.pk)
        for episode in episodes:
            views._EPISODE_PATIENT.set_cached_value(episode, patient)
        timeline = patient_timeline_html(patient.pk)
        ledger = patient_ledger(patient, today=timezone.localdate())
        alerts = alerts_for(episodes)
    text = f"{len(episodes)} {len(timeline)} {len(ledger.rows)} {len(alerts)}"
    return HttpResponse(text, content_type="text/plain")


@csrf_exempt
def submit(request: HttpRequest) -> HttpResponse:
    at = timezone.now()
    session = patient_views.verified_session(request, at)
    if isinstance(session, HttpResponse):
        return session
    point = TimePoint.objects.get(pk=session.link.time_point_id)
    if point.completed_at is not None:
        return HttpResponse("already submitted", content_type="text/plain")
    try:
        answering.submit(session.link, patient_views.definitions(point), at=at)
    except answering.AlreadySubmitted:
        return HttpResponse("already submitted", content_type="text/plain")
    except answering.Incomplete as incomplete:
        return HttpResponse(str(incomplete), status=400, content_type="text/plain")
    response = HttpResponse("submitted", content_type="text/plain")
    patient_views._respond(response, session)
    return response


@access.patient_staff_required
def audited_floor(request: HttpRequest, patient_id: str) -> HttpResponse:
    patient = scope.get_patient_for_user(request, patient_id)
    return HttpResponse(
        format_html(
            '<!doctype html><html lang="en"><title>{}</title><h1>{} {}</h1></html>',
            patient.family_name,
            patient.given_name,
            patient.family_name,
        )
    )
