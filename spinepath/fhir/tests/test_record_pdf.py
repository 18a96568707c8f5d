"""A subject access request: everything held about a patient as a readable PDF, drawn from the
same resources as the FHIR Bundle; clinic staff only, audited as an export."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from spinepath.fhir.record_pdf import sections
from spinepath.fhir.resources import patient_resources
from spinepath.fhir.tests.world import populated_episode
from spinepath.testing import audit_events

pytestmark = pytest.mark.django_db


def _text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_a_clinician_downloads_everything_held_in_words_and_it_is_audited(
    client: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    populated_episode(episode_a, clinician_a, physio_a)
    patient = episode_a.patient
    client.force_login(clinician_a)
    response = client.get(f"/patients/{patient.pk}/record.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert str(patient.pk) not in response["Content-Disposition"]
    text = _text(response.content)
    assert f"Everything spinepath holds about {patient.full_name}" in text
    resources = patient_resources(patient)
    drawn = sections(resources)
    assert len(drawn) == len(resources)
    for section in drawn:
        assert section.title in text
    assert "Felt faint; settled lying flat." in text  # the complication's own words
    (event,) = audit_events(action="export", user=clinician_a)
    assert event.detail["resources"] == len(resources)


def test_another_clinics_patient_and_an_analyst_are_refused(
    client: Any, patient_b: Any, clinician_a: Any, analyst_a: Any, patient_a: Any
) -> None:
    client.force_login(clinician_a)
    assert client.get(f"/patients/{patient_b.pk}/record.pdf").status_code == 404
    client.force_login(analyst_a)
    assert client.get(f"/patients/{patient_a.pk}/record.pdf").status_code == 403
    assert not audit_events(action="export")


def test_each_resource_is_one_section_with_codes_and_dates_in_words() -> None:
    found = sections(
        [
            {
                "resourceType": "Procedure",
                "id": "p1",
                "meta": {"lastUpdated": "2026-01-02T10:00:00Z"},
                "status": "completed",
                "code": {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "1",
                            "display": "Caudal epidural",
                        }
                    ]
                },
                "performedDateTime": "2026-03-04T09:30:00+00:00",
                "subject": {"reference": "Patient/x"},
            },
            {"resourceType": "Patient", "id": "x", "birthDate": "1960-05-01", "active": True},
        ]
    )
    assert [s.kind for s in found] == ["Patient", "Procedure"]
    assert found[0].rows == [("Birth date", "1 May 1960"), ("Active", "yes")]
    rows = dict(found[1].rows)
    assert rows["Code · Coding"] == "Caudal epidural"
    assert rows["Performed date time"] == "4 March 2026, 09:30"
    assert rows["Subject"] == "Patient"
    assert "Meta" not in " ".join(rows) and "p1" not in rows.values()


def test_a_questionnaire_response_reads_as_questions_and_chosen_answers() -> None:
    from spinepath.fhir.mappers.questionnaire import questionnaire_url

    found = sections(
        [
            {
                "resourceType": "QuestionnaireResponse",
                "id": "r1",
                "questionnaire": questionnaire_url("pgic") + "|1",
                "status": "completed",
                "item": [{"linkId": "score", "answer": [{"valueInteger": 1}]}],
            },
            {
                "resourceType": "QuestionnaireResponse",
                "id": "r2",
                "questionnaire": "http://example.org/Questionnaire/unknown",
                "item": [{"linkId": "s1", "answer": [{"valueInteger": 2}]}],
            },
        ]
    )
    known, unknown = (dict(section.rows) for section in found)
    assert known["Questionnaire"] == "Patient Global Impression of Change"
    assert known["Overall change"] == "1 (Very much improved)"
    assert "Item · Link id" not in known
    # A questionnaire this service does not define is shown as stored, never guessed at.
    assert unknown["Item · Link id"] == "s1"
