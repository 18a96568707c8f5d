"""Bulk Data export: kick-off (202 + Content-Location), status, NDJSON per type, by the worker;
only the clinic's administrators start it or download its files."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import call_command

from spinepath.fhir import export
from spinepath.fhir.mappers.common import fhir_id
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
    for since in ("yesterday", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z"):
        refused = api.get(f"/fhir/$export?_since={since}")
        assert refused.status_code == 400, since
        assert "_since must be" in refused.json()["issue"][0]["diagnostics"]
    response = api.get("/fhir/$export?_type=Patient,Organization")
    assert response.status_code == 202
    job = ExportJob.objects.get()
    assert job.types == ["Patient", "Organization"]
    export.export_run(str(job.pk))
    export.export_run(str(job.pk))  # a second run of a finished job does nothing
    job.refresh_from_db()
    assert job.output == [{"type": "Patient", "count": 1}, {"type": "Organization", "count": 1}]


def _exported(job: ExportJob) -> dict[str, list[str]]:
    export.export_run(str(job.pk))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.COMPLETE, job.error
    found = {}
    for entry in job.output:
        text = (job.directory / export.file_name(entry["type"])).read_text(encoding="utf-8")
        found[entry["type"]] = [json.loads(line)["id"] for line in text.splitlines()]
    return {kind: ids for kind, ids in found.items() if ids}


@pytest.mark.django_db
def test_since_exports_only_what_changed_after_it_and_the_staff_and_clinic_in_full(
    client: Any, admin_a: Any, clinician_a: Any, physio_a: Any, episode_a: Any
) -> None:

    from spinepath.followup.models import FollowUpAnswer, TimePoint
    from spinepath.followup.responses import time_point_submit
    from spinepath.procedures.procedure import procedure_amend_discharge

    record = populated_episode(episode_a, clinician_a, physio_a)
    # The world's 2-week answers are dated on their due day, after today: cut after them.
    cut = max(a.answered_at for a in FollowUpAnswer.objects.all()) + dt.timedelta(minutes=1)
    api = api_client_for(client, admin_a)

    def since(moment: dt.datetime) -> ExportJob:
        # Unescaped "+00:00" arrives as " 00:00": read as the offset it was.
        response = api.get("/fhir/$export?_since=" + moment.isoformat())
        assert response.status_code == 202, response.content
        return ExportJob.objects.get(pk=response["Content-Location"].rstrip("/").split("/")[-1])

    everything = _exported(since(cut - dt.timedelta(days=400)))
    assert set(everything) == set(export.EXPORTED)
    full = ExportJob.objects.create(
        clinic=admin_a.clinic, requested_by=admin_a, types=list(export.EXPORTED)
    )
    assert _exported(full) == everything  # changed since long ago: all of it

    # Nothing changed after the cut: only the clinic, its staff and the instruments, in full.
    after_cut = since(cut)
    assert after_cut.since == cut
    unchanged = _exported(after_cut)
    assert set(unchanged) == set(export.ALWAYS_WHOLE)
    assert unchanged["Practitioner"] == everything["Practitioner"]

    # After the cut: a late complication recorded (the procedure has no "updated" column: its
    # amendment says so) and the 6-week answers. Those come back; nothing else does.
    procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=record.performed_at + dt.timedelta(hours=2),
        discharge_condition="well",
        late_complications=["dural_puncture"],
        late_complication_notes="Positional headache the next day.",
        reason="Headache reported at the 2-week call.",
        at=cut + dt.timedelta(hours=1),
    )
    point = TimePoint.objects.get(procedure=record, label="6w")
    answers = {code: {"score": 2} for code in point.instruments if code.startswith("nrs")}
    time_point_submit(
        None, point, answers=answers, source="patient", by=None, at=cut + dt.timedelta(days=30)
    )
    changed = _exported(since(cut))
    assert set(changed) - set(export.ALWAYS_WHOLE) == {
        "Procedure",
        "MedicationAdministration",
        "QuestionnaireResponse",
        "Observation",
    }
    assert changed["Procedure"] == [str(record.pk)]
    assert changed["MedicationAdministration"] == everything["MedicationAdministration"]
    six_weeks = [fhir_id(f"tp-{point.pk}-{code}") for code in answers]
    assert changed["QuestionnaireResponse"] == six_weeks
    assert sorted(changed["Observation"]) == sorted(six_weeks)
    # Later than everything: nothing of the patient's.
    assert set(_exported(since(cut + dt.timedelta(days=60)))) == set(export.ALWAYS_WHOLE)


@pytest.mark.django_db
def test_since_brings_back_a_patient_changed_after_it(
    admin_a: Any, patient_a: Any, patient_b: Any
) -> None:
    from django.utils import timezone

    cut = timezone.now()
    job = ExportJob.objects.create(
        clinic=admin_a.clinic, requested_by=admin_a, types=["Patient"], since=cut
    )
    assert _exported(job) == {}
    patient_a.phone = "0113 496 0999"
    patient_a.save()  # updated_at moves to now, after the cut
    patient_b.save()  # another clinic's: never in clinic A's export
    job = ExportJob.objects.create(
        clinic=admin_a.clinic, requested_by=admin_a, types=["Patient"], since=cut
    )
    assert _exported(job) == {"Patient": [str(patient_a.pk)]}


@pytest.mark.django_db
def test_a_repeated_kickoff_is_the_export_still_waiting(client: Any, admin_a: Any) -> None:
    api = api_client_for(client, admin_a)
    first = api.get("/fhir/$export?_type=Patient")
    again = api.get("/fhir/$export?_type=Patient")
    assert first.status_code == again.status_code == 202
    assert again["Content-Location"] == first["Content-Location"]
    assert ExportJob.objects.count() == 1
    assert len(audit_events(user=admin_a, action="export")) == 1
    # Other types are another export; so is the same one asked for once the first has run.
    other = api.get("/fhir/$export?_type=Patient,Organization")
    assert other["Content-Location"] != first["Content-Location"]
    export.export_run(str(ExportJob.objects.get(types=["Patient"]).pk))
    later = api.get("/fhir/$export?_type=Patient")
    assert later["Content-Location"] not in (first["Content-Location"], other["Content-Location"])
    assert ExportJob.objects.count() == 3
