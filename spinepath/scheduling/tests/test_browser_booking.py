"""An administrator creates a list, books a patient, prints the day list; the patient reads the
instructions behind the emailed link (issue 15)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from spinepath.scheduling import messages
from spinepath.scheduling.models import Booking
from spinepath.scheduling.tests.helpers import consented, in_days
from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

APIXABAN = [{"drug": "apixaban", "hours_since_last_dose": 100, "indication": None}]


def test_an_admin_books_a_patient_and_the_patient_reads_the_instructions(
    page, browser, live_server, episode_a, clinician_a, admin_a
):
    consented(episode_a, clinician_a, antithrombotics=APIXABAN)
    patient = episode_a.patient
    log_in(page, admin_a.username)
    page.get_by_role("link", name="Injection lists").click()
    page.get_by_role("link", name="New session").click()
    day = in_days(12)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("09:30")
    page.get_by_label("Room").fill("Radiology 2")
    page.get_by_label("Imaging").select_option("fluoroscopy")
    page.get_by_label("Operator").select_option(str(clinician_a.pk))
    page.get_by_label("Capacity (slots)").fill("4")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_role("status")).to_contain_text("Session created")

    page.get_by_label("Patient waiting").select_option(str(episode_a.pk))
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status")).to_contain_text(f"{patient.full_name} is booked")
    expect(page.get_by_role("region", name="Bookings", exact=True)).to_contain_text(
        patient.full_name
    )

    page.get_by_role("link", name="Day list (print)").click()
    expect(page.get_by_role("heading", name=re.compile("Day list"))).to_be_visible()
    row = page.get_by_role("row", name=re.compile(patient.full_name))
    expect(row).to_contain_text("L4/L5")
    expect(row).to_contain_text(f"apixaban: stop from {in_days(9).isoformat()}")
    expect(row).to_contain_text("Consent given")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")
    row.get_by_role("link", name="Not begun").click()
    expect(page).to_have_url(re.compile(rf"/episodes/{episode_a.pk}/checklist/$"))

    # The worker's email: a link only; the patient opens it in their own browser.
    booking = Booking.objects.get(episode=episode_a)
    assert messages.send_instructions(booking.pk)
    link = re.search(r"/b/[A-Za-z0-9_-]{43}", mail.outbox[-1].body).group(0)
    context = browser.new_context(base_url=live_server.url)
    patient_page = context.new_page()
    patient_page.goto(link)
    born = patient.date_of_birth
    patient_page.get_by_label("Day").fill(str(born.day))
    patient_page.get_by_label("Month").fill(str(born.month))
    patient_page.get_by_label("Year").fill(str(born.year))
    patient_page.get_by_role("button", name="Continue").click()
    expect(patient_page.get_by_role("heading", name="Your injection appointment")).to_be_visible()
    stop = in_days(9)
    expect(patient_page.locator("[data-code=stop_apixaban]")).to_contain_text(
        f"Do not take any from {stop:%A} {stop.day} {stop:%B %Y}"
    )
    patient_page.get_by_role("button", name="Yes, I will come").click()
    expect(patient_page.get_by_role("status")).to_contain_text("confirmed")
    context.close()
