"""Every resource spinepath produces for the demo validates (fhir.resources R4B): each patient's
``$everything`` over HTTP, and each clinic's Bulk Data export as the worker writes it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import Any

import pytest

from spinepath.accounts.models import Clinic
from spinepath.demo.seed import build_demo
from spinepath.fhir import export
from spinepath.fhir.models import ExportJob
from spinepath.fhir.resources import references
from spinepath.fhir.tests.validate import validate
from spinepath.patients.models import Patient
from spinepath.testing import api_client_for

TODAY = date(2026, 11, 24)
STAFF_AND_CLINIC = ("Practitioner", "PractitionerRole", "Organization", "Questionnaire")


@pytest.fixture(scope="module")
def built(module_db: None) -> Any:
    """Built once for the module: its tests only read it (each test's own writes roll back)."""
    return build_demo(patients=30, seed=7, today=TODAY)


@pytest.fixture
def world(built: Any, db: Any, settings: Any, tmp_path: Any) -> Any:
    settings.SPINEPATH_FHIR_EXPORT_DIR = tmp_path / "exports"
    return built


def _everything(client: Any, world: Any) -> dict[str, list[dict[str, Any]]]:
    """Each demo patient's ``$everything`` resources, by patient id."""
    found = {}
    for patient in Patient.objects.select_related("clinic").order_by("pk"):
        clinician = world.staff[(patient.clinic.code, "clinician")]
        response = api_client_for(client, clinician).get(f"/fhir/Patient/{patient.pk}/$everything")
        assert response.status_code == 200, response.content
        bundle = response.json()
        validate(bundle)
        found[str(patient.pk)] = [entry["resource"] for entry in bundle["entry"]]
    return found


def test_every_resource_of_every_demo_patients_everything_validates(
    client: Any, world: Any
) -> None:
    everything = _everything(client, world)
    assert len(everything) == Patient.objects.count() >= 30
    kinds: Counter[str] = Counter()
    for patient_id, resources in everything.items():
        inside = {f"{r['resourceType']}/{r['id']}" for r in resources}
        for resource in resources:
            validate(resource)
            kinds[resource["resourceType"]] += 1
            # Every reference resolves inside the bundle (staff and clinic are in it too).
            for reference in references(resource):
                assert reference in inside, (patient_id, resource["id"], reference)
    # The demo exercises every kind of resource a patient's record holds.
    patient_kinds = set(export.EXPORTED) - {"Questionnaire"}
    assert patient_kinds <= set(kinds), patient_kinds - set(kinds)


def _bulk(clinic: Clinic, admin: Any) -> dict[str, list[dict[str, Any]]]:
    job = ExportJob.objects.create(clinic=clinic, requested_by=admin, types=list(export.EXPORTED))
    export.export_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COMPLETE, job.error
    files: dict[str, list[dict[str, Any]]] = {}
    for entry in job.output:
        text = (job.directory / export.file_name(entry["type"])).read_text(encoding="utf-8")
        files[entry["type"]] = [json.loads(line) for line in text.splitlines()]
        assert len(files[entry["type"]]) == entry["count"]
    return files


def test_every_resource_of_every_demo_clinics_bulk_export_validates(
    client: Any, world: Any
) -> None:
    everything = _everything(client, world)
    for clinic in Clinic.objects.filter(patients__isnull=False).distinct():
        files = _bulk(clinic, world.staff[(clinic.code, "admin")])
        exported: set[str] = set()
        for kind, lines in files.items():
            for resource in lines:
                assert resource["resourceType"] == kind
                validate(resource)
                exported.add(f"{kind}/{resource['id']}")
        # The bulk files hold exactly the clinic's patients' records, the same resources their
        # $everything bundles hold (staff, clinic and questionnaires aside: all of them).
        theirs = {
            f"{r['resourceType']}/{r['id']}"
            for patient in clinic.patients.all()
            for r in everything[str(patient.pk)]
            if r["resourceType"] not in STAFF_AND_CLINIC
        }
        assert {e for e in exported if e.split("/")[0] not in STAFF_AND_CLINIC} == theirs
        assert len(files["Patient"]) == clinic.patients.count()
