"""Two requests registering the same NHS number at once: the loser gets a message, not a 500."""

import pytest
from django.core.exceptions import ValidationError

from spinepath.patients.models import Patient


def test_a_duplicate_that_slipped_past_validation_is_explained(patient_a):
    twin = Patient(
        clinic=patient_a.clinic,
        given_name="Mary",
        family_name="Jones",
        date_of_birth=patient_a.date_of_birth,
        sex="female",
        nhs_number=patient_a.nhs_number,
    )
    with pytest.raises(ValidationError) as raised:
        twin.save_or_explain()
    assert "nhs_number" in raised.value.message_dict
    assert Patient.objects.count() == 1


def test_the_api_answers_a_race_with_a_422_naming_the_field(api_a, patient_a, monkeypatch):
    # Skip the pre-save validation, as a concurrent request that validated first would have.
    monkeypatch.setattr("spinepath.patients.api.api_helpers.full_clean", lambda *a, **k: None)
    body = {
        "given_name": "Mary",
        "family_name": "Jones",
        "date_of_birth": "1970-05-17",
        "sex": "female",
        "nhs_number": patient_a.nhs_number,
    }
    response = api_a.post("/api/v1/patients", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["nhs_number"]
    assert Patient.objects.count() == 1


def test_a_distinct_patient_still_saves(patient_a):
    other = Patient(
        clinic=patient_a.clinic,
        given_name="Ann",
        family_name="Jones",
        date_of_birth=patient_a.date_of_birth,
        sex="female",
        nhs_number="4010232137",
    )
    other.save_or_explain()
    assert Patient.objects.filter(pk=other.pk).exists()
