"""The public information pages: open to anyone, the versioned words as written, and every
piece of page furniture marked for translation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spinepath.clinical.patient_info import PAGES, PATIENT_INFO_VERSION

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def test_the_index_lists_every_topic_without_a_login(client: Any) -> None:
    response = client.get(reverse("information_index"))
    assert response.status_code == 200
    body = response.content.decode()
    for page in PAGES:
        assert reverse("information_page", args=[page.slug]) in body


@pytest.mark.parametrize("info_page", PAGES, ids=lambda p: p.slug)
def test_each_page_shows_its_words_and_version(client: Any, info_page: Any) -> None:
    response = client.get(reverse("information_page", args=[info_page.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert info_page.sections[-1].heading.replace("'", "&#x27;") in body
    assert PATIENT_INFO_VERSION in body


def test_an_unknown_page_is_a_404_and_a_post_is_refused(client: Any) -> None:
    assert client.get("/information/no-such-topic/").status_code == 404
    assert client.post(reverse("information_index")).status_code == 405


def test_every_template_string_is_marked_for_translation() -> None:
    """Text between tags in the patient and leaflet templates is template code or translated."""
    for path in [*TEMPLATES.glob("patientinfo/*.html"), *TEMPLATES.glob("aftercare/*.html")]:
        source = re.sub(r"<style>.*?</style>", "", path.read_text(), flags=re.S)
        source = re.sub(r"{%\s*blocktranslate.*?endblocktranslate\s*%}", "", source, flags=re.S)
        source = re.sub(r"{%.*?%}|{{.*?}}|<[^>]+>|&[a-z]+;|[←·:()%/]", " ", source, flags=re.S)
        assert not re.search(r"[A-Za-z]{2,}", source), f"{path.name}: {source.split()[:8]}"
