"""Ten identical POSTs at once on every create endpoint store one record and never a 5xx
(issue 17, item 8).

Each case builds the records its endpoint needs, then ten threads, each with its own database
connection as ten web workers would have, send the same request at the same moment: the API with
one ``Idempotency-Key`` (or with none, where the record has a natural key the workflow enforces),
a page with the form's own ``submission_token``, read from the form as the server rendered it.
Then exactly one record exists, and once each whatever else it causes (audit events, timeline
entries, worker tasks); no answer was a 5xx; and the copies were told: a keyed API copy is
``Idempotent-Replayed``, a keyless one gets the workflow's refusal, a page copy is redirected to
the first record with "already recorded". The FHIR ``$export`` kick-off (a GET) is fired too.

The inventory is checked too: every POST operation of the API is a case here or named in
``NOT_CREATES`` with the reason, and every POST form in the templates is a case here, fired in a
concurrency test of its own, or a state change or a form with no token, with the reason; so a
new create endpoint without a case (and so, probably, without protection) fails this module.

Run on PostgreSQL too: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest <this>``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from spinepath.accounts.idempotency import ALREADY_RECORDED, REPLAYED_HEADER
from spinepath.accounts.models import ApiToken, AuditEvent, SubmissionClaim
from spinepath.lib.submission import FIELD
from spinepath.procedures.tests.test_concurrent_recording import in_threads, worker_database
from spinepath.testing import (
    assess,
    make_clinic,
    make_episode,
    make_patient,
    make_staff,
    procedure_fields,
    ready_for_procedure,
    record_procedure,
    take_consent,
    tick_all,
)

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 10
ROOT = Path(settings.BASE_DIR)


# --- The world each case starts from -----------------------------------------------------------


@dataclass
class World:
    clinic: Any
    clinician: Any
    admin: Any
    physio: Any
    bearer: str
    admin_bearer: str
    session_cookie: str
    # Each role's browser cookies (a signed-in session; the patient's follow-up session).
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    serial: int = 0
    notes: dict[str, Any] = field(default_factory=dict)

    def patient(self, **fields: Any) -> Any:
        self.serial += 1
        values = {"nhs_number": nhs_number(self.serial), "family_name": f"Case{self.serial}"}
        return make_patient(self.clinic, **{**values, **fields})

    def episode(self) -> Any:
        return make_episode(self.patient())


def nhs_number(serial: int) -> str:
    """A valid NHS number in the 999 range (never issued) for each ``serial``."""
    for n in range(serial * 10, serial * 10 + 10):
        digits = f"999{n:06d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return digits + str(check)
    raise AssertionError("no valid NHS number")


@pytest.fixture
def world(db: Any) -> World:
    clinic = make_clinic("a", "Clinic A")
    clinician = make_staff("alice", "clinician", clinic)
    admin = make_staff("adam", "admin", clinic)
    physio = make_staff("phoebe", "physiotherapist", clinic)
    _, bearer = ApiToken.objects.issue(clinician, name="concurrency")
    _, admin_bearer = ApiToken.objects.issue(admin, name="concurrency")
    cookies = {}
    for role, user in (("clinician", clinician), ("admin", admin), ("physio", physio)):
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        cookies[role] = {name: client.cookies[name].value}
    session = cookies["clinician"][settings.SESSION_COOKIE_NAME]
    return World(clinic, clinician, admin, physio, bearer, admin_bearer, session, cookies)


# --- API cases ---------------------------------------------------------------------------------


@dataclass
class ApiCase:
    """``operation``: the path as the router declares it. ``prepare`` builds the records and
    returns the URL, the JSON body and what ``count`` needs; ``key``: send an Idempotency-Key
    (``False``: the record's natural key must hold on its own). ``effects``: what else the one
    submission writes (audit events, timeline entries, tasks), each counted, each once.
    ``repeats``: without a key, the status the nine copies get (the workflow's own refusal)."""

    operation: str
    prepare: Callable[[World], tuple[str, dict[str, Any], Any]]
    count: Callable[[Any], int]
    key: bool = True
    effects: Callable[[Any], dict[str, int]] | None = None
    repeats: int | None = None


def _patient_with_nhs(w: World) -> tuple[str, dict[str, Any], Any]:
    number = nhs_number(900)
    body = {
        "given_name": "Ann",
        "family_name": "Twin",
        "date_of_birth": "1961-02-03",
        "sex": "female",
        "nhs_number": number,
    }
    return "/api/v1/patients", body, number


def _patient_without_nhs(w: World) -> tuple[str, dict[str, Any], Any]:
    body = {
        "given_name": "Bo",
        "family_name": "Keyed",
        "date_of_birth": "1962-03-04",
        "sex": "male",
        "mrn": "K-1",
    }
    return "/api/v1/patients", body, "Keyed"


def _episode(w: World) -> tuple[str, dict[str, Any], Any]:
    patient = w.patient()
    body = {
        "condition": "sciatica",
        "laterality": "left",
        "referral_source": "gp",
        "referral_date": "2026-10-01",
        "referral_reason": "Left leg pain for eight weeks.",
    }
    return f"/api/v1/patients/{patient.pk}/episodes", body, patient


def _assessment(w: World) -> tuple[str, dict[str, Any], Any]:
    from spinepath.assessment.tests.helpers import assessment_body

    episode = w.episode()
    return f"/api/v1/episodes/{episode.pk}/assessments", assessment_body(), episode


def _consent(w: World) -> tuple[str, dict[str, Any], Any]:
    episode = w.episode()
    assess(episode, w.clinician)
    body = {
        "decision": "permit",
        "capacity_confirmed": True,
        "levels": ["L4/L5"],
        "side": "left",
        "signed_name": "Mary Jones",
        "signed_on": timezone.localdate().isoformat(),
    }
    return f"/api/v1/episodes/{episode.pk}/consents", body, episode


def _safety_check(w: World) -> tuple[str, dict[str, Any], Any]:
    episode = w.episode()
    consent = take_consent(assess(episode, w.clinician), w.clinician)
    body = {
        "consent_id": consent.pk,
        "answers": tick_all(consent),
        "day": {"infection_systemic": False, "infection_local": False},
    }
    return f"/api/v1/episodes/{episode.pk}/safety-checks", body, episode


def _procedure(w: World) -> tuple[str, dict[str, Any], Any]:
    episode = w.episode()
    ready_for_procedure(episode, w.clinician)
    return f"/api/v1/episodes/{episode.pk}/procedures", procedure_fields(), episode


def _red_flag_decision(w: World) -> Any:
    episode = w.episode()
    return assess(episode, w.clinician, red_flags=["bowel_dysfunction"])


def _urgent_referral(w: World) -> tuple[str, dict[str, Any], Any]:
    decision = _red_flag_decision(w)
    body = {
        "to_whom": "On-call spinal surgeon",
        "method": "phone",
        "made_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
    }
    return f"/api/v1/decisions/{decision.pk}/urgent-referral", body, decision.assessment.episode


def _not_suitable_plan(w: World) -> tuple[str, dict[str, Any], Any]:
    # Under 16: NICE NG59 does not cover the patient, so the advice is "not suitable".
    episode = make_episode(w.patient(date_of_birth=date(2013, 3, 1)))
    decision = assess(episode, w.clinician)
    body = {"plan": "Physiotherapy and review after the pregnancy."}
    return f"/api/v1/decisions/{decision.pk}/not-suitable-plan", body, episode


def _treated(w: World) -> Any:
    from spinepath.followup.tests.helpers import treated

    return treated(w.episode(), w.clinician)


def _time_point_answers(w: World) -> tuple[str, dict[str, Any], Any]:
    from spinepath.followup.tests.helpers import point

    tp = point(_treated(w), "2w")
    body = {"answers": {"nrs_leg": {"score": 3}, "nrs_back": {"score": 2}, "pgic": {"score": 2}}}
    return f"/api/v1/time-points/{tp.pk}/responses", body, tp


def _next_step(w: World) -> tuple[str, dict[str, Any], Any]:
    from spinepath.followup.tests.helpers import answer

    record = _treated(w)
    answer(record, "2w", nrs_leg=7, at=timezone.now())
    body = {"choice": "physiotherapy", "reason": "No relief; a graded programme with the physio."}
    return f"/api/v1/procedures/{record.pk}/next-step", body, record


def _session_body(room: str) -> dict[str, Any]:
    return {
        "date": (timezone.localdate() + timedelta(days=9)).isoformat(),
        "start_time": "09:00",
        "room": room,
        "modality": "fluoroscopy",
        "capacity": 6,
    }


def _session(w: World) -> tuple[str, dict[str, Any], Any]:
    return "/api/v1/sessions", _session_body("Concurrency room"), "Concurrency room"


def _a_session(w: World, room: str = "Room 1", days: int = 9) -> Any:
    from spinepath.scheduling.booking import session_create
    from spinepath.scheduling.models import Session

    return session_create(
        None,
        session=Session(
            date=timezone.localdate() + timedelta(days=days),
            start_time=time(9, 0),
            room=room,
            modality="fluoroscopy",
            operator=w.clinician,
            capacity=6,
        ),
        by=w.admin,
    )


def _bookable(w: World) -> Any:
    episode = w.episode()
    take_consent(assess(episode, w.clinician), w.clinician)
    return episode


def _booking(w: World) -> tuple[str, dict[str, Any], Any]:
    session = _a_session(w)
    episode = _bookable(w)
    return f"/api/v1/sessions/{session.pk}/bookings", {"episode_id": str(episode.pk)}, episode


def _move(w: World) -> tuple[str, dict[str, Any], Any]:
    from spinepath.scheduling.booking import booking_create

    first, second = _a_session(w, "Room 1", 9), _a_session(w, "Room 2", 10)
    episode = _bookable(w)
    booking = booking_create(None, episode=episode, session=first, by=w.admin)
    body = {"reason": "Patient asked for the next day.", "session_id": second.pk}
    return f"/api/v1/bookings/{booking.pk}/move", body, episode


REASON_TO_PROCEED = "Discussed at length; the patient understands and wishes to go ahead."


def _decision_to_justify(w: World) -> Any:
    from spinepath.assessment.tests.helpers import DEFER_PLAN

    # Red flags not screened: "defer", which a clinician may override with a written reason.
    return assess(w.episode(), w.clinician, **DEFER_PLAN)


def _proceed(w: World) -> tuple[str, dict[str, Any], Any]:
    decision = _decision_to_justify(w)
    return f"/api/v1/decisions/{decision.pk}/proceed", {"reason": REASON_TO_PROCEED}, decision


def _count_reasons(decision: Any) -> int:
    from spinepath.assessment.models import Decision

    return Decision.objects.filter(pk=decision.pk).exclude(proceed_reason="").count()


def _proceed_effects(decision: Any) -> dict[str, int]:
    from spinepath.patients.models import TimelineEvent

    return {
        "override audit events": _audited(decision, AuditEvent.Action.OVERRIDE),
        "override timeline entries": TimelineEvent.objects.filter(
            episode_id=decision.assessment.episode_id, kind=TimelineEvent.Kind.OVERRIDE
        ).count(),
    }


def _audited(obj: Any, action: str) -> int:
    """Audit events of ``action`` on ``obj`` (its model and primary key)."""
    return AuditEvent.objects.filter(
        model=obj._meta.label, object_id=str(obj.pk), action=action
    ).count()


def _treated_earlier(w: World) -> Any:
    """A procedure recorded 40 minutes ago (on the minute), not yet discharged."""
    performed = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=40)
    episode = w.episode()
    ready_for_procedure(episode, w.clinician)
    return record_procedure(episode, w.clinician, performed_at=performed)


def _discharge(w: World) -> tuple[str, dict[str, Any], Any]:
    record = _treated_earlier(w)
    body = {
        "discharged_at": (record.performed_at + timedelta(minutes=30)).isoformat(),
        "discharge_condition": "well",
        "late_complications": ["vasovagal"],
    }
    return f"/api/v1/procedures/{record.pk}/discharge", body, record


def _count_amendments(record: Any) -> int:
    from spinepath.procedures.models import DischargeAmendment

    return DischargeAmendment.objects.filter(procedure=record).count()


def _discharge_effects(record: Any) -> dict[str, int]:
    from spinepath.patients.models import TimelineEvent

    return {
        "audit events (update of the record)": _audited(record, AuditEvent.Action.UPDATE),
        "timeline entries": TimelineEvent.objects.filter(
            episode_id=record.episode_id,
            kind=TimelineEvent.Kind.UPDATE,
            summary__startswith=f"Procedure record {record.pk} amended",
        ).count(),
    }


def _count_patients_nhs(number: str) -> int:
    from spinepath.patients.models import Patient

    return Patient.objects.filter(nhs_number=number).count()


def _count_patients_named(name: str) -> int:
    from spinepath.patients.models import Patient

    return Patient.objects.filter(family_name=name).count()


def _count(model_path: str, **lookup_of: str) -> Callable[[Any], int]:
    module_name, name = model_path.rsplit(".", 1)

    def count(ref: Any) -> int:
        import importlib

        model = getattr(importlib.import_module(module_name), name)
        return model.objects.filter(**{k: ref for k in lookup_of.values()}).count()

    return count


def _count_live_bookings(episode: Any) -> int:
    from spinepath.scheduling.models import Booking

    return (
        Booking.objects.filter(episode=episode).exclude(status__in=["cancelled", "moved"]).count()
    )


def _count_sessions(room: str) -> int:
    from spinepath.scheduling.models import Session

    return Session.objects.filter(room=room).count()


def _count_answer_sets(tp: Any) -> int:
    from spinepath.followup.models import FollowUpAnswer

    # One answer set: one row per instrument item; a second set would double them.
    rows = FollowUpAnswer.objects.filter(time_point=tp)
    return (
        1
        if rows.exists() and rows.count() == rows.values("instrument", "item").distinct().count()
        else rows.count()
    )


API_CASES: dict[str, ApiCase] = {
    "register patient (NHS number)": ApiCase(
        "/patients", _patient_with_nhs, _count_patients_nhs, key=False
    ),
    "register patient (Idempotency-Key)": ApiCase(
        "/patients", _patient_without_nhs, _count_patients_named
    ),
    "open episode": ApiCase(
        "/patients/{patient_id}/episodes",
        _episode,
        _count("spinepath.patients.models.Episode", by="patient"),
    ),
    "assessment": ApiCase(
        "/episodes/{episode_id}/assessments",
        _assessment,
        _count("spinepath.assessment.models.Assessment", by="episode"),
    ),
    "consent": ApiCase(
        "/episodes/{episode_id}/consents",
        _consent,
        _count("spinepath.procedures.models.Consent", by="episode"),
    ),
    "safety check": ApiCase(
        "/episodes/{episode_id}/safety-checks",
        _safety_check,
        _count("spinepath.procedures.models.SafetyCheck", by="episode"),
    ),
    "procedure (patient lock)": ApiCase(
        "/episodes/{episode_id}/procedures",
        _procedure,
        _count("spinepath.procedures.models.ProcedureRecord", by="episode"),
        key=False,
    ),
    "urgent referral": ApiCase(
        "/decisions/{decision_id}/urgent-referral",
        _urgent_referral,
        _count("spinepath.onward.models.OnwardAction", by="episode"),
        key=False,
    ),
    "not-suitable plan": ApiCase(
        "/decisions/{decision_id}/not-suitable-plan",
        _not_suitable_plan,
        _count("spinepath.onward.models.OnwardAction", by="episode"),
        key=False,
    ),
    "follow-up answers by staff": ApiCase(
        "/time-points/{time_point_id}/responses", _time_point_answers, _count_answer_sets, key=False
    ),
    "next step": ApiCase(
        "/procedures/{procedure_id}/next-step",
        _next_step,
        _count("spinepath.followup.models.NextStepPlan", by="procedure"),
    ),
    "session": ApiCase("/sessions", _session, _count_sessions),
    "booking": ApiCase(
        "/sessions/{session_id}/bookings", _booking, _count_live_bookings, key=False
    ),
    "move a booking": ApiCase(
        "/bookings/{booking_id}/move", _move, _count_live_bookings, key=False
    ),
    "reason to proceed (Idempotency-Key)": ApiCase(
        "/decisions/{decision_id}/proceed", _proceed, _count_reasons, effects=_proceed_effects
    ),
    "reason to proceed (one reason per decision)": ApiCase(
        "/decisions/{decision_id}/proceed",
        _proceed,
        _count_reasons,
        key=False,
        effects=_proceed_effects,
        repeats=422,  # "A reason for proceeding is already recorded for this decision."
    ),
    "discharge amendment (Idempotency-Key)": ApiCase(
        "/procedures/{procedure_id}/discharge",
        _discharge,
        _count_amendments,
        effects=_discharge_effects,
    ),
    "discharge amendment (a copy changes nothing)": ApiCase(
        "/procedures/{procedure_id}/discharge",
        _discharge,
        _count_amendments,
        key=False,
        effects=_discharge_effects,
        repeats=422,  # "Nothing would change: the record says this."
    ),
}

# POST operations that create nothing a repeat could duplicate, and why.
NOT_CREATES: dict[str, str] = {
    "/decision-support/evaluate": "a calculation: stores nothing",
    "/instruments/{code}/score": "a calculation: stores nothing",
    "/steroid-safety/check": "a calculation: stores nothing",
    "/outcomes/relief": "a calculation: stores nothing",
    "/episodes/{episode_id}/discharge": "a state change: a repeat finds the episode discharged",
    "/episodes/{episode_id}/reopen": "a state change: a repeat finds the episode open",
    "/consents/{consent_id}/withdraw": "a state change: a repeat finds the consent withdrawn",
    "/episodes/{episode_id}/safety-checks/{check_id}/phases/{phase}": "ticks items of one check",
    "/episodes/{episode_id}/safety-checks/{check_id}/proceed": "a state change of one check",
    "/onward-actions/{action_id}/result": "a state change of one onward action",
    "/bookings/{booking_id}/cancel": "a state change: a repeat finds the booking cancelled",
    "/bookings/{booking_id}/did-not-attend": "a state change of one booking",
}


def api_post_operations() -> set[str]:
    from spinepath.api import api

    paths = api.get_openapi_schema()["paths"]
    prefix = "/api/v1"
    return {path.removeprefix(prefix) for path, ops in paths.items() if "post" in ops}


def test_every_api_post_operation_is_a_case_or_named_as_no_create() -> None:
    covered = {case.operation for case in API_CASES.values()} | set(NOT_CREATES)
    missing = api_post_operations() - covered
    assert not missing, f"POST operations with no concurrency case: {sorted(missing)}"
    assert not covered - api_post_operations(), "cases for operations that no longer exist"


def fire(database: Any, work: Callable[[int], Any]) -> list[Any]:
    results = in_threads(database, work, THREADS)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def failed(responses: list[Any]) -> list[tuple[int, str]]:
    """The 5xx answers, each with the start of its body (what went wrong, and where)."""
    return [
        (r.status_code, re.sub(r"\s+", " ", r.content.decode(errors="replace"))[:300])
        for r in responses
        if r.status_code >= 500
    ]


def count_in(database: Any, count: Callable[[], int]) -> int:
    return in_threads(database, lambda i: count(), 1)[0]


def api_case(name: str, world: World, tmp_path: Path) -> None:
    case = API_CASES[name]
    url, body, ref = case.prepare(world)
    headers = {"Authorization": f"Bearer {world.bearer}"}
    if case.key:
        headers["Idempotency-Key"] = str(uuid.uuid4())
    payload = json.dumps(body, default=str)

    with worker_database(tmp_path) as database:

        def post(i: int) -> Any:
            return Client().post(url, payload, content_type="application/json", headers=headers)

        responses = fire(database, post)
        statuses = sorted(r.status_code for r in responses)
        assert all(s < 500 for s in statuses), failed(responses)
        assert any(200 <= s < 300 for s in statuses), [r.content[:300] for r in responses]
        assert count_in(database, lambda: case.count(ref)) == 1, statuses
        if case.effects is not None:
            effects = count_in(database, lambda: case.effects(ref))  # type: ignore[misc]
            assert effects == dict.fromkeys(effects, 1), effects
        if case.key:
            # Every answer is the first one's, replayed: the same status and the same record,
            # and the nine copies say they are replays.
            assert len(set(statuses)) == 1, statuses
            assert len({r.content for r in responses}) == 1
            replayed = [r.get(REPLAYED_HEADER) for r in responses]
            assert replayed.count("true") == THREADS - 1, replayed
        elif case.repeats is not None:
            assert statuses == [min(statuses)] + [case.repeats] * (THREADS - 1), statuses


def every_case(cases: dict[str, Any], run: Callable[[str, Path], None], tmp_path: Path) -> None:
    """Each case in turn (one test, so one flush of the database: a transactional test's flush
    costs seconds on PostgreSQL); every failure is reported with its case's name."""
    failures = []
    for i, name in enumerate(sorted(cases)):
        where = tmp_path / str(i)
        where.mkdir()
        try:
            run(name, where)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n".join(failures)


def test_ten_identical_api_posts_store_one_record(world: World, tmp_path: Path) -> None:
    every_case(API_CASES, lambda name, where: api_case(name, world, where), tmp_path)


def _post_session(body: dict[str, Any], headers: dict[str, str]) -> Any:
    return Client().post("/api/v1/sessions", body, content_type="application/json", headers=headers)


def test_an_idempotency_key_reused_for_another_body_is_a_422(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.bearer}", "Idempotency-Key": "k-1"}
    first = Client().post(
        "/api/v1/sessions",
        _session_body("Room A"),
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == 201
    again = Client().post(
        "/api/v1/sessions",
        _session_body("Room A"),
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    other = Client().post(
        "/api/v1/sessions",
        _session_body("Room B"),
        content_type="application/json",
        headers=headers,
    )
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "Idempotency-Key"
    assert _count_sessions("Room A") == 1 and _count_sessions("Room B") == 0


def test_a_refused_request_releases_its_key(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.bearer}", "Idempotency-Key": "k-2"}
    bad = {**_session_body("Room C"), "capacity": -1}
    refused = _post_session(bad, headers)
    assert refused.status_code == 422
    assert not SubmissionClaim.objects.exists()
    # Corrected and sent again with the same key: recorded.
    fixed = Client().post(
        "/api/v1/sessions",
        _session_body("Room C"),
        content_type="application/json",
        headers=headers,
    )
    assert fixed.status_code == 201 and _count_sessions("Room C") == 1


def test_a_malformed_key_is_a_422(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.bearer}", "Idempotency-Key": "has space"}
    response = Client().post(
        "/api/v1/sessions",
        _session_body("Room D"),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422 and _count_sessions("Room D") == 0


# --- Page cases --------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """The POST forms of a page: each form's action and its fields' values as rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = {"action": a.get("action", ""), "fields": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["_first_option"] = None
        elif tag == "option" and self._select:
            if self._form.get("_first_option") is None:
                self._form["_first_option"] = (self._select, a.get("value", ""))
            if "selected" in a:
                fields.append((self._select, a.get("value", "")))
                self._form["_chosen"] = self._select
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields.append((self._textarea, ""))

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            name, _ = self._form["fields"][-1]
            self._form["fields"][-1] = (name, data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._form is not None and self._select:
            if self._form.get("_chosen") != self._select and self._form.get("_first_option"):
                self._form["fields"].append(self._form["_first_option"])
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def rendered_form(client: Client, url: str, action: str | None = None) -> dict[str, Any]:
    """The fields of the page's POST form that carries a submission token (and posts to
    ``action`` when given), as the browser would send them untouched."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = FormReader()
    reader.feed(response.content.decode())
    for form in reader.forms:
        names = [n for n, _ in form["fields"]]
        if FIELD in names and (action is None or form["action"] in {action, ""}):
            return form
    raise AssertionError(f"no POST form with a {FIELD} on {url}")


@dataclass
class PageCase:
    """``prepare`` builds the records and returns the form's page, the URL it posts to (``None``:
    the same), the values the user types and what ``count`` needs. ``role``: whose browser
    (``World.cookies``). ``effects``: what else the one submission writes, each counted once."""

    url_name: str
    prepare: Callable[[World], tuple[str, str | None, dict[str, Any], Any]]
    count: Callable[[Any], int]
    role: str = "clinician"
    effects: Callable[[Any], dict[str, int]] | None = None


def _page_patient(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    values = {
        "given_name": "Cara",
        "family_name": "Formtwin",
        "date_of_birth": "1963-04-05",
        "sex": "female",
        "nhs_number": nhs_number(901),
    }
    return reverse("patient_create"), None, values, "Formtwin"


def _page_episode(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    patient = w.patient()
    values = {
        "condition": "sciatica",
        "laterality": "left",
        "referral_source": "gp",
        "referral_date": "2026-10-01",
        "referral_reason": "Left leg pain for eight weeks.",
    }
    return reverse("episode_create", args=[patient.pk]), None, values, patient


def _page_session(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    values = {
        "date": (timezone.localdate() + timedelta(days=9)).isoformat(),
        "start_time": "09:00",
        "room": "Form room",
        "modality": "fluoroscopy",
        "capacity": "6",
        "operator": str(w.clinician.pk),
    }
    return reverse("session_new"), None, values, "Form room"


def _page_booking(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    session = _a_session(w)
    episode = _bookable(w)
    return reverse("session_detail", args=[session.pk]), None, {"episode": str(episode.pk)}, episode


def _page_onward(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    decision = _red_flag_decision(w)
    episode = decision.assessment.episode
    now = timezone.localtime() - timedelta(minutes=5)
    values = {
        "to_whom": "On-call spinal surgeon",
        "method": "phone",
        "made_at": now.strftime("%Y-%m-%dT%H:%M"),
        "made_at_0": now.date().isoformat(),
        "made_at_1": now.strftime("%H:%M"),
    }
    return reverse("onward_record", args=[episode.pk]), None, values, episode


def _count_onward(episode: Any) -> int:
    from spinepath.onward.models import OnwardAction

    return OnwardAction.objects.filter(episode=episode).count()


def _page_assessment(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.assessment.tests.helpers import form_data

    episode = w.episode()
    return reverse("assessment_create", args=[episode.pk]), None, form_data(), episode


def _page_consent(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.procedures.tests.helpers import form_data

    episode = w.episode()
    assess(episode, w.clinician)
    return reverse("consent_create", args=[episode.pk]), None, form_data(), episode


def _page_break_glass(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    other = make_clinic("b", "Clinic B")
    patient = make_patient(other, nhs_number=nhs_number(902))
    values = {
        "nhs_number": patient.nhs_number,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "reason": "Attended with leg weakness after an injection given at clinic B.",
        "hours": "4",
    }
    return reverse("emergency_access"), None, values, patient


def _page_programme(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    episode = w.episode()
    values = {
        "injection_date": (timezone.localdate() - timedelta(days=20)).isoformat(),
        "start_back_risk": "low",
    }
    return reverse("programme_new", args=[episode.pk]), None, values, episode


def _page_rtt_pause(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    episode = w.episode()
    action = reverse("rtt_pause", args=[episode.pk, "start"])
    return reverse("waiting_list"), action, {"reason": "Patient is away until next month."}, episode


def _page_answers(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.followup.tests.helpers import point

    tp = point(_treated(w), "2w")
    values = {"nrs_leg__score": "8", "nrs_back__score": "3", "pgic__score": "4"}
    return reverse("followup_enter_answers", args=[tp.pk]), None, values, tp


def _page_procedure(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    episode = w.episode()
    ready_for_procedure(episode, w.clinician)
    values = {k: v for k, v in procedure_fields().items() if v is not None}
    return reverse("procedure_create", args=[episode.pk]), None, values, episode


def _page_next_step(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.followup.tests.helpers import answer

    record = _treated(w)
    answer(record, "2w", nrs_leg=7, at=timezone.now())
    page = reverse("episode_detail", args=[record.episode_id])
    action = reverse("followup_next_step", args=[record.pk])
    values = {"choice": "physiotherapy", "reason": "No relief; a graded programme with the physio."}
    return page, action, values, record


def _page_proceed(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    decision = _decision_to_justify(w)
    page = reverse("decision_detail", args=[decision.pk])
    return page, None, {"reason": REASON_TO_PROCEED}, decision


def _page_ruleset(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.accounts.models import User

    User.objects.filter(pk=w.clinician.pk).update(is_clinical_lead=True)
    values = {
        "setting__conservative_care_min_weeks": "2",
        "effective_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "reason": "The regional pathway now allows an injection after two weeks.",
        "last": "50",
        "propose": "1",  # the button pressed (the other one previews)
    }
    return reverse("ruleset_propose"), None, values, w.clinic


def _count_proposals(clinic: Any) -> int:
    from spinepath.accounts.models import RuleSetVersion

    return RuleSetVersion.objects.filter(clinic=clinic).count()


def _proposal_effects(clinic: Any) -> dict[str, int]:
    from spinepath.accounts.models import RuleSetVersion

    row = RuleSetVersion.objects.get(clinic=clinic)
    return {"audit events (create)": _audited(row, AuditEvent.Action.CREATE)}


def _page_discharge(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    record = _treated_earlier(w)
    discharged = timezone.localtime(record.performed_at + timedelta(minutes=30))
    values = {"discharged_at": discharged.strftime("%Y-%m-%dT%H:%M"), "discharge_condition": "well"}
    return reverse("procedure_discharge", args=[record.pk]), None, values, record


def _page_baseline(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    episode = w.episode()
    page = reverse("baseline_questionnaires", args=[episode.pk])
    return page, None, {"q-nrs_leg__score": "7"}, episode


def _count_baseline(episode: Any) -> int:
    from spinepath.questionnaires.models import QuestionnaireResponse

    return QuestionnaireResponse.objects.filter(episode=episode).count()


def _baseline_effects(episode: Any) -> dict[str, int]:
    from spinepath.patients.models import TimelineEvent
    from spinepath.questionnaires.models import QuestionnaireResponse

    stored = QuestionnaireResponse.objects.get(episode=episode)
    return {
        "audit events (create)": _audited(stored, AuditEvent.Action.CREATE),
        "timeline entries": TimelineEvent.objects.filter(
            episode=episode, kind=TimelineEvent.Kind.QUESTIONNAIRE
        ).count(),
    }


PATIENT_DOB = {"dob_day": "17", "dob_month": "5", "dob_year": "1970"}  # make_patient's


def _page_exercise_log(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.aftercare.programmes import programme_create
    from spinepath.followup import links, patient_session

    record = _treated(w)
    programme = programme_create(
        None,
        episode=record.episode,
        by=w.physio,
        injection_date=timezone.localdate(record.performed_at),
        start_back_risk="",
    )
    # The patient's browser, past the date-of-birth check of their follow-up link.
    browser = Client()
    token = links.issue_link(record.time_points.first()).rsplit("/", 1)[1]
    assert browser.get(f"/f/{token}").status_code == 302
    assert browser.post(reverse("followup_patient_dob"), PATIENT_DOB).status_code == 302
    w.cookies["patient"] = {patient_session.COOKIE: browser.cookies[patient_session.COOKIE].value}
    values = {"done": "yes", "pain": "3"}
    return reverse("patient_aftercare"), reverse("patient_aftercare_log"), values, programme


def _count_exercise_logs(programme: Any) -> int:
    from spinepath.aftercare.models import AdherenceLog

    return AdherenceLog.objects.filter(programme=programme).count()


def _exercise_log_effects(programme: Any) -> dict[str, int]:
    from spinepath.aftercare.models import AdherenceLog

    log = AdherenceLog.objects.get(programme=programme)
    return {"audit events (create)": _audited(log, AuditEvent.Action.CREATE)}


def _page_export(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    return reverse("fhir_exports"), None, {}, w.clinic


def _count_exports(clinic: Any) -> int:
    from spinepath.fhir.models import ExportJob

    return ExportJob.objects.filter(clinic=clinic).count()


def _export_effects(clinic: Any) -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from spinepath.fhir.models import ExportJob

    job = ExportJob.objects.get(clinic=clinic)
    return {
        "audit events (export)": _audited(job, AuditEvent.Action.EXPORT),
        "tasks queued for the worker": DBTaskResult.objects.filter(
            task_path="spinepath.fhir.tasks.run_export", args_kwargs__args=[str(job.pk)]
        ).count(),
    }


def _page_checklist(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.procedures.tests.test_procedure_pages import sign_in_post

    episode = w.episode()
    consent = take_consent(assess(episode, w.clinician), w.clinician)
    return reverse("checklist_create", args=[episode.pk]), None, sign_in_post(consent), episode


def _checklist_effects(episode: Any) -> dict[str, int]:
    from spinepath.procedures.models import SafetyCheck

    check = SafetyCheck.objects.get(episode=episode)
    return {"audit events (create)": _audited(check, AuditEvent.Action.CREATE)}


def _page_programme_edit(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.aftercare.programmes import programme_create

    episode = w.episode()
    programme = programme_create(
        None,
        episode=episode,
        by=w.physio,
        injection_date=timezone.localdate() - timedelta(days=3),
        start_back_risk="low",
    )
    values = {"notes": "Walk for ten minutes twice a day as well."}
    return reverse("programme_edit", args=[programme.pk]), None, values, programme


def _count_programme_changes(programme: Any) -> int:
    return _audited(programme, AuditEvent.Action.UPDATE)


def _programme_edit_effects(programme: Any) -> dict[str, int]:
    from spinepath.patients.models import TimelineEvent

    changes = TimelineEvent.objects.filter(
        episode_id=programme.episode_id,
        kind=TimelineEvent.Kind.AFTERCARE,
        detail__programme=programme.pk,
    ).exclude(detail__has_key="library_version")  # the programme's creation
    return {"timeline entries": changes.count()}


def _page_new_link(w: World) -> tuple[str, str | None, dict[str, Any], Any]:
    from spinepath.followup.tests.factories import make_time_point

    # Due yesterday, unanswered, an email address on file: staff may send a new link.
    point = make_time_point(
        w.clinic, episode=w.episode(), due_on=timezone.localdate() - timedelta(days=1)
    )
    action = reverse("followup_resend", args=[point.pk])
    return reverse("followup_worklist"), action, {}, point


def _count_new_links(point: Any) -> int:
    from spinepath.followup.models import MessageLog

    return MessageLog.objects.filter(time_point=point, kind="resend").count()


def _new_link_effects(point: Any) -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    from spinepath.patients.models import TimelineEvent

    return {
        "audit events (update)": _audited(point, AuditEvent.Action.UPDATE),
        "timeline entries": TimelineEvent.objects.filter(
            episode_id=point.episode_id, summary__startswith="New follow-up link sent"
        ).count(),
        "sender tasks queued": DBTaskResult.objects.filter(
            task_path="spinepath.followup.tasks.send_followups"
        ).count(),
    }


PAGE_CASES: dict[str, PageCase] = {
    "next step": PageCase(
        "followup_next_step",
        _page_next_step,
        _count("spinepath.followup.models.NextStepPlan", by="procedure"),
    ),
    "follow-up answers by staff": PageCase(
        "followup_enter_answers", _page_answers, _count_answer_sets
    ),
    "procedure": PageCase(
        "procedure_create",
        _page_procedure,
        _count("spinepath.procedures.models.ProcedureRecord", by="episode"),
    ),
    "assessment": PageCase(
        "assessment_create",
        _page_assessment,
        _count("spinepath.assessment.models.Assessment", by="episode"),
    ),
    "consent": PageCase(
        "consent_create",
        _page_consent,
        _count("spinepath.procedures.models.Consent", by="episode"),
    ),
    "break-glass": PageCase(
        "emergency_access",
        _page_break_glass,
        _count("spinepath.patients.models.BreakGlassGrant", by="patient"),
    ),
    "rehabilitation programme": PageCase(
        "programme_new",
        _page_programme,
        _count("spinepath.aftercare.models.Programme", by="episode"),
        role="physio",
    ),
    "pause the waiting clock": PageCase(
        "rtt_pause",
        _page_rtt_pause,
        _count("spinepath.scheduling.models.RttPause", by="episode"),
        role="admin",
    ),
    "register patient": PageCase("patient_create", _page_patient, _count_patients_named),
    "open episode": PageCase(
        "episode_create", _page_episode, _count("spinepath.patients.models.Episode", by="patient")
    ),
    "new session": PageCase("session_new", _page_session, _count_sessions),
    "book on a session": PageCase("session_detail", _page_booking, _count_live_bookings),
    "urgent referral": PageCase("onward_record", _page_onward, _count_onward),
    "reason to proceed": PageCase(
        "decision_detail", _page_proceed, _count_reasons, effects=_proceed_effects
    ),
    "rule-set proposal": PageCase(
        "ruleset_propose", _page_ruleset, _count_proposals, effects=_proposal_effects
    ),
    "discharge amendment": PageCase(
        "procedure_discharge", _page_discharge, _count_amendments, effects=_discharge_effects
    ),
    "baseline questionnaires": PageCase(
        "baseline_questionnaires",
        _page_baseline,
        _count_baseline,
        role="physio",
        effects=_baseline_effects,
    ),
    "patient's exercise log": PageCase(
        "patient_aftercare_log",
        _page_exercise_log,
        _count_exercise_logs,
        role="patient",
        effects=_exercise_log_effects,
    ),
    "bulk FHIR export": PageCase(
        "fhir_exports", _page_export, _count_exports, role="admin", effects=_export_effects
    ),
    "safety checklist sign in": PageCase(
        "checklist_create",
        _page_checklist,
        _count("spinepath.procedures.models.SafetyCheck", by="episode"),
        effects=_checklist_effects,
    ),
    "rehabilitation programme edit": PageCase(
        "programme_edit",
        _page_programme_edit,
        _count_programme_changes,
        role="physio",
        effects=_programme_edit_effects,
    ),
    "new follow-up link": PageCase(
        "followup_resend", _page_new_link, _count_new_links, effects=_new_link_effects
    ),
}


def page_case(name: str, world: World, tmp_path: Path) -> None:
    case = PAGE_CASES[name]
    page, action, values, ref = case.prepare(world)
    cookies = world.cookies[case.role]
    browser = Client()
    browser.cookies.load(cookies)
    form = rendered_form(browser, page, action)
    data: dict[str, Any] = {}
    for key, value in form["fields"]:
        data.setdefault(key, value)
    data.update(values)
    data[FIELD] = dict(form["fields"])[FIELD]
    target = action or form["action"] or page

    with worker_database(tmp_path) as database:

        def post(i: int) -> Any:
            client = Client()
            client.cookies.load(cookies)
            return client.post(target, data)

        responses = fire(database, post)
        statuses = sorted(r.status_code for r in responses)
        assert all(s < 500 for s in statuses), failed(responses)
        assert statuses == [302] * THREADS, [
            re.sub(r"\s+", " ", r.content.decode())[:400] for r in responses if r.status_code != 302
        ]
        assert len({r["Location"] for r in responses}) == 1
        assert count_in(database, lambda: case.count(ref)) == 1
        if case.effects is not None:
            effects = count_in(database, lambda: case.effects(ref))  # type: ignore[misc]
            assert effects == dict.fromkeys(effects, 1), effects
        # The nine copies are told so on the first one's page.
        told = [ALREADY_RECORDED in said(r) for r in responses]
        assert told.count(True) == THREADS - 1, told


def said(response: Any) -> list[str]:
    """The messages a redirect leaves for the next page (Django's message cookie)."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    morsel = response.cookies.get(CookieStorage.cookie_name)
    if morsel is None or not morsel.value:
        return []
    stored = CookieStorage(RequestFactory().get("/"))._decode(morsel.value) or []
    return [str(message) for message in stored]


def test_ten_identical_form_posts_store_one_record(world: World, tmp_path: Path) -> None:
    every_case(PAGE_CASES, lambda name, where: page_case(name, world, where), tmp_path)


def test_ten_identical_fhir_export_kickoffs_start_one_job(world: World, tmp_path: Path) -> None:
    """``GET /fhir/$export`` (a GET by the Bulk Data spec, so no submission key): the copies
    are answered with the export already waiting, its status address and no second job."""
    headers = {"Authorization": f"Bearer {world.admin_bearer}", "Prefer": "respond-async"}
    with worker_database(tmp_path) as database:
        responses = fire(database, lambda i: Client().get("/fhir/$export", headers=headers))
        statuses = [r.status_code for r in responses]
        assert statuses == [202] * THREADS, [r.content[:300] for r in responses]
        assert len({r["Content-Location"] for r in responses}) == 1
        assert count_in(database, lambda: _count_exports(world.clinic)) == 1
        effects = count_in(database, lambda: _export_effects(world.clinic))
        assert effects == dict.fromkeys(effects, 1), effects


def test_one_programme_change_saved_from_ten_tabs_at_once_is_logged_once(
    world: World, tmp_path: Path
) -> None:
    """Ten tabs (ten tokens, so no claim in common) save the same new notes at once: each read
    the programme before the others wrote, and the change must still be logged and audited once
    (the workflow reads the notes again under the patient's lock)."""
    from spinepath.aftercare.models import Programme
    from spinepath.aftercare.programmes import ItemChoice, programme_update

    _, _, values, programme = _page_programme_edit(world)
    items = [ItemChoice(i.phase, i.exercise_code, i.dosage) for i in programme.items.all()]
    tabs = [Programme.objects.get(pk=programme.pk) for _ in range(THREADS)]
    with worker_database(tmp_path) as database:
        fire(
            database,
            lambda i: programme_update(
                None, programme=tabs[i], by=world.physio, items=items, notes=values["notes"]
            ),
        )
        assert count_in(database, lambda: _count_programme_changes(programme)) == 1
        assert count_in(database, lambda: _programme_edit_effects(programme)) == {
            "timeline entries": 1
        }


def test_a_form_sent_twice_says_already_recorded(world: World) -> None:
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = world.session_cookie
    page, _, values, _ = _page_session(world)
    values["room"] = "Twice room"
    form = rendered_form(browser, page)
    data = {**dict(form["fields"]), **values}
    first = browser.post(page, data)
    again = browser.post(page, data, follow=True)
    assert first.status_code == 302
    assert again.redirect_chain[0][0] == first["Location"]
    assert "already recorded" in again.content.decode()
    assert _count_sessions("Twice room") == 1
    # A new rendering of the form is a new submission.
    fresh = rendered_form(browser, page)
    assert dict(fresh["fields"])[FIELD] != data[FIELD]


# --- The pages' inventory ----------------------------------------------------------------------

# Every template with a POST form, and how it is fired ten times at once: "case: <name>" (a page
# case here), "fired in <test module>: …" (a concurrent test of its own), or why it needs none:
# "state: …" (a state change of one record, not a create) or "no token: …". There is no fourth
# kind: a create form is fired, never merely said to be protected.
PAGE_FORMS: dict[str, str] = {
    "patients/patient_form.html": "case: register patient (also the edit page: an update)",
    "patients/episode_form.html": "case: open episode (also the edit page: an update)",
    "assessment/assessment_form.html": "case: assessment",
    "procedures/consent_form.html": "case: consent",
    "fhir/emergency_form.html": "case: break-glass",
    "aftercare/programme_new.html": "case: rehabilitation programme",
    "scheduling/waiting.html": "case: pause the waiting clock (and its restart, a state change)",
    "scheduling/session_form.html": "case: new session",
    "scheduling/session_detail.html": "case: book on a session (cancel, did not attend and move "
    "are state changes of one booking, also tokened)",
    "onward/onward_form.html": "case: urgent referral (the not-suitable plan is the same view)",
    "procedures/procedure_form.html": "case: procedure (and the patient lock: a resent form "
    "finds the first record and shows it)",
    "procedures/checklist_form.html": "case: safety checklist sign in (time out, sign out and "
    "the day's reason to proceed are state changes of that one check, also tokened)",
    "procedures/discharge_form.html": "case: discharge amendment",
    "assessment/decision_detail.html": "case: reason to proceed",
    "assessment/ruleset_propose.html": "case: rule-set proposal",
    "onward/result_form.html": "state: the result of one onward action, recorded under the "
    "patient lock (tokened too)",
    "questionnaires/baseline_form.html": "case: baseline questionnaires",
    "followup/enter.html": "case: follow-up answers by staff (one answer per time point and "
    "item, unique in the database)",
    "followup/_episode_section.html": "case: next step",
    "followup/_row_actions.html": "case: new follow-up link",
    "followup/patient/check.html": "fired in followup/tests/test_concurrent_submission.py: the "
    "time point completes once under its lock (tokened too)",
    "aftercare/programme_edit.html": "case: rehabilitation programme edit",
    "aftercare/patient/aftercare.html": "case: patient's exercise log",
    "fhir/exports.html": "case: bulk FHIR export",
    # No token: these create no record a repeat could duplicate.
    "base.html": "no token: signing out",
    "registration/login.html": "no token: signing in",
    "registration/password_change_form.html": "no token: a password change",
    "accounts/mfa_enrol.html": "no token: a one-time code, used once by its nature",
    "accounts/mfa_verify.html": "no token: a one-time code, used once by its nature",
    "accounts/mfa_recovery_codes.html": "no token: replaces the codes",
    "accounts/audit_log.html": "no token: a search",
    "patients/dashboard.html": "no token: a search",
    "patients/search.html": "no token: a search",
    "assessment/clinical_leads.html": "no token: a role flag of one person",
    "assessment/ruleset_detail.html": "no token: approve or reject one proposal (a state)",
    "procedures/consent_detail.html": "no token: withdraw or mark in error (a state)",
    "procedures/procedure_detail.html": "no token: mark in error (a state of one record)",
    "followup/patient/date_of_birth.html": "no token: the patient's identity check",
    "followup/patient/question.html": "no token: answers kept in the patient's session",
    "scheduling/patient/appointment.html": "no token: confirm (a state of one booking)",
    "patients/episode_discharge.html": "no token: discharge or re-open (a state of one episode)",
    "patients/patient_rights.html": "no token: restrict, lift or erase one record (a state of "
    "the patient, changed under its lock; a repeat is refused: already restricted, not "
    "restricted, already pseudonymised)",
}

POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.I | re.S)


def test_every_post_form_is_in_the_inventory_and_create_forms_carry_a_token() -> None:
    found: dict[str, list[bool]] = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        forms = POST_FORM.findall(text)
        if forms:
            name = str(path.relative_to(ROOT / "templates"))
            found[name] = ["{% submission_token %}" in body for body in forms]
    missing = sorted(set(found) - set(PAGE_FORMS))
    assert not missing, f"POST forms not in the inventory (add a case or a reason): {missing}"
    assert not set(PAGE_FORMS) - set(found), "inventory entries for forms that no longer exist"
    kinds = ("case: ", "fired in ", "state: ", "no token: ")
    unfired = sorted(name for name, why in PAGE_FORMS.items() if not why.startswith(kinds))
    assert not unfired, (
        f"say how these are fired at once (a case), or why they need not be: {unfired}"
    )
    for name, why in PAGE_FORMS.items():
        if why.startswith("fired in "):
            module = why.removeprefix("fired in ").split(":")[0]
            assert (ROOT / "spinepath" / module).is_file(), f"{name}: no test module {module}"
    for name, tokens in found.items():
        if PAGE_FORMS[name].startswith("no token"):
            continue
        assert any(tokens), f"{name}: a create form without {{% submission_token %}}"
    cases = {
        reason.split(":")[1].split("(")[0].strip()
        for reason in PAGE_FORMS.values()
        if reason.startswith("case:")
    }
    assert cases == set(PAGE_CASES), "every page case is named in the inventory, and only those"


def test_claims_are_forgotten_after_their_keeping_time(world: World) -> None:
    from spinepath.accounts.idempotency import purge

    headers = {"Authorization": f"Bearer {world.bearer}", "Idempotency-Key": "k-old"}
    assert _post_session(_session_body("Room E"), headers).status_code == 201
    claim = SubmissionClaim.objects.latest("pk")
    hours = settings.SPINEPATH_SUBMISSION_CLAIM_HOURS
    assert purge(at=claim.created_at + timedelta(hours=hours) - timedelta(seconds=1)) == 0
    assert SubmissionClaim.objects.filter(pk=claim.pk).exists()
    assert purge(at=claim.created_at + timedelta(hours=hours, seconds=1)) >= 1
    assert not SubmissionClaim.objects.filter(pk=claim.pk).exists()
    assert "spinepath.accounts.tasks.purge_submission_claims" in settings.SPINEPATH_PERIODIC_TASKS


def test_a_replay_needs_a_good_token_and_is_audited(world: World) -> None:
    from spinepath.accounts.models import AuditEvent

    token, secret = ApiToken.objects.issue(world.clinician, name="replay")
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "k-audit"}
    assert _post_session(_session_body("Room F"), headers).status_code == 201
    again = _post_session(_session_body("Room F"), headers)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    claim = SubmissionClaim.objects.latest("pk")
    replay = AuditEvent.objects.get(model="accounts.SubmissionClaim", object_id=str(claim.pk))
    assert replay.action == "read" and replay.username == "alice"
    assert replay.detail["replayed"] == "/api/v1/sessions"
    token.revoke()
    refused = _post_session(_session_body("Room F"), headers)
    assert refused.status_code == 401 and _count_sessions("Room F") == 1


def test_a_lock_wait_without_a_key_that_times_out_is_a_503_too(
    world: World, monkeypatch: Any
) -> None:
    from django.db import OperationalError

    from spinepath.scheduling import api as scheduling_api

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(scheduling_api, "booking_create", locked)
    url, body, episode = _booking(world)
    headers = {"Authorization": f"Bearer {world.bearer}"}  # no Idempotency-Key: no claim
    response = Client().post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert "nothing was recorded" in response.json()["detail"]
    assert _count_live_bookings(episode) == 0


def test_a_lock_wait_that_times_out_is_a_503_not_a_500(world: World, monkeypatch: Any) -> None:
    from django.db import OperationalError

    def locked(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("database is locked")

    monkeypatch.setattr(SubmissionClaim.objects, "create", locked)
    headers = {"Authorization": f"Bearer {world.bearer}", "Idempotency-Key": "k-locked"}
    response = _post_session(_session_body("Room G"), headers)
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert _count_sessions("Room G") == 0
