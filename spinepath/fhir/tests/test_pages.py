"""The patient page's "Download FHIR bundle" link and the administrator's bulk export page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from spinepath.fhir import export
from spinepath.fhir.models import ExportJob

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Any) -> None:
    settings.SPINEPATH_FHIR_EXPORT_DIR = tmp_path / "exports"


def test_the_patient_page_links_to_the_fhir_bundle(
    client: Any, clinician_a: Any, patient_a: Any
) -> None:
    client.force_login(clinician_a)
    page = client.get(reverse("patient_detail", args=[patient_a.pk])).content.decode()
    link = f"/fhir/Patient/{patient_a.pk}/$everything?download=1"
    assert f'href="{link}"' in page and "Download FHIR bundle" in page
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/fhir+json")


def test_an_admin_starts_an_export_and_downloads_its_files(
    client: Any, admin_a: Any, patient_a: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(admin_a)
    assert "No exports yet" in client.get(reverse("fhir_exports")).content.decode()
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(reverse("fhir_exports"))
    assert response.status_code == 302 and len(enqueued) == 1
    job = ExportJob.objects.get()
    assert (job.clinic, job.requested_by, job.status) == (admin_a.clinic, admin_a, "queued")
    assert "Not ready yet" in client.get(reverse("fhir_exports")).content.decode()
    export.export_run(str(job.pk))  # what the worker does
    page = client.get(reverse("fhir_exports")).content.decode()
    link = f"/fhir/$export-file/{job.pk}/Patient.ndjson"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).count(b"\n") == 1


def test_a_clinician_may_not_open_the_export_page(client: Any, clinician_a: Any) -> None:
    client.force_login(clinician_a)
    assert client.get(reverse("fhir_exports")).status_code == 403
    assert client.post(reverse("fhir_exports")).status_code == 403
    assert not ExportJob.objects.exists()


def test_an_export_of_what_changed_since_a_moment_from_the_page(
    client: Any, admin_a: Any, patient_a: Any
) -> None:
    from datetime import datetime

    from django.utils import timezone

    client.force_login(admin_a)
    page = client.get(reverse("fhir_exports")).content.decode()
    assert 'type="datetime-local"' in page and "Only records changed since" in page
    response = client.post(reverse("fhir_exports"), {"since": "not a time"})
    assert response.status_code == 400 and "Enter a date and time" in response.content.decode()
    assert not ExportJob.objects.exists()
    client.post(reverse("fhir_exports"), {"since": "2026-11-30T09:15"})
    job = ExportJob.objects.get()
    expected = timezone.make_aware(datetime(2026, 11, 30, 9, 15))
    assert job.since == expected
    assert "30 Nov 2026, 09:15" in client.get(reverse("fhir_exports")).content.decode()
