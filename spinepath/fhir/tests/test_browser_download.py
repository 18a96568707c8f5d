"""In Chromium: a clinician opens a patient's page and downloads the patient's FHIR bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_downloads_the_fhir_bundle_from_the_patient_page(
    page: Any, clinician_a: Any, episode_a: Any
) -> None:
    page.set_default_timeout(60_000)  # a busy machine serves the first pages slowly
    log_in(page, clinician_a.username)
    page.goto(f"/patients/{episode_a.patient_id}/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download FHIR bundle").click()
    download = download_info.value
    assert download.suggested_filename == f"patient-{episode_a.patient_id}.fhir.json"
    bundle = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient" and "EpisodeOfCare" in kinds and "Organization" in kinds
