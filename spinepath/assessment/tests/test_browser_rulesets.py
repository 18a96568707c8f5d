"""In the browser: a clinical lead proposes a rule-set change and previews its impact, and a
second clinician approves it; every page on the way passes axe (WCAG A/AA)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from spinepath.accounts.models import RuleSetVersion
from spinepath.testing import log_in, make_decision, make_episode, make_patient, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"],
    },
    "resultTypes": ["violations"],
}


def no_axe_violations(page):
    violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    assert [v["id"] for v in violations] == []


def test_a_lead_proposes_and_previews_and_a_second_clinician_approves(page, clinic_a, clinician_a):
    clinician_a.is_clinical_lead = True
    clinician_a.save()
    make_staff("carol", "clinician", clinic_a)
    for n, weeks in enumerate((1, 3, 6)):
        patient = make_patient(
            clinic_a, given_name=f"Pat{n}", family_name="Weeks", nhs_number="", mrn=f"W{n}"
        )
        make_decision(
            make_episode(patient),
            clinician_a,
            procedure="sacroiliac_joint_injection",
            conservative_care_weeks=weeks,
        )

    log_in(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rule sets").click()
    expect(page.get_by_role("heading", name="Rule sets — Clinic A")).to_be_visible()
    page.get_by_role("link", name="Propose a new version").click()
    page.get_by_label("Conservative care expected first").fill("2")
    page.get_by_label("Takes effect on").fill(timezone.localdate().isoformat())
    page.get_by_label("Why the change").fill("Physiotherapy waits make four weeks unrealistic.")
    page.get_by_role("button", name="Preview impact").click()

    expect(page.get_by_text("1 would change")).to_be_visible()
    changed = page.get_by_role("table", name="Decisions that would change")
    expect(changed.get_by_role("row")).to_have_count(2)  # the header and one decision
    row = changed.get_by_role("row").nth(1)
    expect(row).to_contain_text("WEEKS, Pat1")
    expect(row).to_contain_text("Suitable with cautions")
    expect(row).to_contain_text("CONSERVATIVE_CARE_INSUFFICIENT")
    expect(page.get_by_role("table", name="Changes from")).to_contain_text("2 weeks")
    no_axe_violations(page)

    page.get_by_role("button", name="Propose", exact=True).click()
    expect(page.get_by_text("a second clinician of the clinic must approve it")).to_have_count(2)
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    no_axe_violations(page)
    page.get_by_role("button", name="Sign out").click()

    log_in(page, "carol")
    page.get_by_role("link", name="Rule sets").click()
    page.get_by_role("link", name="See version 1").click()
    expect(page.get_by_role("table", name="Decisions that would change")).to_contain_text(
        "WEEKS, Pat1"
    )
    page.get_by_label("Note").fill("Agreed at the governance meeting.")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("is approved; it takes effect")).to_be_visible()
    no_axe_violations(page)

    page.get_by_role("link", name="History of versions").click()
    history = page.locator("section.ruleset-version")
    expect(history).to_contain_text("Approved")
    expect(history).to_contain_text("Agreed at the governance meeting.")
    expect(history).to_contain_text("Alice")
    expect(history).to_contain_text("Carol")
    no_axe_violations(page)
    assert RuleSetVersion.objects.get().status == "approved"


def test_the_administrator_makes_a_clinician_a_clinical_lead(page, admin_a, clinician_a):
    log_in(page, "ada")
    page.get_by_role("link", name="Rule sets").click()
    expect(page.get_by_text("No version has been proposed yet")).to_be_visible()
    no_axe_violations(page)
    page.get_by_role("link", name="Clinical leads").click()
    no_axe_violations(page)
    alice = page.get_by_role("row").filter(has_text="Alice")
    alice.get_by_role("button", name="Make lead").click()
    expect(page.get_by_text("Alice is now a clinical lead.")).to_be_visible()
    expect(alice.get_by_role("button", name="Remove as lead")).to_be_visible()
    clinician_a.refresh_from_db()
    assert clinician_a.is_clinical_lead
