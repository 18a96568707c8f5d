"""A clinician's first sign-in with the second step on: scan (or type the key), prove the app has
it, keep the recovery codes, and arrive at the dashboard; the pages pass axe."""

from base64 import b32decode

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import totp
from playwright.sync_api import expect

from spinepath.testing import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_enrols_an_authenticator_and_keeps_the_recovery_codes(
    page, live_server, clinician_a, settings
):
    settings.SPINEPATH_MFA_REQUIRED = True
    page.goto("/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    assert Axe().run(page).response["violations"] == []
    key = page.locator("code.key").inner_text().replace(" ", "")
    secret = b32decode(key + "=" * (-len(key) % 8))

    page.get_by_label("Code", exact=True).fill("000000" if totp(secret) != 0 else "111111")
    page.get_by_role("button", name="Turn on the second step").click()
    expect(page.locator("p.field-error")).to_contain_text("That code is not right")

    page.wait_for_timeout(1100)  # a wrong code slows the next try by a second
    page.get_by_label("Code", exact=True).fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Turn on the second step").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.rstrip("/") == live_server.url


def test_a_returning_clinician_signs_in_with_a_code_or_once_with_a_recovery_code(
    page, live_server, clinician_a, settings
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from spinepath.accounts.mfa import new_recovery_codes

    settings.SPINEPATH_MFA_REQUIRED = True
    device = TOTPDevice.objects.create(user=clinician_a, name="phone", confirmed=True)
    codes = new_recovery_codes(clinician_a)

    def sign_in() -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()

    sign_in()
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    # Links that would only lead back to this step are left out until it is passed.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert Axe().run(page).response["violations"] == []
    page.get_by_label("Code", exact=True).fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in()
    page.get_by_label("Code", exact=True).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in()
    page.get_by_label("Code", exact=True).fill(codes[0])  # each recovery code works once
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("p.field-error")).to_be_visible()
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    page.goto("/")  # still only half signed in: every staff page sends it back to the step
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
