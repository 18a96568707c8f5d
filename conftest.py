"""Shared fixtures: personas per clinic and role, API clients, and a real Chromium for page tests.

Personas follow healthchecks' ``hc/test.py``: tests read as "a clinician of clinic A does X to a
patient of clinic B", which is how access rules are written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

# Playwright's sync API runs an event loop in the test thread; the live-server tests still touch
# the ORM from that thread between page actions, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "correct-horse-battery-staple-42"


@pytest.fixture
def clinic_a(db: Any) -> Any:
    from spinepath.accounts.models import Clinic

    return Clinic.objects.create(name="Clinic A", code="ta", phone="0113 496 0001")


@pytest.fixture
def clinic_b(db: Any) -> Any:
    from spinepath.accounts.models import Clinic

    return Clinic.objects.create(name="Clinic B", code="tb", phone="0161 496 0002")


def _make_user(username: str, role: str, clinic: Any) -> Any:
    from spinepath.accounts.models import User

    user = User(username=username, role=role, clinic=clinic, first_name=username.title())
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@pytest.fixture
def clinician_a(clinic_a: Any) -> Any:
    return _make_user("alice", "clinician", clinic_a)


@pytest.fixture
def physio_a(clinic_a: Any) -> Any:
    return _make_user("phil", "physiotherapist", clinic_a)


@pytest.fixture
def admin_a(clinic_a: Any) -> Any:
    return _make_user("ada", "admin", clinic_a)


@pytest.fixture
def analyst_a(clinic_a: Any) -> Any:
    return _make_user("ann", "analyst", clinic_a)


@pytest.fixture
def clinician_b(clinic_b: Any) -> Any:
    return _make_user("bob", "clinician", clinic_b)


@pytest.fixture
def admin_b(clinic_b: Any) -> Any:
    return _make_user("bea", "admin", clinic_b)


def make_patient(clinic: Any, **overrides: Any) -> Any:
    from spinepath.patients.models import Patient

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
    from spinepath.patients.models import Episode

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
    from spinepath.assessment.models import Assessment
    from spinepath.clinical.instruments import score
    from spinepath.questionnaires.models import QuestionnaireResponse

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
    from spinepath.assessment.decisions import assessment_record
    from spinepath.assessment.models import Assessment
    from spinepath.clinical.instruments import score

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


@pytest.fixture
def patient_a(clinic_a: Any) -> Any:
    return make_patient(clinic_a)


@pytest.fixture
def patient_b(clinic_b: Any) -> Any:
    return make_patient(
        clinic_b, given_name="Brian", family_name="Baker", nhs_number="4010232137", sex="male"
    )


@pytest.fixture
def episode_a(patient_a: Any) -> Any:
    return make_episode(patient_a)


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
    import json

    return json.dumps(data if data is not None else {}, default=str)


def api_client_for(client: Any, user: Any) -> ApiClient:
    from spinepath.accounts.models import ApiToken

    _, secret = ApiToken.objects.issue(user, name="test")
    return ApiClient(client, secret)


@pytest.fixture
def api_a(client: Any, clinician_a: Any) -> ApiClient:
    return api_client_for(client, clinician_a)


# --- Browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        message = f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 768}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def log_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


# --- Added for the foundation suite ------------------------------------------------------------


@pytest.fixture
def episode_b(patient_b: Any) -> Any:
    return make_episode(patient_b, condition="spinal_stenosis", laterality="bilateral")


@pytest.fixture
def superuser(db: Any) -> Any:
    from spinepath.accounts.models import User

    return User.objects.create_superuser("root", "root@example.org", DEMO_PASSWORD)


def audit_events(**filters: Any) -> list[Any]:
    """Audit rows matching ``filters``, oldest first, for asserting exactly what was logged."""
    from spinepath.accounts.models import AuditEvent

    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Every persona gets a password; the production hasher costs ~0.25 s a user. Hashing strength
    # is Django's concern, not ours, so tests use the fastest hasher Django ships.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
