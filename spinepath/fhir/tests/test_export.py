"""Bulk Data export: kick-off (202 + Content-Location), status, NDJSON per type, by the worker;
only the clinic's administrators start it or download its files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from spinepath.fhir import export
from spinepath.fhir.models import ExportJob
from spinepath.fhir.tests.validate import validate
from spinepath.fhir.tests.world import populated_episode
from spinepath.testing import api_client_for, audit_events


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Any) -> Any:
    settings.SPINEPATH_FHIR_EXPORT_DIR = tmp_path / "exports"
    return settings.SPINEPATH_FHIR_EXPORT_DIR


def ndjson(response: Any) -> list[dict[str, Any]]:
    body = b"".join(response.streaming_content).decode()
    return [json.loads(line) for line in body.splitlines()]


@pytest.mark.django_db(transaction=True)
def test_an_admin_exports_the_clinic_and_the_worker_writes_ndjson_per_type(
    client: Any, admin_a: Any, clinician_a: Any, physio_a: Any, episode_a: Any, episode_b: Any
) -> None:
    populated_episode(episode_a, clinician_a, physio_a)
    api = api_client_for(client, admin_a)
    kicked = client.get("/fhir/$export", headers={"Prefer": "respond-async", **api.headers})
    assert kicked.status_code == 202, kicked.content
    status_url = kicked["Content-Location"]
    assert "/fhir/$export-status/" in status_url
    waiting = api.get(status_url)
    assert waiting.status_code == 202 and waiting["X-Progress"]

    call_command("run_worker", "--batch", "--no-startup-delay", verbosity=0)

    done = api.get(status_url)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True
    by_type = {f["type"]: f for f in manifest["output"]}
    assert set(by_type) == set(export.EXPORTED)
    seen: dict[str, list[dict[str, Any]]] = {}
    for kind, entry in by_type.items():
        response = api.get(entry["url"])
        assert response.status_code == 200
        assert response["Content-Type"] == "application/fhir+ndjson"
        seen[kind] = ndjson(response)
        assert len(seen[kind]) == entry["count"], kind
        for resource in seen[kind]:
            assert resource["resourceType"] == kind
            validate(resource)
    # Clinic A's patient only, never clinic B's.
    assert [p["id"] for p in seen["Patient"]] == [str(episode_a.patient_id)]
    assert [c["id"] for c in seen["Condition"]] == [str(episode_a.pk)]
    assert len(seen["MedicationAdministration"]) == 2
    events = audit_events(user=admin_a, action="export")
    assert len(events) == 1 + len(by_type)  # the kick-off, then each download


@pytest.mark.django_db
def test_only_an_administrator_may_start_an_export(client: Any, clinician_a: Any) -> None:
    response = api_client_for(client, clinician_a).get("/fhir/$export")
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert [e.action for e in audit_events(user=clinician_a)] == ["denied"]
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
def test_another_clinics_admin_sees_neither_status_nor_files(
    client: Any, admin_a: Any, admin_b: Any, patient_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    job = export.export_start(None, by=admin_a, types=["Patient"])
    export.export_run(str(job.pk))
    api_b = api_client_for(client, admin_b)
    assert api_b.get(f"/fhir/$export-status/{job.pk}").status_code == 404
    assert api_b.get(f"/fhir/$export-file/{job.pk}/Patient.ndjson").status_code == 404
    api_a = api_client_for(client, admin_a)
    assert api_a.get(f"/fhir/$export-file/{job.pk}/Patient.ndjson").status_code == 200
    assert api_a.get(f"/fhir/$export-file/{job.pk}/Observation.ndjson").status_code == 404
    assert api_a.get(f"/fhir/$export-file/{job.pk}/..%2F..%2Fsecret").status_code == 404


@pytest.mark.django_db
def test_type_filter_and_unsupported_parameters(client: Any, admin_a: Any, patient_a: Any) -> None:
    api = api_client_for(client, admin_a)
    assert api.get("/fhir/$export?_type=Spaceship").status_code == 400
    assert api.get("/fhir/$export?_since=2026-01-01T00:00:00Z").status_code == 400
    response = api.get("/fhir/$export?_type=Patient,Organization")
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.types == ["Patient", "Organization"]
    export.export_run(str(job.pk))
    export.export_run(str(job.pk))  # a second run of a finished job does nothing
    job.refresh_from_db()
    assert job.output == [{"type": "Patient", "count": 1}, {"type": "Organization", "count": 1}]
