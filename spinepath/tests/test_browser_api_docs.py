"""The interactive API docs render in a browser with no way out to the internet."""

import pytest
from playwright.sync_api import expect

from spinepath.testing import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_offline_for_a_signed_in_clinician(page, live_server, clinician_a):
    outside = []

    def only_this_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto("/api/v1/docs")
    page.wait_for_url("**/login/**")  # signed out: the sign-in page first
    log_in_then = page.url
    assert "next=/api/v1/docs" in log_in_then
    log_in(page, "alice")
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="spinepath API")).to_be_visible()
    expect(page.get_by_text("/api/v1/patients").first).to_be_visible()
    assert outside == []
    assert refused == []
