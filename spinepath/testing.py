"""Personas and builders for tests: clinics, staff, patients and the records of a pathway.

Like healthchecks' ``hc/test.py``, one module says how a test world is made, so a test reads as
"a clinician of clinic A does X to a patient of clinic B". Records that have a workflow are made
through that workflow (``assessment_record``, ``consent_record``, ``safety_check_record``,
``procedure_record``) so a test sees what a page or the API would leave behind; only the records
a test sets up *before* the story starts (patients, referrals, injections given elsewhere) are
created directly. ``conftest.py`` wires these into fixtures; tests import the builders from here.

Nothing outside tests imports this module.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from spinepath.accounts.models import ApiToken, AuditEvent, Clinic, User
from spinepath.assessment.decisions import assessment_record, record_proceed
from spinepath.assessment.models import Assessment
from spinepath.clinical.checklist import DayFacts, Phase
from spinepath.clinical.instruments import score
from spinepath.clinical.vocab import Antithrombotic
from spinepath.patients.models import Episode, Patient, PriorInjection
from spinepath.procedures.consent import consent_record
from spinepath.procedures.recording import (
    checklist_items,
    glucose_asked,
    procedure_record,
    safety_check_record,
)
from spinepath.questionnaires.models import QuestionnaireResponse

DEMO_PASSWORD = "correct-horse-battery-staple-42"
"""Every persona's password (hashed with the fast test hasher, see ``conftest.py``)."""


# --- Personas -----------------------------------------------------------------------------------


def make_clinic(code: str, name: str, phone: str = "0113 496 0000") -> Any:
    return Clinic.objects.create(name=name, code=code, phone=phone)


def make_staff(username: str, role: str, clinic: Any) -> Any:
    """A member of ``clinic``'s staff in ``role``, who signs in with ``DEMO_PASSWORD``."""
    user = User(username=username, role=role, clinic=clinic, first_name=username.title())
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def make_superuser(username: str = "root") -> Any:
    return User.objects.create_superuser(username, f"{username}@example.org", DEMO_PASSWORD)


# --- Patients and referrals ---------------------------------------------------------------------


def make_patient(clinic: Any, **overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "clinic": clinic,
        "given_name": "Mary",
        "family_name": "Jones",
        "date_of_birth": date(1970, 5, 17),
        "sex": "female",
        "nhs_number": "9434765919",
        "email": "mary.jones@example.com",
    }
    fields.update(overrides)
    return Patient.objects.create(**fields)


def make_episode(patient: Any, **overrides: Any) -> Any:
    """A referral set up for a test (not audited: ``episode_create`` is the recording path)."""
    fields: dict[str, Any] = {
        "patient": patient,
        "condition": "sciatica",
        "laterality": "left",
        "referral_source": "gp",
        "referral_date": date(2026, 10, 1),
        "referral_reason": "Left leg pain for eight weeks despite physiotherapy.",
        "conservative_care_weeks": 6,
    }
    fields.update(overrides)
    episode = Episode.objects.create(**fields)
    episode.log("referral", "Referred by GP for sciatica")
    return episode


def recent_steroid_elsewhere(patient: Any, *, days_ago: int = 5, **fields: Any) -> Any:
    """A steroid injection given elsewhere ``days_ago`` days ago: the interval check blocks."""
    values: dict[str, Any] = {
        "given_on": timezone.localdate() - timedelta(days=days_ago),
        "site": "caudal_epidural",
        "steroid": "methylprednisolone",
        "steroid_dose_mg": 40,
        "where": "St Elsewhere",
    }
    values.update(fields)
    return PriorInjection.objects.create(patient=patient, **values)


# --- Assessment and decision --------------------------------------------------------------------

ASSESSMENT_DEFAULTS: dict[str, Any] = {
    "assessed_on": date(2026, 11, 24),
    "procedure": "transforaminal_epidural",
    "imaging": "fluoroscopy",
    "steroid": "dexamethasone",
    "steroid_dose_mg": 8,
    "local_anaesthetic": "lidocaine",
    "red_flags_screened": True,
    "red_flags": [],
    "symptom_duration_weeks": 6,
    "leg_pain_dominant": True,
    "neurogenic_claudication": False,
    "conservative_care_weeks": 6,
    "allergies_recorded": True,
    "allergies": [],
    "medication_recorded": True,
    "antithrombotics": [],
    "bleeding_disorder": False,
    "diabetes": False,
    "pregnant": False,
    "immunosuppressed": False,
    "infection_systemic": False,
    "infection_local": False,
}
"""A suitable dexamethasone transforaminal epidural; tests change the plan or the facts."""


def make_assessment(
    episode: Any,
    clinician: Any,
    *,
    nrs_back: int | None = 3,
    nrs_leg: int | None = 8,
    **fields: Any,
) -> Any:
    """A saved assessment of a suitable dexamethasone transforaminal epidural, with baseline
    NRS responses; ``fields`` change the plan or the facts. No decision yet: for tests of what
    ``assessment_record`` refuses or of facts it never writes (use ``make_decision`` otherwise)."""

    values = {**ASSESSMENT_DEFAULTS, **fields}
    assessment = Assessment.objects.create(episode=episode, clinician=clinician, **values)
    for code, value in (("nrs_back", nrs_back), ("nrs_leg", nrs_leg)):
        if value is not None:
            QuestionnaireResponse.objects.create(
                patient=episode.patient,
                episode=episode,
                assessment=assessment,
                instrument=code,
                instrument_version=score(code, {"score": value}).version,
                answers={"score": value},
                score=value,
                source=QuestionnaireResponse.Source.STAFF,
                entered_by=clinician,
            )
    return assessment


def make_decision(
    episode: Any,
    clinician: Any,
    *,
    nrs_back: int | None = 3,
    nrs_leg: int | None = 8,
    injections_elsewhere: Any = (),
    at: Any = None,
    **fields: Any,
) -> Any:
    """A stored decision for a new assessment, recorded by ``assessment_record`` as the page and
    the API record it; ``fields`` change the plan or the facts."""

    baseline = {
        code: ({"score": value}, score(code, {"score": value}))
        for code, value in (("nrs_back", nrs_back), ("nrs_leg", nrs_leg))
        if value is not None
    }
    return assessment_record(
        None,
        assessment=Assessment(episode=episode, **{**ASSESSMENT_DEFAULTS, **fields}),
        by=clinician,
        baseline=baseline,
        injections_elsewhere=list(injections_elsewhere),
        at=at,
    )


def assess(episode: Any, clinician: Any, **fields: Any) -> Any:
    """Today's decision on a suitable transforaminal epidural under fluoroscopy, unless
    ``fields`` say otherwise."""
    values: dict[str, Any] = {"assessed_on": timezone.localdate(), "symptom_duration_weeks": 8}
    values.update(fields)
    return make_decision(episode, clinician, **values)


def assess_with_proceed(episode: Any, clinician: Any, **fields: Any) -> Any:
    """As ``assess``, with the clinician's reason for going ahead against the advice."""
    decision = assess(episode, clinician, **fields)
    record_proceed(None, decision, by=clinician, reason="Discussed at length; patient wishes it.")
    return decision


# --- Consent, the day's checks and the procedure ------------------------------------------------


def take_consent(decided: Any, clinician: Any, **fields: Any) -> Any:
    """Consent to ``decided``'s plan (L4/L5 left), typed and signed today, unless ``fields``
    say otherwise."""

    values: dict[str, Any] = {
        "decision": "permit",
        "capacity_confirmed": True,
        "levels": ["L4/L5"],
        "side": "left",
        "signed_name": "Mary Jones",
        "signed_on": timezone.localdate(),
        "patient_questions": "Will it hurt? Answered: a sting from the numbing medicine.",
    }
    values.update(fields)
    return consent_record(None, assessment=decided.assessment, clinician=clinician, **values)


def tick_all(consent: Any, *, sign_out: bool = False) -> dict[str, bool]:
    """Every sign-in and time-out item (and sign-out, if asked) for ``consent`` today: yes."""
    items = checklist_items(consent, consent.episode.assessments.first(), on=timezone.localdate())
    return {item.code: True for item in items if sign_out or item.phase is not Phase.SIGN_OUT}


def day_as_assessed(consent: Any, **changes: Any) -> Any:
    """The day's facts as the assessment found them (not pregnant, no infection unless it says
    so), with a glucose reading where one is asked; ``changes`` override."""

    assessment = consent.episode.assessments.first()
    items = checklist_items(consent, assessment, on=timezone.localdate())
    rows = assessment.antithrombotics if assessment.medication_recorded else []
    day = DayFacts(
        last_dose_hours={
            Antithrombotic(row["drug"]): row.get("hours_since_last_dose") for row in rows
        },
        inr=assessment.inr,
        pregnant=bool(assessment.pregnant),
        infection_systemic=bool(assessment.infection_systemic),
        infection_local=bool(assessment.infection_local),
        glucose_mmol_l=7.2 if glucose_asked(items) else None,
    )
    return dataclasses.replace(day, **changes)


def check_today(consent: Any, clinician: Any, **fields: Any) -> Any:
    """Today's sign in and time out for ``consent``, every item confirmed unless ``answers``
    says, with the day's facts as assessed unless ``day`` says."""

    values: dict[str, Any] = {"answers": tick_all(consent), "day": day_as_assessed(consent)}
    values.update(fields)
    return safety_check_record(
        None, episode=consent.episode, consent=consent, by=clinician, **values
    )


def ready_for_procedure(episode: Any, clinician: Any, **assess_fields: Any) -> Any:
    """Assessed (suitable), consented (L4/L5 left) and checked today: ready to record."""
    consent = take_consent(assess(episode, clinician, **assess_fields), clinician)
    check_today(consent, clinician)
    return consent


def procedure_fields(**fields: Any) -> dict[str, Any]:
    """What was done for the default plan (transforaminal, L4/L5 left, dexamethasone 8 mg)."""
    values: dict[str, Any] = {
        "procedure": "transforaminal_epidural",
        "levels": ["L4/L5"],
        "side": "left",
        "approach": "transforaminal",
        "imaging": "fluoroscopy",
        "dose_area_product": 152.5,
        "screening_time_s": 24.0,
        "steroid": "dexamethasone",
        "steroid_dose_mg": 8,
        "local_anaesthetic": "lidocaine",
        "local_anaesthetic_percent": 1.0,
        "local_anaesthetic_ml": 2.0,
        "contrast_agent": "Iohexol 300",
        "contrast_ml": 1.5,
        "needle": "22G 90 mm spinal",
        "observations": "Pulse 72, BP 128/80, SpO2 98%, pain 2/10.",
    }
    values.update(fields)
    return values


WORKFLOW_ARGUMENTS = ("steroid_override_reason", "consent_variance_reason", "at")
"""What ``procedure_record`` takes beside the record itself."""


def procedure_to_record(episode: Any, **fields: Any) -> Any:
    """An unsaved ``ProcedureRecord`` of what was done (``procedure_fields``), for the workflow."""
    from spinepath.procedures.models import ProcedureRecord

    values = procedure_fields(**fields)
    values.setdefault("performed_at", None)  # the workflow's ``at``
    return ProcedureRecord(episode=episode, **values)


def record_procedure(episode: Any, clinician: Any, **fields: Any) -> Any:
    """The default procedure (``procedure_fields``) recorded as the page records it."""
    workflow = {name: fields.pop(name) for name in WORKFLOW_ARGUMENTS if name in fields}
    record = procedure_to_record(episode, **fields)
    return procedure_record(None, record=record, by=clinician, **workflow)


# --- What was logged ----------------------------------------------------------------------------


def audit_events(**filters: Any) -> list[Any]:
    """Audit rows matching ``filters``, oldest first, for asserting exactly what was logged."""
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


# --- Clients ------------------------------------------------------------------------------------


class ApiClient:
    """A test client that sends a bearer token and JSON, as an integration would."""

    def __init__(self, client: Any, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        body = data if isinstance(data, str | bytes) else _json(data)
        return self.client.post(
            path, body, content_type="application/json", headers=self.headers, **kwargs
        )

    def patch(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        body = data if isinstance(data, str | bytes) else _json(data)
        return self.client.patch(
            path, body, content_type="application/json", headers=self.headers, **kwargs
        )


def _json(data: Any) -> str:
    return json.dumps(data if data is not None else {}, default=str)


def api_client_for(client: Any, user: Any) -> ApiClient:
    """``client`` carrying a fresh API token of ``user``'s."""
    _, secret = ApiToken.objects.issue(user, name="test")
    return ApiClient(client, secret)


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the login page of a Playwright ``page``."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def setting_under_env(name: str, **env: str) -> str:
    """The printed value of one setting as a fresh process computes it from ``env`` (with a
    SECRET_KEY, and without the test runner's own DEBUG): for settings decided at start-up."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    base = {k: v for k, v in os.environ.items() if k != "DEBUG" and k not in env}
    script = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=base | {"DJANGO_SETTINGS_MODULE": "spinepath.settings", "SECRET_KEY": "x" * 60} | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()
