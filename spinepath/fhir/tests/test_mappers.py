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


def _strings(value: Any, key: str = "") -> Any:
    """(key, string) for every string anywhere inside ``value``."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


@pytest.mark.django_db
def test_the_canonical_base_setting_is_every_own_system_and_identifier(
    settings: Any, episode_a: Any, clinician_a: Any, physio_a: Any
) -> None:
    default = codebook().fhir.systems["local"]
    settings.SPINEPATH_FHIR_CANONICAL_BASE = base = "https://fhir.trust.test/spinepath"
    populated_episode(episode_a, clinician_a, physio_a)
    resources = patient_resources(episode_a.patient) + instruments_in_force()
    found = [(k, v) for r in resources for k, v in _strings(r)]
    assert not [v for _, v in found if default in v]
    own = {v for k, v in found if k in ("system", "questionnaire") and v.startswith(base + "/")}
    # Code systems (conditions, instruments, routes, roles), identifiers and Questionnaires.
    assert {v.split("/")[4] for v in own} == {"CodeSystem", "Id", "Questionnaire"}
    assert f"{base}/CodeSystem/route" in own
    assert f"{base}/Id/clinic" in own
    # The standard systems stay as they are.
    assert codebook().systems["snomed"] in {v for k, v in found if k == "system"}
    assert [validate(r) for r in resources]


def test_a_canonical_base_that_is_not_an_absolute_url_stops_start_up(settings: Any) -> None:
    from spinepath.fhir.apps import canonical_base_check

    settings.SPINEPATH_FHIR_CANONICAL_BASE = "https://fhir.trust.test/spinepath"
    assert canonical_base_check() == []
    for bad in ("fhir.trust.test", "/fhir", "https://fhir.trust.test/x?y=1", ""):
        settings.SPINEPATH_FHIR_CANONICAL_BASE = bad
        assert [m.id for m in canonical_base_check()] == ["fhir.E001"], bad
