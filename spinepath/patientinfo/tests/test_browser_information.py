"""The public information pages in Chromium: axe-core finds no WCAG 2.0/2.1/2.2 A or AA
violation, no page scrolls sideways on a 390 px phone, and printing drops the navigation."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from spinepath.clinical.patient_info import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE, DESKTOP = 390, 1280
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
URLS = [reverse("information_index")] + [reverse("information_page", args=[p.slug]) for p in PAGES]


def test_every_information_page_passes_axe_and_fits_a_phone(page: Any) -> None:
    axe = Axe()
    problems = []
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 900})
        for url in URLS:
            response = page.goto(url)
            assert response is not None and response.status == 200, url
            size = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            if size[0] > size[1]:
                problems.append(f"{url} at {width} px scrolls sideways: {size}")
            results = axe.run(
                page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}
            ).response
            for violation in results["violations"]:
                for node in violation["nodes"]:
                    problems.append(
                        f"{url} at {width} px: {violation['id']} ({violation['impact']}) "
                        f"{' '.join(node['target'])}"
                    )
    assert not problems, "\n".join(problems)


def test_printing_drops_the_navigation_and_keeps_the_words(page: Any) -> None:
    page.goto(reverse("information_page", args=["safety-and-risks"]))
    page.emulate_media(media="print")
    assert not page.locator(".patient-header").is_visible()
    assert not page.locator(".info-pager").is_visible()
    assert page.get_by_role("heading", name="Very rare but serious").is_visible()
    page.emulate_media(media="screen")
    assert page.locator(".patient-header").is_visible()


def test_a_reader_moves_from_the_index_through_the_topics(page: Any) -> None:
    page.goto(reverse("information_index"))
    page.get_by_role("link", name=PAGES[0].title).click()
    assert page.get_by_role("heading", level=1).inner_text() == PAGES[0].title
    page.get_by_role("link", name=f"Next: {PAGES[1].title}").click()
    assert page.get_by_role("heading", level=1).inner_text() == PAGES[1].title
