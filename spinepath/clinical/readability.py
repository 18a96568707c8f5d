"""Flesch–Kincaid readability of patient-facing text, with a small syllable heuristic.

Patient information in spinepath aims at a reading age of about 11 (``shared/clinical/
aftercare.md``). A Flesch–Kincaid grade is a US school grade; reading age is roughly the grade
plus 5, so grade 6 is about age 11 and grade 8 about age 13. The score only counts words per
sentence and syllables per word: it is a guard against long sentences and long words, not proof
that a text is clear. Read the text aloud as well.

Syllables are estimated by rule (vowel groups, silent endings, a few vowel pairs that are said as
two sounds). The estimate is usually right for everyday words and within one syllable for most
medical ones. A number counts one syllable per digit, and a code such as "L4/L5" one per letter or
digit, which slightly overstates both: the grade errs on the hard side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[’'./,-][A-Za-z0-9]+)*")
_SENTENCE_END = re.compile(r"[.!?]+(?=[\s\"”’')\]]|$)")
_PART = re.compile(r"[a-z]+|[0-9]+")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Vowel pairs usually said as two syllables (ra-di-o, di-a-be-tes, u-su-al, flu-o-ro, se-ri-ous),
# except where they make one sound (na-tion, ver-sion, spe-cial, re-gion, anx-ious, qual-i-ty).
_TWO_SOUND_PAIRS = re.compile(r"(?<![ctsgx])ia|(?<![ctgx])io(?!n)|(?<![qg])u[ao]")
# Endings with a syllable of their own, whose "e" before them is silent (safe-ly, move-ment).
_SUFFIXES = ("ness", "ment", "less", "ful", "ly")


def count_syllables(word: str) -> int:
    """Estimated syllables in one word; 0 for a string with no letters or digits."""
    total = 0
    for part in _PART.findall(re.sub(r"['’]", "", word.lower())):
        total += len(part) if part.isdigit() else _letters_syllables(part)
    return total


def _letters_syllables(word: str) -> int:
    for suffix in _SUFFIXES:
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and _VOWEL_GROUP.search(stem):
            return _letters_syllables(stem) + 1
    if len(word) <= 3:
        return 1
    count = len(_VOWEL_GROUP.findall(word))
    count += len(_TWO_SOUND_PAIRS.findall(word))
    if word.endswith("e") and not word.endswith(("ee", "ie", "ye", "ue")):
        # Silent final e (make, cure), but a consonant + "le" is a syllable (ta-ble).
        if not (word.endswith("le") and word[-3] not in "aeiouy"):
            count -= 1
    elif (
        word.endswith("es")
        and word[-3] not in "aeiouy"
        and not word.endswith(("ses", "xes", "zes", "ches", "shes", "ces", "ges"))
    ):
        if not (word.endswith("les") and word[-4] not in "aeiouy"):
            count -= 1  # makes, times; but not nurses, boxes, pieces, tables
    elif word.endswith("ed") and word[-3] not in "aeioudt":
        count -= 1  # asked, planned; but not needed, started
    return max(1, count)


def words(text: str) -> list[str]:
    """The words of ``text``; "10,000", "L4/L5" and "non-steroid" each count as one word."""
    return _TOKEN.findall(text)


def sentence_count(text: str) -> int:
    """Sentences in ``text``: runs of . ! or ? before a space or the end; at least 1 if any word."""
    if not words(text):
        return 0
    ends = len(_SENTENCE_END.findall(text.strip()))
    if not re.search(r"[.!?]+[\"”’')\]]*\s*$", text):
        ends += 1  # a final fragment without a full stop is still a sentence
    return max(1, ends)


@dataclass(frozen=True)
class TextStats:
    words: int
    sentences: int
    syllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words if self.words else 0.0

    @property
    def flesch_kincaid_grade(self) -> float:
        """0.39 × words/sentence + 11.8 × syllables/word − 15.59 (Kincaid et al., 1975)."""
        if not self.words:
            return 0.0
        return 0.39 * self.words_per_sentence + 11.8 * self.syllables_per_word - 15.59

    @property
    def flesch_reading_ease(self) -> float:
        """206.835 − 1.015 × words/sentence − 84.6 × syllables/word; higher is easier."""
        if not self.words:
            return 100.0
        return 206.835 - 1.015 * self.words_per_sentence - 84.6 * self.syllables_per_word


def text_stats(*texts: str) -> TextStats:
    """Counts over several separate texts; each text ends a sentence (a list item, a heading)."""
    n_words = n_sentences = n_syllables = 0
    for text in texts:
        tokens = words(text)
        n_words += len(tokens)
        n_syllables += sum(count_syllables(t) for t in tokens)
        n_sentences += sentence_count(text)
    return TextStats(words=n_words, sentences=n_sentences, syllables=n_syllables)


def flesch_kincaid_grade(*texts: str) -> float:
    """The Flesch–Kincaid grade of ``texts`` read together; 0.0 for no words."""
    return text_stats(*texts).flesch_kincaid_grade
