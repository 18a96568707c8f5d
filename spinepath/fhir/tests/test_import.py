"""POST /fhir: a referral Bundle opens an episode through the workflows; all or nothing."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from spinepath.accounts.models import AuditEvent
from spinepath.fhir.tests.validate import validate
from spinepath.patients.models import Episode, Patient
from spinepath.testing import api_client_for, audit_events

pytestmark = pytest.mark.django_db

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ICD10 = "http://hl7.org/fhir/sid/icd-10"


def referral_bundle(**patient_changes: Any) -> dict[str, Any]:
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": NHS, "value": "943 476 5870"}],
        "name": [{"use": "official", "family": "Okafor", "given": ["Grace"]}],
        "gender": "female",
        "birthDate": "1968-03-02",
    }
    patient.update(patient_changes)
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0",
                "resource": {
                    "resourceType": "Condition",
                    "subject": {"reference": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},
                    "code": {"coding": [{"system": ICD10, "code": "M48.06"}]},
                    "bodySite": [
                        {"coding": [{"system": "http://snomed.info/sct", "code": "51440002"}]}
                    ],
                },
                "request": {"method": "POST", "url": "Condition"},
            },
            {
                "fullUrl": "urn:uuid:8a1a7c3e-1c1b-4a55-9d0d-7d8b9a3f8e11",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "active",
                    "intent": "order",
                    "subject": {"reference": "urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a"},
                    "reasonReference": [
                        {"reference": "urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0"}
                    ],
                    "authoredOn": "2026-10-20",
                    "requester": {"display": "Dr Patel, Leeds GP"},
                    "note": [{"text": "Claudication, 200 yards, for an injection opinion."}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


def counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Episode.objects.count(), AuditEvent.objects.count()


def outcome(response: Any, status: int) -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    validate(body)
    return body["issue"]


def test_a_referral_registers_the_patient_and_opens_an_episode(
    api_a: Any, clinician_a: Any, clinic_a: Any
) -> None:
    response = api_a.post("/fhir", referral_bundle())
    assert response.status_code == 200, response.content
    body = response.json()
    validate(body)
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 3
    patient = Patient.objects.get()
    assert (patient.clinic, patient.nhs_number, patient.family_name) == (
        clinic_a,
        "9434765870",
        "Okafor",
    )
    episode = Episode.objects.get()
    assert (episode.stage, episode.condition, episode.laterality) == (
        "referred",
        "spinal_stenosis",
        "bilateral",
    )
    assert episode.referral_date == dt.date(2026, 10, 20)
    assert episode.referrer_name == "Dr Patel, Leeds GP"
    assert body["entry"][2]["response"]["location"] == f"ServiceRequest/{episode.pk}"
    assert [(e.action, e.model, e.channel) for e in audit_events(user=clinician_a)] == [
        ("create", "patients.Patient", "api"),
        ("create", "patients.Episode", "api"),
    ]


def test_importing_the_same_bundle_again_matches_rather_than_duplicates(api_a: Any) -> None:
    assert api_a.post("/fhir", referral_bundle()).status_code == 200
    again = api_a.post("/fhir", referral_bundle())
    assert [e["response"]["status"] for e in again.json()["entry"]] == ["200 OK"] * 3
    assert (Patient.objects.count(), Episode.objects.count()) == (1, 1)


def test_a_patient_without_nhs_number_is_matched_by_family_name_and_birth_date(
    api_a: Any, patient_a: Any
) -> None:
    bundle = referral_bundle(
        identifier=[], name=[{"family": "JONES", "given": ["Mary"]}], birthDate="1970-05-17"
    )
    assert api_a.post("/fhir", bundle).status_code == 200
    assert Patient.objects.count() == 1
    assert Episode.objects.get().patient == patient_a


def test_another_clinics_patient_is_never_matched(api_a: Any, patient_b: Any) -> None:
    bundle = referral_bundle(identifier=[{"system": NHS, "value": patient_b.nhs_number}])
    assert api_a.post("/fhir", bundle).status_code == 200
    assert Patient.objects.count() == 2
    assert Episode.objects.get().patient.clinic_id != patient_b.clinic_id


def test_malformed_json_is_a_400_outcome_and_writes_nothing(api_a: Any, patient_a: Any) -> None:
    before = counts()
    issues = outcome(api_a.post("/fhir", '{"resourceType": "Bundle",'), 400)
    assert issues[0]["code"] == "structure"
    assert counts() == before


def test_a_body_that_is_not_a_bundle_is_refused(api_a: Any) -> None:
    issues = outcome(api_a.post("/fhir", {"resourceType": "Patient"}), 400)
    assert issues[0]["expression"] == ["Bundle.resourceType"]
    assert counts() == (0, 0, 0)


def test_every_problem_is_named_and_nothing_is_written(api_a: Any, patient_a: Any) -> None:
    bundle = referral_bundle(identifier=[], name=[])
    bundle["type"] = "batch"
    bundle["entry"][2]["resource"]["reasonReference"] = [{"reference": "urn:uuid:missing"}]
    bundle["entry"].append({"resource": {"resourceType": "Observation", "status": "final"}})
    before = counts()
    issues = outcome(api_a.post("/fhir", bundle), 422)
    where = {(i["code"], i["expression"][0]) for i in issues}
    assert where == {
        ("invalid", "Bundle.type"),
        ("required", "Bundle.entry[0].resource"),
        ("not-found", "Bundle.entry[2].resource.reasonReference[0]"),
        ("not-supported", "Bundle.entry[3].resource.resourceType"),
    }
    assert counts() == before


def test_a_subject_that_is_not_in_the_bundle_is_refused(api_a: Any) -> None:
    bundle = referral_bundle()
    bundle["entry"][2]["resource"]["subject"] = {"reference": "Patient/elsewhere"}
    issues = outcome(api_a.post("/fhir", bundle), 422)
    assert ("not-found", ["Bundle.entry[2].resource.subject"]) in [
        (i["code"], i.get("expression")) for i in issues
    ]
    assert counts() == (0, 0, 0)


def test_a_problem_found_while_writing_leaves_nothing_behind(api_a: Any) -> None:
    bundle = referral_bundle()
    bundle["entry"][2]["resource"]["authoredOn"] = "2099-01-01"  # after today: the model refuses
    issues = outcome(api_a.post("/fhir", bundle), 422)
    assert issues[0]["expression"] == ["Bundle.entry[2].resource.authoredOn"]
    assert counts() == (0, 0, 0)  # the patient registered first was rolled back too


def test_an_unknown_condition_code_is_refused(api_a: Any) -> None:
    bundle = referral_bundle()
    bundle["entry"][1]["resource"]["code"] = {"coding": [{"system": ICD10, "code": "Z99.9"}]}
    issues = outcome(api_a.post("/fhir", bundle), 422)
    assert issues[0]["code"] == "code-invalid"


def test_nul_characters_are_refused_before_anything_is_read(api_a: Any) -> None:
    bundle = referral_bundle(name=[{"family": "Ok\u0000afor", "given": ["G"]}])
    outcome(api_a.post("/fhir", bundle), 400)


def test_round_trip_export_then_import_keeps_patient_condition_and_referral(
    api_a: Any, episode_a: Any, client: Any, clinician_b: Any
) -> None:
    exported = api_a.get(f"/fhir/Patient/{episode_a.patient_id}/$everything").json()
    wanted = {"Patient", "Condition", "ServiceRequest"}
    entries = [
        copy.deepcopy(e) for e in exported["entry"] if e["resource"]["resourceType"] in wanted
    ]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    api_b = api_client_for(client, clinician_b)
    assert api_b.post("/fhir", bundle).status_code == 200, "imported into clinic B"
    copied = Episode.objects.exclude(pk=episode_a.pk).get()
    original = episode_a
    assert copied.patient.clinic == clinician_b.clinic
    for name in ("condition", "laterality", "referral_source", "referral_date", "referral_reason"):
        assert getattr(copied, name) == getattr(original, name), name
    for name in ("given_name", "family_name", "date_of_birth", "sex", "nhs_number", "email"):
        assert getattr(copied.patient, name) == getattr(original.patient, name), name
    back = api_b.get(f"/fhir/Patient/{copied.patient_id}/$everything").json()

    def comparable(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
        resource = next(
            e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind
        )
        return {
            k: v
            for k, v in resource.items()
            if k
            in (
                "code",
                "bodySite",
                "category",
                "authoredOn",
                "note",
                "name",
                "identifier",
                "birthDate",
            )
        }

    for kind in ("Condition", "ServiceRequest"):
        assert comparable(back, kind) == comparable(exported, kind), kind
    assert (
        comparable(back, "Patient")["identifier"][0]
        == comparable(exported, "Patient")["identifier"][0]
    )


def test_shapes_fhir_does_not_allow_are_named_not_crashed_on(api_a: Any) -> None:
    bundle = referral_bundle(identifier="9434765870", name="Okafor", telecom=[3])
    bundle["entry"][2]["resource"]["reasonReference"] = "Condition/1"
    issues = outcome(api_a.post("/fhir", bundle), 422)
    assert {i["code"] for i in issues} == {"structure"}
    where = {i["expression"][0] for i in issues}
    assert "Bundle.entry[0].resource.identifier" in where
    assert "Bundle.entry[2].resource.reasonReference" in where
    assert counts() == (0, 0, 0)


def test_odd_ids_in_the_address_are_404_outcomes(api_a: Any) -> None:
    for path in ("/fhir/Procedure/%C2%B2", "/fhir/Patient/%00", "/fhir/Patient/%00/$everything"):
        response = api_a.get(path)
        assert response.status_code == 404, path
        assert response.json()["resourceType"] == "OperationOutcome"
