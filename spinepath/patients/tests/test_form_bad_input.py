"""Bad input in the staff forms re-renders the page with an error summary and saves nothing."""

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.patients.models import Episode, Patient, TimelineEvent
from spinepath.testing import make_patient

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


def _everything():
    return (
        [model.objects.count() for model in (TimelineEvent, AuditEvent)],
        list(Patient.objects.order_by("pk").values()),
        list(Episode.objects.order_by("pk").values()),
    )


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


@pytest.fixture
def nothing_written(episode_a):
    """Fails the test if the request wrote anything at all. List it after set-up fixtures."""
    before = _everything()
    yield
    assert _everything() == before


def _problems(response):
    """The error summary's lines, after checking the page came back as a form to correct."""
    assert response.status_code == 200
    assert response.context["form"].errors
    body = response.content.decode()
    assert '<div class="error-summary" role="alert"' in body
    assert "There is a problem" in body
    return body


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("given_name", "", "Given name: This field is required."),
        ("date_of_birth", "17/05/1970x", "Date of birth: Enter a valid date."),
        ("sex", "alien", "Sex: Select a valid choice."),
        ("nhs_number", "9434765918", "NHS number: This NHS number fails its check digit"),
        ("email", "mary@", "Email: Enter a valid email address."),
        ("preferred_language", "klingon", "Preferred language: Select a valid choice."),
        ("given_name", "Ol\x00wen", "Given name: Null characters are not allowed."),
    ],
)
def test_registering_with_a_bad_value_names_it(alice, nothing_written, field, value, message):
    body = _problems(alice.post("/patients/new/", {**PATIENT, field: value}))
    assert message in body


def test_registering_without_nhs_number_or_mrn_says_what_is_needed(alice, nothing_written):
    body = _problems(alice.post("/patients/new/", {**PATIENT, "nhs_number": "", "mrn": ""}))
    assert "NHS number: Give an NHS number, a local MRN, or both." in body


def test_registering_a_duplicate_nhs_number_is_refused(alice, nothing_written):
    # Used to reach the database as an IntegrityError: the form has no clinic field, so
    # Django skipped the per-clinic uniqueness check.
    body = _problems(alice.post("/patients/new/", {**PATIENT, "nhs_number": "943 476 5919"}))
    assert "NHS number: Another patient in this clinic has this NHS number." in body


@pytest.fixture
def patient_with_mrn(clinic_a):
    return make_patient(clinic_a, nhs_number="", mrn="RX100")


def test_registering_a_duplicate_mrn_is_refused(alice, patient_with_mrn, nothing_written):
    body = _problems(alice.post("/patients/new/", {**PATIENT, "mrn": " RX100 "}))
    assert "MRN: Another patient in this clinic has this MRN." in body


def test_registering_another_clinics_nhs_number_is_fine(alice, clinic_a, patient_b):
    r = alice.post("/patients/new/", PATIENT)
    assert r.status_code == 302
    assert clinic_a.patients.filter(nhs_number="4010232137").exists()


def test_editing_with_a_bad_value_saves_nothing(alice, episode_a, nothing_written):
    url = f"/patients/{episode_a.patient_id}/edit/"
    body = _problems(
        alice.post(url, {**PATIENT, "given_name": "Changed", "nhs_number": "9434765918"})
    )
    assert "This NHS number fails its check digit" in body


def test_editing_to_another_patients_nhs_number_is_refused(
    alice, patient_with_mrn, nothing_written
):
    url = f"/patients/{patient_with_mrn.pk}/edit/"
    body = _problems(alice.post(url, {**PATIENT, "nhs_number": "9434765919", "mrn": "RX100"}))
    assert "Another patient in this clinic has this NHS number." in body


def test_editing_away_both_identifiers_is_refused(alice, episode_a, nothing_written):
    url = f"/patients/{episode_a.patient_id}/edit/"
    body = _problems(alice.post(url, {**PATIENT, "nhs_number": "", "mrn": ""}))
    assert "Give an NHS number, a local MRN, or both." in body


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("condition", "migraine", "Condition: Select a valid choice."),
        ("referral_source", "", "Referral source: This field is required."),
        ("referral_date", "2026-13-01", "Referral date: Enter a valid date."),
        ("referral_reason", "   ", "Referral reason: This field is required."),
        ("conservative_care_weeks", "-1", "Conservative care weeks: Ensure this value is"),
        ("conservative_care_weeks", "six", "Conservative care weeks: Enter a whole number."),
    ],
)
def test_a_bad_referral_names_the_field(alice, episode_a, nothing_written, field, value, message):
    for url in (
        f"/patients/{episode_a.patient_id}/episodes/new/",
        f"/episodes/{episode_a.pk}/edit/",
    ):
        assert message in _problems(alice.post(url, {**EPISODE, field: value})), url


def test_a_referral_cannot_name_another_clinics_clinician(
    alice, clinician_b, episode_a, nothing_written
):
    body = {**EPISODE, "responsible_clinician": clinician_b.pk}
    for url in (
        f"/patients/{episode_a.patient_id}/episodes/new/",
        f"/episodes/{episode_a.pk}/edit/",
    ):
        assert "Responsible clinician: Select a valid choice." in _problems(alice.post(url, body))


def test_a_referral_cannot_name_a_physiotherapist_as_responsible_clinician(
    alice, physio_a, episode_a, nothing_written
):
    body = {**EPISODE, "responsible_clinician": physio_a.pk}
    r = alice.post(f"/patients/{episode_a.patient_id}/episodes/new/", body)
    assert "Responsible clinician: Select a valid choice." in _problems(r)


def test_an_empty_search_asks_for_a_term(alice, nothing_written):
    body = _problems(alice.post("/patients/search/", {"q": ""}))
    assert "This field is required." in body
