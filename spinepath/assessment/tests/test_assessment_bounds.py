"""Implausible clinical numbers and dates are refused at the field, on the form and the API,
and nothing is stored (issue 7 item 5)."""

import pytest

from spinepath.assessment.models import Assessment, Decision
from spinepath.assessment.tests.helpers import assessment_body, form_data
from spinepath.patients.models import PriorInjection, TimelineEvent
from spinepath.questionnaires.models import QuestionnaireResponse

# (field, too low, too high, the message at the field)
NUMBERS = [
    ("symptom_duration_weeks", -1, 2601, "Enter a number between 0 and 2600 weeks."),
    ("conservative_care_weeks", -1, 521, "Enter a number between 0 and 520 weeks."),
    ("inr", 0.4, 21, "Enter a number between 0.5 and 20."),
    ("platelets", -1, 2001, "Enter a number between 0 and 2000 ×10⁹/L."),
    ("hba1c_mmol_mol", 19, 201, "Enter a number between 20 and 200 mmol/mol."),
    ("weight_kg", 0.5, 401, "Enter a number between 1 and 400 kg."),
    ("crcl_ml_min", -1, 251, "Enter a number between 0 and 250 ml/min."),
    ("mbb_relief_percent", -1, 101, "Enter a number between 0 and 100 %."),
]


def stored():
    return (
        Assessment.objects.count(),
        Decision.objects.count(),
        QuestionnaireResponse.objects.count(),
        PriorInjection.objects.count(),
        TimelineEvent.objects.count(),
    )


def _with(field, value, *, form):
    extra = {}
    if field == "hba1c_mmol_mol":
        extra["diabetes"] = "true" if form else True
    if field == "mbb_relief_percent":
        extra["mbb_date"] = "2026-10-01"
    changes = {field: str(value) if form else value, **extra}
    return form_data(**changes) if form else assessment_body(**changes)


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


@pytest.mark.parametrize(("field", "low", "high", "message"), NUMBERS)
def test_the_form_refuses_numbers_out_of_range(alice, episode_a, field, low, high, message):
    before = stored()
    for value in (low, high):
        r = alice.post(f"/episodes/{episode_a.pk}/assess/", _with(field, value, form=True))
        assert r.status_code == 200
        assert r.context["form"].errors[field] == [message]
    assert stored() == before


@pytest.mark.parametrize(("field", "low", "high", "message"), NUMBERS)
def test_the_api_refuses_numbers_out_of_range(api_a, episode_a, field, low, high, message):
    before = stored()
    for value in (low, high):
        r = api_a.post(
            f"/api/v1/episodes/{episode_a.pk}/assessments", _with(field, value, form=False)
        )
        assert r.status_code == 422, r.content
        assert [problem["field"] for problem in r.json()["detail"]] == [field]
    assert stored() == before


@pytest.mark.parametrize(("field", "low", "high", "message"), NUMBERS)
def test_the_bounds_themselves_are_accepted(api_a, episode_a, field, low, high, message):
    bounds = message.removeprefix("Enter a number between ").split(" ")
    for value in (float(bounds[0]), float(bounds[2].rstrip("."))):
        r = api_a.post(
            f"/api/v1/episodes/{episode_a.pk}/assessments", _with(field, value, form=False)
        )
        assert r.status_code == 201, (value, r.content)


@pytest.mark.parametrize("hours", ["-1", "8761"])
def test_the_form_refuses_implausible_hours_since_the_last_dose(alice, episode_a, hours):
    before = stored()
    data = form_data(**{"drug-0-drug": "apixaban", "drug-0-hours_since_last_dose": hours})
    r = alice.post(f"/episodes/{episode_a.pk}/assess/", data)
    assert r.status_code == 200
    assert r.context["drugs"].forms[0].errors["hours_since_last_dose"]
    assert stored() == before


@pytest.mark.parametrize("hours", [-1, 8761])
def test_the_api_refuses_implausible_hours_since_the_last_dose(api_a, episode_a, hours):
    before = stored()
    body = assessment_body(antithrombotics=[{"drug": "apixaban", "hours_since_last_dose": hours}])
    r = api_a.post(f"/api/v1/episodes/{episode_a.pk}/assessments", body)
    assert r.status_code == 422
    assert [p["field"] for p in r.json()["detail"]] == ["antithrombotics.0.hours_since_last_dose"]
    assert stored() == before


def test_a_block_before_the_patient_was_born_is_refused(alice, api_a, episode_a):
    before = stored()
    r = alice.post(
        f"/episodes/{episode_a.pk}/assess/",
        form_data(mbb_date="1900-01-01", mbb_relief_percent="80"),
    )
    assert r.context["form"].errors["mbb_date"] == ["Cannot be before the patient's date of birth."]
    r = api_a.post(
        f"/api/v1/episodes/{episode_a.pk}/assessments",
        assessment_body(mbb_date="1900-01-01", mbb_relief_percent=80),
    )
    assert [p["field"] for p in r.json()["detail"]] == ["mbb_date"]
    assert stored() == before


def test_an_injection_elsewhere_before_the_patient_was_born_is_refused(alice, episode_a):
    before = stored()
    data = form_data(
        **{
            "elsewhere-0-given_on": "1968-01-01",
            "elsewhere-0-site": "caudal_epidural",
            "elsewhere-0-relief_percent": "60",
        }
    )
    r = alice.post(f"/episodes/{episode_a.pk}/assess/", data)
    assert r.status_code == 200
    assert r.context["elsewhere"].forms[0].errors["given_on"] == [
        "Cannot be before the patient's date of birth."
    ]
    assert stored() == before


def test_a_prior_injection_model_refuses_a_date_after_it_was_recorded(patient_a, clinician_a):
    from datetime import date

    from django.core.exceptions import ValidationError

    injection = PriorInjection(
        patient=patient_a,
        given_on=date(3000, 1, 1),
        site="caudal_epidural",
        recorded_by=clinician_a,
    )
    with pytest.raises(ValidationError) as refused:
        injection.full_clean()
    assert refused.value.message_dict == {"given_on": ["The date given cannot be in the future."]}
