import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in, make_episode, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_finds_a_patient_and_reads_the_timeline(page, clinician_a, clinic_a):
    patient = make_patient(clinic_a, given_name="Olwen", family_name="Pritchard")
    make_episode(patient, condition="spinal_stenosis")

    log_in(page, "alice")
    expect(page.get_by_role("heading", name="Worklists")).to_be_visible()

    page.get_by_role("link", name="Find a patient").click()
    page.get_by_label("Name, NHS number, MRN or date of birth").fill("pritchard")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()

    page.get_by_role("link", name="PRITCHARD, Olwen").click()
    expect(page.get_by_role("heading", name="PRITCHARD, Olwen")).to_be_visible()
    expect(page.get_by_text("943 476 5919")).to_be_visible()
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Referred by GP for sciatica")
    expect(page.get_by_role("link", name="Lumbar spinal stenosis")).to_be_visible()
