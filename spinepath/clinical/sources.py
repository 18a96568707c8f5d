"""The references that rules, thresholds and patient information cite as ``[n]``.

The list lives in ``data/sources.md``, a copy of the clinical specification's own reference list,
so a citation such as ``"ASRA 2018 [19][21]"`` on a decision page or a consent sheet can be turned
into links to one references page (``#source-19``) and a numbered list printed on a PDF. Keys are
strings because the specification uses ``R1`` and ``56b`` beside plain numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "sources.md"

_KEY = r"[0-9]+[a-z]?|R[0-9]+|S[0-9]+"
CITATION = re.compile(rf"\[({_KEY})\]")
"""One citation in running text: ``[12]``, ``[56b]``, ``[R1]``."""

_ENTRY_START = re.compile(rf"(?:^-\s*|\s)\[({_KEY})\]\s+")


@dataclass(frozen=True)
class Source:
    """One reference: its key as cited (``"19"``) and the citation as the specification gives it."""

    key: str
    citation: str

    @property
    def anchor(self) -> str:
        """The fragment id of this source on the references page."""
        return anchor(self.key)

    @property
    def label(self) -> str:
        return f"[{self.key}]"


def anchor(key: str) -> str:
    return f"source-{key}"


def parse_sources(text: str) -> dict[str, Source]:
    """Entries ``- [n] citation`` in order; a line may hold several (``[74b] … [74c] …``)."""
    sources: dict[str, Source] = {}
    for line in text.splitlines():
        if not line.startswith("- ["):
            continue
        starts = list(_ENTRY_START.finditer(line))
        for here, following in zip(starts, [*starts[1:], None], strict=True):
            end = following.start() if following is not None else len(line)
            key = here.group(1)
            sources[key] = Source(key=key, citation=line[here.end() : end].strip())
    return sources


@cache
def all_sources() -> dict[str, Source]:
    """Every reference in the data file, in the order it lists them."""
    return parse_sources(DATA_FILE.read_text(encoding="utf-8"))


def cited_keys(text: str) -> list[str]:
    """The keys cited in ``text``, in order of first appearance, without repeats."""
    return list(dict.fromkeys(CITATION.findall(text)))


def cited(text: str) -> list[Source]:
    """The sources ``text`` cites that the reference list knows, in order of first citation."""
    known = all_sources()
    return [known[key] for key in cited_keys(text) if key in known]


def split_citations(text: str) -> list[tuple[str, Source | None]]:
    """``text`` cut at its citations, in order: plain pieces as ``(text, None)`` and each
    citation the list knows as ``("[19]", source)``; an unknown ``[n]`` stays plain text.

    Pages and PDFs build their links from this one reading of a citation line.
    """
    known = all_sources()
    pieces: list[tuple[str, Source | None]] = []
    last = 0
    for match in CITATION.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], None))
        pieces.append((match.group(0), known.get(match.group(1))))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], None))
    return pieces


def unknown_citations(text: str) -> list[str]:
    """Keys cited in ``text`` that the reference list lacks (a data error worth a test)."""
    known = all_sources()
    return [key for key in cited_keys(text) if key not in known]
