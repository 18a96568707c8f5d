"""Readability of patient text: textstat's Flesch–Kincaid and SMOG, summed text by text."""

from __future__ import annotations

import math

import pytest
import textstat  # type: ignore[import-untyped]

from spinepath.clinical.readability import (
    SMOG_TARGET,
    as_passage,
    flesch_kincaid_grade,
    hard_words,
    reading_scores,
    smog_grade,
)

SHEET_LIKE = (
    "More pain for a short time",
    "Your pain may get worse for a while after the injection. It settles in a day or two.",
    "Common: about 1 in 10 people. This is a rough figure. [62][63]",
    "Paralysis means you cannot move your legs. Dexamethasone is a steroid with no particles.",
    "Ask an adult to take you home",
)


def test_each_separate_text_ends_a_sentence_and_citations_are_dropped() -> None:
    passage = as_passage("Before you come", "Bring your medicines [3][S1].", "", "  ")
    assert passage == "Before you come. Bring your medicines ."
    assert as_passage("Is it safe?", "Yes!") == "Is it safe? Yes!"


def test_scores_equal_textstat_on_the_whole_passage() -> None:
    scores = reading_scores(*SHEET_LIKE)
    passage = as_passage(*SHEET_LIKE)
    assert scores.smog_grade == pytest.approx(textstat.smog_index(passage))
    assert scores.flesch_kincaid_grade == pytest.approx(textstat.flesch_kincaid_grade(passage))
    assert scores.words == textstat.lexicon_count(passage)
    assert scores.sentences == textstat.sentence_count(passage)
    assert scores.hard_words == textstat.polysyllabcount(passage)


def test_smog_follows_its_formula() -> None:
    scores = reading_scores(*SHEET_LIKE)
    expected = 1.043 * math.sqrt(30 * scores.hard_words / scores.sentences) + 3.1291
    assert scores.smog_grade == pytest.approx(expected)
    assert scores.smog_reading_age == pytest.approx(scores.smog_grade + 5)


def test_long_words_score_harder_by_both_measures() -> None:
    plain = ("You may get a small bruise.", "It fades in a few days.", "Rest is fine.")
    hard = (
        "Haematoma formation consequent upon inadvertent vascular puncture may occasionally "
        "necessitate intervention.",
        "Paraesthesia and dysaesthesia are recognised complications of radiofrequency denervation.",
        "Corticosteroid administration precipitates hyperglycaemia.",
    )
    assert smog_grade(*plain) < SMOG_TARGET < smog_grade(*hard)
    assert flesch_kincaid_grade(*plain) < 3 < 12 < flesch_kincaid_grade(*hard)


def test_hard_words_names_what_to_rewrite() -> None:
    found = hard_words("The injection has a steroid.", "Another injection, then paralysis.")
    assert found["injection"] == 2
    assert found["paralysis"] == 1
    assert "steroid" not in found


def test_no_words_scores_zero() -> None:
    assert reading_scores().smog_grade == 0.0
    assert reading_scores("", "  ").flesch_kincaid_grade == 0.0
