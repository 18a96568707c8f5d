"""Dates no patient or referral can have are refused at the field, by the forms and the API.

Before: a date of birth in 2030 was stored and shown as age "-4 y"; a referral dated 1800 or 3000
was stored as it was.
"""

from datetime import date, timedelta

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.patients.models import Episode, Patient, TimelineEvent

TODAY = date.today()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
PATIENT = {
    "given_name": "Olwen",
    "family_name": "Pritchard",
    "date_of_birth": "1961-03-09",
    "sex": "female",
    "nhs_number": "4010232137",
    "preferred_language": "en",
}
EPISODE = {
    "condition": "sciatica",
    "laterality": "right",
    "referral_source": "gp",
    "referral_date": "2026-10-01",
    "referral_reason": "Right leg pain.",
}
BAD_BIRTHS = [
    ("2030-01-01", "Cannot be after today."),
    (TOMORROW, "Cannot be after today."),
    ("1890-06-01", "Cannot be before 120 years ago."),
]
BAD_REFERRALS = [
    ("3000-01-01", "Cannot be after today."),
    (TOMORROW, "Cannot be after today."),
    ("1800-01-01", "Cannot be before the patient's date of birth."),
    ("1970-05-16", "Cannot be before the patient's date of birth."),  # born 17 May 1970
]


def _everything():
    return (
        [model.objects.count() for model in (TimelineEvent, AuditEvent)],
        list(Patient.objects.order_by("pk").values()),
        list(Episode.objects.order_by("pk").values()),
    )


@pytest.fixture
def nothing_written(episode_a):
    before = _everything()
    yield
    assert _everything() == before


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def _api_problem(response):
    assert response.status_code == 422, response.content
    [problem] = response.json()["detail"]
    return problem["field"], problem["msg"]


def _form_errors(response, field):
    assert response.status_code == 200
    return response.context["form"].errors[field]


@pytest.mark.parametrize(("born", "message"), BAD_BIRTHS)
def test_the_api_refuses_an_implausible_date_of_birth(api_a, nothing_written, born, message):
    r = api_a.post("/api/v1/patients", {**PATIENT, "date_of_birth": born})
    assert _api_problem(r) == ("date_of_birth", message)


@pytest.mark.parametrize(("born", "message"), BAD_BIRTHS)
def test_the_api_refuses_an_implausible_date_of_birth_on_update(
    api_a, episode_a, nothing_written, born, message
):
    r = api_a.patch(f"/api/v1/patients/{episode_a.patient_id}", {"date_of_birth": born})
    assert _api_problem(r) == ("date_of_birth", message)


@pytest.mark.parametrize(("born", "message"), BAD_BIRTHS)
def test_the_form_refuses_an_implausible_date_of_birth(alice, nothing_written, born, message):
    r = alice.post("/patients/new/", {**PATIENT, "date_of_birth": born})
    assert _form_errors(r, "date_of_birth") == [message]


def test_a_patient_born_today_or_120_years_ago_is_accepted(alice):
    for born, nhs in ((TODAY, "4010232137"), (TODAY.replace(year=TODAY.year - 120), "9434765870")):
        r = alice.post("/patients/new/", {**PATIENT, "date_of_birth": born, "nhs_number": nhs})
        assert r.status_code == 302, r.context["form"].errors
    assert Patient.objects.filter(given_name="Olwen").count() == 2


@pytest.mark.parametrize(("referred", "message"), BAD_REFERRALS)
def test_the_api_refuses_an_implausible_referral_date(
    api_a, episode_a, nothing_written, referred, message
):
    url = f"/api/v1/patients/{episode_a.patient_id}/episodes"
    r = api_a.post(url, {**EPISODE, "referral_date": referred})
    assert _api_problem(r) == ("referral_date", message)


@pytest.mark.parametrize(("referred", "message"), BAD_REFERRALS)
def test_the_api_refuses_an_implausible_referral_date_on_update(
    api_a, episode_a, nothing_written, referred, message
):
    r = api_a.patch(f"/api/v1/episodes/{episode_a.pk}", {"referral_date": referred})
    assert _api_problem(r) == ("referral_date", message)


@pytest.mark.parametrize(("referred", "message"), BAD_REFERRALS)
def test_the_form_refuses_an_implausible_referral_date(
    alice, episode_a, nothing_written, referred, message
):
    r = alice.post(
        f"/patients/{episode_a.patient_id}/episodes/new/", {**EPISODE, "referral_date": referred}
    )
    assert _form_errors(r, "referral_date") == [message]


@pytest.mark.parametrize("weeks", [-1, 521])
def test_conservative_care_weeks_are_bounded_on_the_referral_form(
    alice, episode_a, nothing_written, weeks
):
    r = alice.post(
        f"/patients/{episode_a.patient_id}/episodes/new/",
        {**EPISODE, "conservative_care_weeks": weeks},
    )
    assert _form_errors(r, "conservative_care_weeks")
