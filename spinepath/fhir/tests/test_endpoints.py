"""GET /fhir/metadata, /fhir/{type}/{id} and /fhir/Patient/{id}/$everything: FHIR JSON, staff
only, clinic-scoped, audited; every refusal an OperationOutcome."""

from __future__ import annotations

from typing import Any

import pytest

from spinepath.fhir.resources import references
from spinepath.fhir.tests.validate import validate
from spinepath.fhir.tests.world import populated_episode
from spinepath.testing import api_client_for, audit_events

pytestmark = pytest.mark.django_db


def outcome(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    validate(body)
    return body


def test_metadata_is_a_capability_statement(api_a: Any) -> None:
    response = api_a.get("/fhir/metadata")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    body = response.json()
    assert body["fhirVersion"] == "4.0.1"
    validate(body)


def test_no_token_is_a_401_outcome(client: Any, patient_a: Any) -> None:
    outcome(client.get("/fhir/metadata"), 401)
    outcome(client.get(f"/fhir/Patient/{patient_a.pk}"), 401)
    bad = client.get("/fhir/metadata", headers={"Authorization": "Bearer sp_wrong"})
    outcome(bad, 401)


def test_an_analyst_is_refused_and_the_refusal_is_audited(
    client: Any, analyst_a: Any, patient_a: Any
) -> None:
    api = api_client_for(client, analyst_a)
    outcome(api.get(f"/fhir/Patient/{patient_a.pk}"), 403)
    assert [e.action for e in audit_events(user=analyst_a)] == ["denied"]


def test_a_patient_is_read_and_the_read_audited(
    api_a: Any, patient_a: Any, clinician_a: Any
) -> None:
    response = api_a.get(f"/fhir/Patient/{patient_a.pk}")
    assert response.status_code == 200
    body = response.json()
    validate(body)
    assert body["id"] == str(patient_a.pk)
    events = audit_events(user=clinician_a, action="read")
    assert [(e.model, e.patient_id, e.channel) for e in events] == [
        ("patients.Patient", str(patient_a.pk), "api")
    ]


def test_another_clinics_patient_is_a_404_and_audited_as_denied(
    api_a: Any, patient_b: Any, episode_b: Any, clinician_a: Any
) -> None:
    outcome(api_a.get(f"/fhir/Patient/{patient_b.pk}"), 404)
    outcome(api_a.get(f"/fhir/EpisodeOfCare/{episode_b.pk}"), 404)
    outcome(api_a.get(f"/fhir/Patient/{patient_b.pk}/$everything"), 404)
    assert {e.action for e in audit_events(user=clinician_a)} == {"denied"}
    assert not audit_events(action="read")


def test_unknown_types_and_malformed_ids_are_404_outcomes(api_a: Any) -> None:
    outcome(api_a.get("/fhir/Spaceship/1"), 404)
    outcome(api_a.get("/fhir/Patient/not-a-uuid"), 404)
    outcome(api_a.get("/fhir/Procedure/99999999999999999999999"), 404)
    outcome(api_a.get("/fhir/Observation/tp-1-x"), 404)
    outcome(api_a.get("/fhir/MedicationAdministration/abc-steroid"), 404)


def test_a_write_method_on_a_read_is_a_405_outcome(api_a: Any, patient_a: Any) -> None:
    outcome(api_a.post(f"/fhir/Patient/{patient_a.pk}", {}), 405)


def test_everything_resolves_every_reference_and_each_entry_reads_back(
    api_a: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    populated_episode(episode_a, clinician_a, physio_a)
    response = api_a.get(f"/fhir/Patient/{episode_a.patient_id}/$everything")
    assert response.status_code == 200
    bundle = response.json()
    validate(bundle)
    present = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    assert set(references(bundle)) <= present
    assert [e.action for e in audit_events(user=clinician_a, model="patients.Patient")] == [
        "export"
    ]
    for key in sorted(present):
        if key.startswith("Questionnaire/"):
            continue
        read = api_a.get(f"/fhir/{key}")
        assert read.status_code == 200, key
        entry = next(e for e in bundle["entry"] if e["fullUrl"].endswith("/" + key))
        assert read.json() == entry["resource"], key


def test_a_clinician_downloads_the_bundle_with_the_session(
    client: Any, clinician_a: Any, patient_a: Any
) -> None:
    client.force_login(clinician_a)
    response = client.get(f"/fhir/Patient/{patient_a.pk}/$everything?download=1")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response.json()["entry"][0]["resource"]["resourceType"] == "Patient"


def test_no_record_below_another_clinics_episode_is_read_and_each_try_is_audited(
    api_a: Any, client: Any, episode_a: Any, clinician_a: Any, physio_a: Any, clinician_b: Any
) -> None:
    populated_episode(episode_a, clinician_a, physio_a)
    bundle = api_a.get(f"/fhir/Patient/{episode_a.patient_id}/$everything").json()
    below = {
        "Consent",
        "Procedure",
        "MedicationAdministration",
        "QuestionnaireResponse",
        "Observation",
        "CarePlan",
    }
    keys = sorted(
        f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle["entry"]
        if e["resource"]["resourceType"] in below
    )
    # Baseline and follow-up answers and scores, each kind of record below the episode.
    assert {k.split("/")[0] for k in keys} == below
    assert any("/tp-" in k for k in keys) and any("/qr-" in k for k in keys)
    api_b = api_client_for(client, clinician_b)
    for key in keys:
        outcome(api_b.get(f"/fhir/{key}"), 404)
    denied = audit_events(user=clinician_b)
    assert [e.action for e in denied] == ["denied"] * len(keys)
    assert not audit_events(user=clinician_b, action="read")
