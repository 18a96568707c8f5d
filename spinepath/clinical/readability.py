"""How hard patient-facing text is to read: Flesch–Kincaid and SMOG grades, measured by textstat.

SMOG is the measure UK health leaflets use: it counts words of three or more syllables per
sentence, and its grade is a US school grade (reading age is roughly the grade plus 5, so grade 7
is a reading age of about 12). Flesch–Kincaid weighs sentence length and syllables per word; on
short-sentence text it reads lower than SMOG, so both are reported and SMOG is the one held to a
target (``SMOG_TARGET``). Syllables come from textstat's bundled CMU pronouncing dictionary, with
a hyphenation rule for words it lacks; nothing is downloaded.

A score only counts sentences, words and syllables. It is a guard against long sentences and long
words, not proof that a text is clear: read the text aloud as well.

Several separate texts (a heading, a list item) are measured as one passage in which each text
ends a sentence (:func:`as_passage`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

import textstat  # type: ignore[import-untyped]

SMOG_TARGET = 7.0
"""The highest SMOG grade any generated patient sheet may have (reading age about 12)."""

_ENDS_A_SENTENCE = re.compile(r"[.!?][\"”’')\]]*\s*$")
_CITATION = re.compile(r"\[[0-9A-Za-z]+\]")


def as_passage(*texts: str) -> str:
    """``texts`` as one passage: each non-empty text ends a sentence; citations are dropped."""
    parts = []
    for text in texts:
        text = " ".join(_CITATION.sub("", text).split())
        if not text:
            continue
        parts.append(text if _ENDS_A_SENTENCE.search(text) else f"{text}.")
    return " ".join(parts)


@dataclass(frozen=True)
class ReadingScores:
    flesch_kincaid_grade: float
    smog_grade: float
    words: int
    sentences: int
    syllables: int
    hard_words: int
    """Words of three or more syllables (what SMOG counts)."""

    @property
    def smog_reading_age(self) -> float:
        """SMOG grade + 5: the reading age in years the grade corresponds to."""
        return self.smog_grade + 5


@dataclass(frozen=True)
class _Counts:
    words: int
    sentences: int
    syllables: int
    hard_words: int


_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)


@lru_cache(maxsize=20_000)
def _counts(sentence_text: str) -> _Counts:
    """textstat's counts for one text that ends a sentence.

    textstat's own sentence count ignores "sentences" of two words or fewer and never returns
    less than 1; the first part is kept here and the floor applied to the total, so counts of
    separate texts add up to the counts of the whole passage (and the cache makes a sheet that
    shares most of its text with another cheap to measure).
    """
    sentences = sum(
        1 for part in _SENTENCE.findall(sentence_text) if textstat.lexicon_count(part) > 2
    )
    return _Counts(
        words=int(textstat.lexicon_count(sentence_text)),
        sentences=sentences,
        syllables=int(textstat.syllable_count(sentence_text)),
        hard_words=int(textstat.polysyllabcount(sentence_text)),
    )


def reading_scores(*texts: str) -> ReadingScores:
    """Flesch–Kincaid and SMOG grades of ``texts`` read together (see :func:`as_passage`).

    The same figures textstat gives for the whole passage (a test holds them to it), summed text
    by text: FK = 0.39 × words/sentence + 11.8 × syllables/word − 15.59;
    SMOG = 1.043 × √(30 × hard words / sentences) + 3.1291.
    """
    counts = [_counts(as_passage(text)) for text in texts if as_passage(text)]
    words = sum(c.words for c in counts)
    if not words:
        return ReadingScores(0.0, 0.0, 0, 0, 0, 0)
    sentences = max(1, sum(c.sentences for c in counts))
    syllables = sum(c.syllables for c in counts)
    hard = sum(c.hard_words for c in counts)
    return ReadingScores(
        flesch_kincaid_grade=0.39 * words / sentences + 11.8 * syllables / words - 15.59,
        smog_grade=1.043 * math.sqrt(30 * hard / sentences) + 3.1291,
        words=words,
        sentences=sentences,
        syllables=syllables,
        hard_words=hard,
    )


def flesch_kincaid_grade(*texts: str) -> float:
    return reading_scores(*texts).flesch_kincaid_grade


def smog_grade(*texts: str) -> float:
    return reading_scores(*texts).smog_grade


def hard_words(*texts: str) -> Counter[str]:
    """The words of three or more syllables in ``texts``, with how often each occurs.

    What to rewrite first when a text's SMOG grade is too high.
    """
    words = textstat.remove_punctuation(as_passage(*texts)).lower().split()
    return Counter(w for w in words if int(textstat.syllable_count(w)) >= 3)
