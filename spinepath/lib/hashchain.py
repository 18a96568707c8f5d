"""A hash chain over append-only rows: the one definition of a row's hash, and its check.

Each row's hash is SHA-256 of the canonical JSON of ``{"previous": <the row before's hash>,
"row": <the row's fields>}`` (keys sorted, no spaces, UTF-8, integral floats written as integers
so a value reads back the same from any database's JSON). The first row's ``previous`` is
:data:`GENESIS`. Changing any field of a row changes its hash; deleting, inserting or moving a
row breaks the next row's link; :func:`verify` names the row where the chain stops holding.

The chain has no secret: someone who can rewrite every row after the one they change can
rebuild it. What the chain adds is that they must, and that the head they leave differs from
any head noted earlier (``verify_audit`` prints the head; ``--anchor`` checks a noted one).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


def _plain(value: object) -> object:
    # Cheap checks first (built-in types, not the Mapping ABC): this walks every event written.
    if value is None or type(value) is str or type(value) is int or type(value) is bool:
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict | Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def canonical(value: object) -> str:
    """``value`` as canonical JSON: the same text for the same data, whatever stored it."""
    return json.dumps(
        _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def row_hash(fields: Mapping[str, object], previous: str) -> str:
    """The hash of a row with ``fields`` that follows the row whose hash is ``previous``."""
    text = canonical({"previous": previous, "row": fields})
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Link:
    """A stored row as the chain sees it: its place, fields, stored hashes and write time."""

    seq: int
    key: str  # how a report names the row (its id); never its contents
    fields: Mapping[str, object]
    previous: str
    digest: str
    written: datetime


@dataclass(frozen=True)
class Problem:
    seq: int
    key: str
    kind: str  # changed | missing | relinked | back-dated | out of order
    message: str


def verify(links: Iterable[Link]) -> Iterator[Problem]:
    """Every place where ``links`` (in stored order) is not an unbroken chain from GENESIS."""
    expected_seq, previous, last_written = 1, GENESIS, None
    for link in links:
        if link.seq < expected_seq:
            yield Problem(
                link.seq, link.key, "out of order", f"position {link.seq} after {expected_seq - 1}"
            )
        elif link.seq > expected_seq:
            gap = (
                f"{expected_seq}"
                if link.seq == expected_seq + 1
                else (f"{expected_seq}–{link.seq - 1}")
            )
            yield Problem(link.seq, link.key, "missing", f"rows at position {gap} are missing")
        if row_hash(link.fields, link.previous) != link.digest:
            yield Problem(link.seq, link.key, "changed", "its contents no longer match its hash")
        if link.previous != previous:
            yield Problem(
                link.seq,
                link.key,
                "relinked",
                "it does not follow the row before it (a row was removed, added or changed)",
            )
        if last_written is not None and link.written < last_written:
            yield Problem(
                link.seq, link.key, "back-dated", "written earlier than the row before it"
            )
        expected_seq, previous = link.seq + 1, link.digest
        last_written = link.written if last_written is None else max(last_written, link.written)
