import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in, make_patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sees_who_read_a_record_and_filters_the_log(page, admin_a, clinician_a, clinic_a):
    patient = make_patient(clinic_a, given_name="Olwen", family_name="Pritchard")

    log_in(page, "alice")
    page.goto(f"/patients/{patient.pk}/")
    expect(page.get_by_role("heading", name="PRITCHARD, Olwen")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    log_in(page, "ada")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log — Clinic A")).to_be_visible()
    rows = page.locator("table.audit tbody tr")
    expect(rows.filter(has_text="alice").filter(has_text="Read")).to_have_count(1)

    page.get_by_label("Action").select_option("read")
    page.get_by_label("Staff username").fill("nobody")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No events match.")).to_be_visible()

    page.get_by_label("Staff username").fill("alice")
    page.get_by_role("button", name="Filter").click()
    expect(rows.filter(has_text="patients.Patient")).to_have_count(1)
