"""Every staff page, loaded in Chromium over a demo world: it fits a phone and a tablet without
scrolling sideways, axe-core finds no WCAG 2.0/2.1/2.2 A or AA violation, and no ARIA reference
points at a missing id.

The pages come from ``staff_pages.PAGES``. Set ``SPINEPATH_SCREENSHOTS=<folder>`` to keep a
full-page screenshot of each page at each width for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from spinepath.testing import log_in
from spinepath.tests.staff_pages import PAGES, PAGES_BY_NAME, World, build_world, demo_password

# One demo world per module (it takes seconds to build), served by ``module_live_server``; each
# test runs in a transaction (``django_db``) that undoes what its visits wrote, on SQLite where the
# server shares the test's connection. (pytest-django's ``live_server`` would flush the world
# after each test.)
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE, TABLET, DESKTOP = 390, 768, 1280
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
# Every WCAG A/AA rule; only violations are reported in full (axe still runs every rule, but
# leaves out the nodes that pass, which cost time to collect and to send back).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}

DANGLING_REFERENCES = """() => {
  const dangling = [];
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls", "aria-owns"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) {
          dangling.push(`<${el.tagName.toLowerCase()} id="${el.id}"> ${attr}="${id}"`);
        }
      }
    }
  }
  return dangling;
}"""

SIDEWAYS = """() => ({
  page: document.documentElement.scrollWidth,
  viewport: document.documentElement.clientWidth,
  widest: [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((el) => !el.closest(".table-scroll"))
    .slice(0, 5)
    .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`),
})"""


@pytest.fixture(scope="module")
def world(module_live_server: Any) -> World:
    return build_world()


class Visitor:
    """Opens each page as its user, keeping one signed-in browser context per user."""

    def __init__(self, browser: Any, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: dict[str | None, Any] = {}
        self.current = ""
        # What the browser refused under the Content-Security-Policy, by page.
        self.csp_violations: list[str] = []

    def page_for(self, user: str | None) -> Any:
        if user not in self.contexts:
            context = self.browser.new_context(base_url=self.base_url)
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.on("console", self._note_csp_violation)
            if user is not None:
                log_in(page, user, demo_password())
            self.contexts[user] = page
        return self.contexts[user]

    def _note_csp_violation(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.current}: {message.text}")

    def open(self, entry: Any, world: World, width: int) -> Any:
        page = self.page_for(entry.user)
        self.current = entry.name
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(entry.url(world))
        assert response is not None and response.status < 500, f"{entry.name}: server error"
        if entry.then is not None:
            entry.then(page)
        return page

    def close(self) -> None:
        for page in self.contexts.values():
            page.context.close()


@pytest.fixture(scope="module")
def visitor(browser: Any, world: World, module_live_server: Any) -> Iterator[Visitor]:
    """Every page's user signed in once per module, before any test's transaction begins, so
    the sessions outlive each test's rollback."""
    visitor = Visitor(browser, module_live_server.url)
    for user in sorted({entry.user for entry in PAGES}, key=str):
        visitor.page_for(user)
    yield visitor
    visitor.close()


def _screenshot(page: Any, name: str, width: int) -> None:
    folder = os.environ.get("SPINEPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        page.screenshot(path=str(Path(folder) / f"{slug}-{width}.png"), full_page=True)


# One test per width, so the sweeps spread over the test workers.
@pytest.mark.parametrize("width", [PHONE, TABLET, DESKTOP])
def test_no_staff_page_scrolls_sideways_on_a_phone_or_a_tablet(world, visitor, width):
    too_wide = []
    for entry in PAGES:
        page = visitor.open(entry, world, width)
        _screenshot(page, entry.name, width)
        measured = page.evaluate(SIDEWAYS)
        if width != DESKTOP and measured["page"] > measured["viewport"]:
            too_wide.append(
                f"{entry.name} at {width} px: {measured['page']} px wide "
                f"({', '.join(measured['widest'])})"
            )
    assert not too_wide, "Pages that scroll sideways:\n" + "\n".join(too_wide)


@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_every_staff_page_passes_axe_and_every_aria_reference_resolves(world, visitor, width):
    axe = Axe()
    problems = []
    for entry in PAGES:
        page = visitor.open(entry, world, width)
        for reference in page.evaluate(DANGLING_REFERENCES):
            problems.append(f"{entry.name} at {width} px: dangling {reference}")
        results = axe.run(page, options=AXE_OPTIONS).response
        for violation in results["violations"]:
            for node in violation["nodes"]:
                problems.append(
                    f"{entry.name} at {width} px: {violation['id']} "
                    f"({violation['impact']}) {' '.join(node['target'])}"
                )
    assert not problems, f"{len(problems)} accessibility problems:\n" + "\n".join(problems)


def test_no_staff_page_needs_inline_script_or_style(world, visitor):
    """The Content-Security-Policy allows no inline script or style: a page that used one would
    lose it in the browser (a chart's colours, a button's action), and the console says so."""
    visitor.csp_violations.clear()
    for entry in PAGES:
        visitor.open(entry, world, DESKTOP).wait_for_load_state("load")
    assert visitor.csp_violations == []


def test_on_a_phone_the_search_box_is_wide_and_the_ledger_chart_readable(world, visitor):
    page = visitor.open(PAGES_BY_NAME["dashboard"], world, PHONE)
    search = page.get_by_role("search").get_by_role("searchbox").bounding_box()
    assert search is not None and search["width"] >= 200, search

    page = visitor.open(PAGES_BY_NAME["patient"], world, PHONE)
    chart = page.get_by_role("img", name="Rolling 12-month steroid total")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE
    heights = chart.locator("text").evaluate_all(
        "(texts) => texts.map((t) => t.getBoundingClientRect().height)"
    )
    # Every label (axis, years, thresholds) is drawn at least 11 px tall on the screen.
    assert heights and min(heights) >= 11, heights
    labels = chart.locator("text").all_text_contents()
    assert "limit 400 mg" in labels and "today" in labels


# Words a person should never have to read: machine dates, zero-padded days, spec shorthand and
# FHIR status codes.
MACHINE_WORDING = {
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a zero-padded day": re.compile(r"\b0\d (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"),
    "a month before the day": re.compile(
        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\.? \d{1,2},"
    ),
    "a consent status code": re.compile(r"\b(?:entered-in-error|Inactive)\b|— Active\b|\(active\)"),
}
# The decision page explains its unconfirmed thresholds itself (h4's wording).
VERIFY = re.compile(r"\bverify\b", re.IGNORECASE)
VERIFY_ALLOWED = {"decision", "decision re-run"}


def test_every_staff_page_writes_dates_and_statuses_in_words(world, visitor):
    found = []
    for entry in PAGES:
        page = visitor.open(entry, world, DESKTOP)
        text = page.inner_text("body")
        for what, pattern in MACHINE_WORDING.items():
            for match in pattern.findall(text)[:2]:
                found.append(f"{entry.name}: {what} {match!r}")
        if entry.name not in VERIFY_ALLOWED and VERIFY.search(text):
            found.append(f"{entry.name}: says 'verify' instead of 'source not yet confirmed'")
    assert not found, "\n".join(found)
