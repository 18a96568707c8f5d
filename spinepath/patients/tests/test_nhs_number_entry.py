"""NHS numbers are checked wherever they are typed: the registration form and the API."""

import re

import pytest

from spinepath.patients.forms import PatientForm
from spinepath.patients.models import Patient
from spinepath.testing import make_patient

CHECK_DIGIT = "This NHS number fails its check digit"
FORM = {
    "given_name": "Olwen",
    "family_name": "Pritchard",
    "date_of_birth": "1961-03-09",
    "sex": "female",
    "preferred_language": "en",
}
BODY = {"given_name": "Olwen", "family_name": "Pritchard", "date_of_birth": "1961-03-09"}


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def _form(clinic, nhs):
    return PatientForm({**FORM, "nhs_number": nhs}, instance=Patient(clinic=clinic))


@pytest.mark.parametrize("typed", ["9434765919", "943 476 5919", "943-476-5919"])
def test_the_form_accepts_a_valid_number_however_it_is_typed(clinic_a, typed):
    form = _form(clinic_a, typed)
    assert form.is_valid(), form.errors
    assert form.save().nhs_number == "9434765919"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("9434765918", CHECK_DIGIT),
        ("1234567890", CHECK_DIGIT),
        ("943476591", "exactly 10 digits"),
        ("94347659190", "exactly 10 digits"),
        ("943476591O", "exactly 10 digits"),
        ("943 476 591²", "exactly 10 digits"),
    ],
)
def test_the_form_rejects_an_invalid_number_with_a_clear_message(clinic_a, typed, message):
    form = _form(clinic_a, typed)
    assert not form.is_valid()
    assert message in " ".join(form.errors["nhs_number"])


def test_the_registration_page_shows_the_check_digit_message(alice, clinic_a):
    r = alice.post("/patients/new/", {**FORM, "nhs_number": "943 476 5918"})
    assert r.status_code == 200
    body = r.content.decode()
    assert "There is a problem" in body
    assert f'<a href="#id_nhs_number">NHS number: {CHECK_DIGIT}' in body
    assert 'value="943 476 5918"' in body  # what was typed is kept for correcting
    assert not clinic_a.patients.exists()


def test_the_registration_page_accepts_a_number_typed_with_spaces(alice, clinic_a):
    r = alice.post("/patients/new/", {**FORM, "nhs_number": "943 476 5919"})
    patient = clinic_a.patients.get()
    assert r.status_code == 302
    assert r.url == f"/patients/{patient.pk}/episodes/new/"
    assert patient.nhs_number == "9434765919"


def test_the_nhs_number_box_has_room_for_spaces():
    html = str(PatientForm()["nhs_number"])
    maxlength = int(re.search(r'maxlength="(\d+)"', html).group(1))
    assert maxlength >= len("943 476 5919")


def test_the_api_accepts_a_valid_number_with_spaces(api_a, clinic_a):
    r = api_a.post("/api/v1/patients", {**BODY, "sex": "female", "nhs_number": "943 476 5919"})
    assert r.status_code == 201, r.content
    assert r.json()["nhs_number"] == "9434765919"
    assert clinic_a.patients.get().nhs_number == "9434765919"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("9434765918", CHECK_DIGIT),
        ("1234567891", CHECK_DIGIT),
        ("12345", "exactly 10 digits"),
        ("943476591x", "exactly 10 digits"),
        ("943476591²", "exactly 10 digits"),
    ],
)
def test_the_api_rejects_an_invalid_number_naming_the_field(api_a, clinic_a, typed, message):
    r = api_a.post("/api/v1/patients", {**BODY, "sex": "female", "nhs_number": typed})
    assert r.status_code == 422
    errors = r.json()["detail"]
    assert {e["field"] for e in errors} == {"nhs_number"}
    assert any(message in e["msg"] for e in errors)
    assert not clinic_a.patients.exists()


def test_the_api_rejects_an_invalid_number_in_an_update(api_a, patient_a):
    r = api_a.patch(f"/api/v1/patients/{patient_a.pk}", {"nhs_number": "9434765918"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == "nhs_number"
    patient_a.refresh_from_db()
    assert patient_a.nhs_number == "9434765919"


def test_the_same_number_may_be_registered_in_two_clinics(api_a, clinic_b):
    make_patient(clinic_b, nhs_number="4010232137")
    r = api_a.post("/api/v1/patients", {**BODY, "sex": "female", "nhs_number": "4010232137"})
    assert r.status_code == 201
