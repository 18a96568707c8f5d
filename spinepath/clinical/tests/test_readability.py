"""The Flesch–Kincaid measure used to keep patient information readable."""

from __future__ import annotations

import pytest

from spinepath.clinical.readability import (
    count_syllables,
    flesch_kincaid_grade,
    sentence_count,
    text_stats,
    words,
)

# Syllable counts from a standard dictionary's hyphenation.
KNOWN_SYLLABLES = {
    "the": 1,
    "cat": 1,
    "make": 1,
    "makes": 1,
    "asked": 1,
    "used": 1,
    "nerves": 1,
    "table": 2,
    "tables": 2,
    "people": 2,
    "little": 2,
    "steroid": 2,
    "started": 2,
    "needed": 2,
    "nurses": 2,
    "safely": 2,
    "treatment": 2,
    "tissue": 2,
    "region": 2,
    "before": 2,
    "injection": 3,
    "particles": 3,
    "medicines": 3,
    "serious": 3,
    "usual": 3,
    "continue": 3,
    "completely": 3,
    "anaesthetic": 4,
    "epidural": 4,
    "paralysis": 4,
    "denervation": 4,
    "dexamethasone": 5,
    "fluoroscopy": 5,
    "interlaminar": 5,
    "transforaminal": 5,
    "physiotherapy": 6,
    "radiofrequency": 6,
}


@pytest.mark.parametrize(("word", "syllables"), sorted(KNOWN_SYLLABLES.items()))
def test_it_counts_syllables_of_known_words(word: str, syllables: int) -> None:
    assert count_syllables(word) == syllables


def test_it_counts_syllables_case_insensitively_and_ignores_punctuation() -> None:
    assert count_syllables("Injection,") == 3
    assert count_syllables("don't") == 1


def test_it_counts_a_digit_as_a_syllable_and_a_level_code_by_its_parts() -> None:
    assert count_syllables("200") == 3
    assert count_syllables("L4/L5") == 4


def test_it_keeps_numbers_codes_and_hyphenated_words_whole() -> None:
    assert words("About 1 in 10,000 at L4/L5, a non-steroid plan.") == [
        "About",
        "1",
        "in",
        "10,000",
        "at",
        "L4/L5",
        "a",
        "non-steroid",
        "plan",
    ]


def test_it_counts_sentences_and_a_final_fragment() -> None:
    assert sentence_count("One. Two! Three?") == 3
    assert sentence_count("A dose of 1.5 mg. Then rest") == 2
    assert sentence_count("Common: about 1 in 10 (a rough figure).") == 1
    assert sentence_count("") == 0


def test_it_scores_a_simple_sentence_by_the_formula() -> None:
    # 6 words, 1 sentence, 6 syllables: 0.39 × 6 + 11.8 × 1 − 15.59 = −1.45
    assert flesch_kincaid_grade("The cat sat on the mat.") == pytest.approx(-1.45)


def test_it_scores_a_hand_counted_passage() -> None:
    text = "The injection has a steroid. It calms swelling around the nerve."
    stats = text_stats(text)
    # the in-jec-tion has a ster-oid (8) / it calms swell-ing a-round the nerve (8)
    assert (stats.words, stats.sentences, stats.syllables) == (11, 2, 16)
    expected = 0.39 * 11 / 2 + 11.8 * 16 / 11 - 15.59
    assert stats.flesch_kincaid_grade == pytest.approx(expected)


def test_long_words_and_long_sentences_score_harder() -> None:
    plain = "You may get a small bruise. It fades in a few days."
    hard = (
        "Haematoma formation consequent upon inadvertent vascular puncture may occasionally "
        "necessitate further intervention following the procedure."
    )
    assert flesch_kincaid_grade(plain) < 3 < 12 < flesch_kincaid_grade(hard)


def test_each_separate_text_ends_a_sentence() -> None:
    assert text_stats("Before you come", "Bring your medicines").sentences == 2


def test_no_words_scores_zero() -> None:
    assert flesch_kincaid_grade("") == 0.0
    assert text_stats().flesch_reading_ease == 100.0
