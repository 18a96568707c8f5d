"""Every mapper's output validates as FHIR, and carries the codes of the codes file."""

from __future__ import annotations

from typing import Any

import pytest

from spinepath.clinical.coding import codebook
from spinepath.fhir.mappers.condition import condition
from spinepath.fhir.mappers.patient import patient as patient_resource
from spinepath.fhir.resources import instruments_in_force, patient_resources, references
from spinepath.fhir.tests.validate import validate
from spinepath.fhir.tests.world import populated_episode
from spinepath.questionnaires.models import LicensedWording

pytestmark = pytest.mark.django_db


@pytest.fixture
def everything(episode_a: Any, clinician_a: Any, physio_a: Any) -> list[dict[str, Any]]:
    populated_episode(episode_a, clinician_a, physio_a)
    return patient_resources(episode_a.patient)


def test_every_resource_of_a_populated_episode_validates(everything: list[dict[str, Any]]) -> None:
    kinds = {r["resourceType"] for r in everything}
    assert kinds >= {
        "Patient",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "EpisodeOfCare",
        "Condition",
        "ServiceRequest",
        "Consent",
        "Procedure",
        "MedicationAdministration",
        "Observation",
        "QuestionnaireResponse",
        "CarePlan",
    }
    for resource in everything:
        validate(resource)


def test_every_reference_resolves_inside_the_set(everything: list[dict[str, Any]]) -> None:
    present = {f"{r['resourceType']}/{r['id']}" for r in everything}
    assert set(references(everything)) <= present
    assert len(present) == len(everything)


def test_patient_carries_the_nhs_number_in_the_nhs_system(patient_a: Any) -> None:
    resource = patient_resource(patient_a)
    assert resource["identifier"][0] == {
        "system": "https://fhir.nhs.uk/Id/nhs-number",
        "value": "9434765919",
    }
    validate(resource)


def test_condition_codes_come_from_the_codes_file_and_follow_back_pain(episode_a: Any) -> None:
    with_back_pain = condition(episode_a, back_pain=True)["code"]["coding"]
    without = condition(episode_a, back_pain=False)["code"]["coding"]
    icd10 = codebook().icd10
    assert [c["code"] for c in with_back_pain if c["system"] == icd10] == ["M54.4"]
    assert [c["code"] for c in without if c["system"] == icd10] == ["M54.3"]
    assert {"system": codebook().snomed, "code": "23056005", "display": "Sciatica"} in without
    assert condition(episode_a)["bodySite"][0]["coding"][0]["code"] == "7771000"


def test_procedure_has_site_side_performer_complication_and_cpt(
    episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    record = populated_episode(episode_a, clinician_a, physio_a)
    from spinepath.fhir.mappers.medication_administration import medication_administrations
    from spinepath.fhir.mappers.procedure import procedure

    resource = procedure(record)
    codes = {c["code"] for c in resource["code"]["coding"]}
    assert {"transforaminal_epidural", "64483"} <= codes
    assert resource["bodySite"][0]["text"] == "L4/L5 left"
    assert resource["performer"][0]["actor"]["reference"] == f"Practitioner/{clinician_a.pk}"
    assert resource["complication"][0]["coding"][0]["code"] == "vasovagal"
    steroid, anaesthetic = medication_administrations(record)
    assert steroid["dosage"]["dose"] == {
        "value": 8,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert steroid["dosage"]["route"]["coding"][0]["code"] == "epidural"
    assert anaesthetic["dosage"]["text"] == "Lidocaine 1% 2 mL"


def test_questionnaires_carry_licensed_wording_only_when_loaded(db: Any) -> None:
    odi = next(q for q in instruments_in_force() if q["id"] == "odi")
    validate(odi)
    assert all("text" not in item for item in odi["item"])
    nrs = next(q for q in instruments_in_force() if q["id"] == "nrs-leg")
    assert "leg pain" in nrs["item"][0]["text"]
    wording = {
        f"s{n}": {"text": f"Section {n} wording", "options": [f"Option {v}" for v in range(6)]}
        for n in range(1, 11)
    }
    LicensedWording.objects.create(instrument="odi", wording=wording, source_name="odi.toml")
    odi = next(q for q in instruments_in_force() if q["id"] == "odi")
    validate(odi)
    assert odi["item"][0]["text"] == "Section 1 wording"
