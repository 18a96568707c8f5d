"""NaN, Infinity and NUL never reach the database: a 422 naming the field, nothing written.

Python's json module reads ``NaN`` and ``Infinity`` although JSON has neither; PostgreSQL refuses
NUL in text and NaN in JSON. Run this file on both databases:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> .venv/bin/pytest spinepath/tests``.
"""

import json

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.api import api
from spinepath.api_helpers import Input
from spinepath.assessment.models import Assessment, Decision
from spinepath.assessment.tests.helpers import NOT_RECOMMENDED_PLAN, assessment_body, form_data
from spinepath.clinical.examples import evaluate_example, steroid_check_example
from spinepath.clinical.facts import Facts
from spinepath.clinical.steroids import SteroidCheckRequest
from spinepath.patients.models import TimelineEvent
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import make_decision

PROCEED = "Discussed with the patient, who wishes to go ahead after the advice."


def raw(value):
    """A JSON body as Python's json module writes it: NaN and Infinity as bare words."""
    return json.dumps(value, allow_nan=True)


def fields(response):
    assert response.status_code == 422, response.content
    return {error["field"] for error in response.json()["detail"]}


def written():
    return (
        Assessment.objects.count(),
        Decision.objects.count(),
        QuestionnaireResponse.objects.count(),
        TimelineEvent.objects.count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.READ).count(),
        list(Decision.objects.values_list("proceed_reason", flat=True)),
    )


def assess_url(episode):
    return f"/api/v1/episodes/{episode.pk}/assessments"


def test_every_api_body_refuses_nan_infinity_and_nul():
    """The shared base (or one of the core's own models, which have no free text, or an
    adapter's subclass of one)."""
    core = (Facts, SteroidCheckRequest)
    bodies = [
        model.model_fields["payload"].annotation
        for _, router in api._routers
        for view in router.path_operations.values()
        for operation in view.operations
        for model in operation.models
        if "payload" in model.model_fields
    ]
    assert bodies, "no request bodies found"
    for body in bodies:
        assert issubclass(body, (Input, *core)), body
        assert body.model_config.get("allow_inf_nan") is False, body


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize(
    "field",
    [
        "steroid_dose_mg",
        "symptom_duration_weeks",
        "conservative_care_weeks",
        "inr",
        "platelets",
        "hba1c_mmol_mol",
        "weight_kg",
        "crcl_ml_min",
    ],
)
def test_non_finite_assessment_numbers_are_refused(api_a, episode_a, field, value):
    before = written()
    body = assessment_body(**{field: value})
    if field == "hba1c_mmol_mol":
        body["diabetes"] = True
    assert fields(api_a.post(assess_url(episode_a), raw(body))) == {field}
    assert written() == before


def test_a_non_finite_hours_since_the_last_dose_is_refused(api_a, episode_a):
    before = written()
    body = assessment_body(antithrombotics=[{"drug": "apixaban", "hours_since_last_dose": 1e999}])
    assert fields(api_a.post(assess_url(episode_a), raw(body))) == {
        "antithrombotics.0.hours_since_last_dose"
    }
    assert written() == before


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_baseline_answers_are_refused(api_a, episode_a, value):
    before = written()
    body = assessment_body(baseline={"nrs_leg": {"score": value}})
    assert fields(api_a.post(assess_url(episode_a), raw(body))) == {"baseline"}
    assert written() == before


def test_a_nul_in_the_assessment_notes_is_refused(api_a, episode_a):
    before = written()
    r = api_a.post(assess_url(episode_a), assessment_body(notes="Seen with\x00 daughter."))
    assert fields(r) == {"notes"}
    assert written() == before


def test_a_nul_inside_baseline_answers_is_refused(api_a, episode_a):
    before = written()
    body = assessment_body(baseline={"nrs_leg": {"score\x00": 8}})
    assert fields(api_a.post(assess_url(episode_a), body)) == {"baseline"}
    assert written() == before


def test_a_nul_in_the_reason_to_proceed_is_refused(api_a, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    before = written()
    r = api_a.post(f"/api/v1/decisions/{decision.pk}/proceed", {"reason": PROCEED + "\x00"})
    assert fields(r) == {"reason"}
    assert written() == before


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_the_evaluate_endpoint_refuses_non_finite_numbers(api_a, value):
    facts = evaluate_example()
    facts["symptoms"]["duration_weeks"] = value
    facts["weight_kg"] = value
    r = api_a.post("/api/v1/decision-support/evaluate", raw(facts))
    assert fields(r) == {"symptoms.duration_weeks", "weight_kg"}


def test_the_steroid_check_refuses_an_infinite_dose(api_a):
    body = steroid_check_example()
    body["planned"]["steroid_dose_mg"] = float("inf")
    r = api_a.post("/api/v1/steroid-safety/check", raw(body))
    assert fields(r) == {"planned.steroid_dose_mg"}


def test_the_score_endpoint_refuses_nan(api_a):
    r = api_a.post("/api/v1/instruments/nrs/score", raw({"answers": {"score": float("nan")}}))
    assert fields(r) == {"answers"}


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", "1e999"])
@pytest.mark.parametrize(
    "field", ["weight_kg", "inr", "crcl_ml_min", "drug-0-hours_since_last_dose"]
)
def test_the_assessment_form_refuses_non_finite_numbers(alice, episode_a, field, value):
    before = written()
    data = form_data(**{field: value})
    if field.startswith("drug-"):
        data["drug-0-drug"] = "apixaban"
    r = alice.post(f"/episodes/{episode_a.pk}/assess/", data)
    assert r.status_code == 200
    assert "There is a problem" in r.content.decode()
    assert written() == before


def test_the_assessment_form_refuses_a_nul_in_the_notes(alice, episode_a):
    before = written()
    r = alice.post(f"/episodes/{episode_a.pk}/assess/", form_data(notes="Seen\x00 today."))
    assert r.status_code == 200
    assert "Null characters are not allowed." in r.content.decode()
    assert written() == before


def test_the_decision_page_refuses_a_nul_in_the_reason_to_proceed(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    before = written()
    r = alice.post(f"/decisions/{decision.pk}/", {"reason": PROCEED + "\x00"})
    assert r.status_code == 200
    assert "Null characters are not allowed." in r.content.decode()
    assert written() == before


def test_a_nul_never_reaches_the_stored_reason_even_from_code(episode_a, clinician_a):
    from spinepath.assessment.decisions import ProceedRefused, record_proceed

    decision = make_decision(episode_a, clinician_a, **NOT_RECOMMENDED_PLAN)
    with pytest.raises(ProceedRefused, match="NUL"):
        record_proceed(None, decision, by=clinician_a, reason=PROCEED + "\x00")
    decision.refresh_from_db()
    assert decision.proceed_reason == ""
