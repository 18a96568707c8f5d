"""The public information pages: every topic of issue 12, pinned wording, and a reading-age
ceiling for each page (measured with textstat, as ``tools/reading_age.py`` prints it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spinepath.clinical import patient_info
from spinepath.clinical.patient_info import (
    PAGES,
    PATIENT_INFO_VERSION,
    READING_AGE_CEILING,
    load_pages,
    page,
    wording_fingerprint,
)

WORDING_HASHES = {
    "patient-info 2026.12.1": "c5e39c0d2395825e08d60504eb2b5ece2fed8ccd0b8b8064ff967852f9ddf42d",
}
"""One hash per version: changed words need a new version (never edit an old hash)."""

TOPICS = {
    "guided-injections": "what guided injections are and how they work",
    "imaging": "ultrasound, fluoroscopy and CT, and why",
    "conditions": "the conditions they help",
    "how-long-relief-lasts": "how long relief lasts and why results vary",
    "safety-and-risks": "safety and risks with how common they are",
    "benefits": "benefits",
    "before-and-after": "before and after",
    "injections-and-physiotherapy": "how injections fit with physiotherapy",
    "questions": "frequently asked questions",
}


def test_every_topic_of_the_issue_has_a_page_in_order() -> None:
    assert [p.slug for p in PAGES] == list(TOPICS)


def test_the_wording_is_pinned_to_its_version() -> None:
    assert PATIENT_INFO_VERSION in WORDING_HASHES, "pin the new version's wording hash"
    assert wording_fingerprint() == WORDING_HASHES[PATIENT_INFO_VERSION], (
        "patient information changed: bump PATIENT_INFO_VERSION and pin the new hash"
    )


def test_the_fingerprint_sees_a_one_word_change() -> None:
    first = PAGES[0]
    section = first.sections[0]
    changed_section = type(section)(
        section.heading, (section.paragraphs[0].replace("small", "tiny"),), section.bullets
    )
    changed = type(first)(first.slug, first.title, first.summary, (changed_section,))
    assert wording_fingerprint((changed, *PAGES[1:])) != wording_fingerprint()


@pytest.mark.parametrize("info_page", PAGES, ids=lambda p: p.slug)
def test_each_page_reads_under_the_ceiling(info_page: patient_info.InfoPage) -> None:
    scores = info_page.reading_scores()
    assert scores.words > 80, "a page says something"
    assert scores.smog_reading_age <= READING_AGE_CEILING, (
        f"{info_page.slug}: reading age {scores.smog_reading_age:.1f} over {READING_AGE_CEILING}"
    )
    assert scores.flesch_kincaid_grade + 5 <= READING_AGE_CEILING


def test_the_pages_average_about_the_target_reading_age() -> None:
    ages = [p.reading_scores().smog_reading_age for p in PAGES]
    assert sum(ages) / len(ages) <= patient_info.READING_AGE_TARGET + 0.75


def test_a_page_is_found_by_its_slug_and_an_unknown_slug_is_none() -> None:
    assert page("imaging") is PAGES[1]
    assert page("no-such-page") is None


def test_a_repeated_slug_is_refused(tmp_path: Path) -> None:
    one = '[[pages]]\nslug = "a"\ntitle = "A"\nsummary = "S"\n[[pages.sections]]\nheading = "H"\n'
    data = tmp_path / "pages.toml"
    data.write_text(one + one)
    with pytest.raises(ValueError, match="used twice"):
        load_pages(data)


def test_the_risks_page_states_how_common_each_risk_is() -> None:
    risks = page("safety-and-risks")
    assert risks is not None
    text = " ".join(risks.texts())
    for figure in ("1 in 10", "1 in 1,000", "1 in 10,000", "1 in 200"):
        assert figure in text
