"""The public patient information pages: what guided injections are, imaging, conditions, how
long relief lasts, risks, benefits, before and after, physiotherapy and common questions.

The words live in ``data/patient_info.en.toml`` (one file per language, like the consent
information); this module only reads them into typed pages, so the web app, the reading-age
script and the tests all see exactly the same text.

Versioning follows ``consent_info``: ``PATIENT_INFO_VERSION`` names the wording, and
``wording_fingerprint()`` hashes every page. The test suite pins one hash per version, so a
changed word without a new version fails. Any change to patient-facing text bumps the version.

Reading age: every page is measured with textstat (``readability.py``); the target is a reading
age of about 11 and ``READING_AGE_CEILING`` is the most any page may have (tests hold each page
to it; ``tools/reading_age.py`` prints the figures).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spinepath.clinical.readability import ReadingScores, reading_scores

PATIENT_INFO_VERSION = "patient-info 2026.12.1"
"""The wording version; bump on any change to the pages' text."""

DATA_FILE = Path(__file__).parent / "data" / "patient_info.en.toml"

READING_AGE_TARGET = 11.0
"""The reading age (years) the pages aim for."""

READING_AGE_CEILING = 12.0
"""No page may read older than this (SMOG grade 7, the consent sheets' ceiling, plus 5 years)."""


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    bullets: tuple[str, ...]


@dataclass(frozen=True)
class InfoPage:
    slug: str
    title: str
    summary: str
    sections: tuple[Section, ...]

    def texts(self) -> tuple[str, ...]:
        """Every text a reader meets on the page, in reading order (for readability checks)."""
        texts = [self.title, self.summary]
        for section in self.sections:
            texts += [section.heading, *section.paragraphs, *section.bullets]
        return tuple(texts)

    def reading_scores(self) -> ReadingScores:
        return reading_scores(*self.texts())


def load_pages(path: Path = DATA_FILE) -> tuple[InfoPage, ...]:
    """The pages in ``path``, in the order they are listed; ``ValueError`` on a malformed file."""
    with path.open("rb") as data:
        raw: dict[str, Any] = tomllib.load(data)
    pages = tuple(_page(entry) for entry in raw.get("pages", []))
    slugs = [page.slug for page in pages]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path.name}: a page slug is used twice")
    return pages


def _page(entry: dict[str, Any]) -> InfoPage:
    sections = tuple(
        Section(
            heading=str(section["heading"]),
            paragraphs=tuple(str(p) for p in section.get("paragraphs", ())),
            bullets=tuple(str(b) for b in section.get("bullets", ())),
        )
        for section in entry["sections"]
    )
    if not sections:
        raise ValueError(f"page {entry['slug']!r} has no sections")
    return InfoPage(
        slug=str(entry["slug"]),
        title=str(entry["title"]),
        summary=str(entry["summary"]),
        sections=sections,
    )


PAGES: tuple[InfoPage, ...] = load_pages()
"""Every page, loaded once at import."""


def page(slug: str) -> InfoPage | None:
    """The page at ``slug``, or ``None``."""
    return next((p for p in PAGES if p.slug == slug), None)


def wording_fingerprint(pages: tuple[InfoPage, ...] | None = None) -> str:
    """SHA-256 of every page's text and order; changes with any word (tests pin it per version)."""
    chosen = PAGES if pages is None else pages
    canonical = json.dumps(
        [[p.slug, *p.texts()] for p in chosen], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
