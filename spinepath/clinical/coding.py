"""Code mappings (ICD-10, SNOMED CT, CPT) loaded from ``data/coding.toml``.

Mappings live in a data file rather than code because several are unconfirmed and a clinic must be
able to correct them; ``verify`` flags travel with each code so the UI can say which to check.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from spinepath.clinical.vocab import Complication, Condition, Laterality, Procedure

DATA_FILE = Path(__file__).parent / "data" / "coding.toml"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str
    verify: bool = False


@dataclass(frozen=True)
class Concept:
    """One spinepath code with its human label and external codings."""

    key: str
    display: str
    codings: tuple[Coding, ...]
    cpt: tuple[str, ...] = ()

    @property
    def needs_verification(self) -> bool:
        return any(c.verify for c in self.codings)

    def first(self, system: str) -> Coding | None:
        return next((c for c in self.codings if c.system == system), None)


@dataclass(frozen=True)
class CodeBook:
    systems: dict[str, str]
    conditions: dict[str, Concept]
    procedures: dict[str, Concept]
    laterality: dict[str, Concept]
    red_flags: dict[str, Concept]
    complications: dict[str, Concept]

    @property
    def icd10(self) -> str:
        return self.systems["icd10"]

    @property
    def snomed(self) -> str:
        return self.systems["snomed"]


def _concepts(section: dict[str, Any], systems: dict[str, str]) -> dict[str, Concept]:
    concepts = {}
    for key, entry in section.items():
        codings = tuple(
            Coding(
                system=systems[system_key],
                code=item["code"],
                display=item["display"],
                verify=bool(item.get("verify", False)),
            )
            for system_key in ("icd10", "snomed")
            for item in entry.get(system_key, [])
        )
        concepts[key] = Concept(
            key=key,
            display=entry["display"],
            codings=codings,
            cpt=tuple(entry.get("cpt", ())),
        )
    return concepts


def load_codebook(path: Path = DATA_FILE) -> CodeBook:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    systems = dict(raw["systems"])
    return CodeBook(
        systems=systems,
        conditions=_concepts(raw["conditions"], systems),
        procedures=_concepts(raw["procedures"], systems),
        laterality=_concepts(raw["laterality"], systems),
        red_flags=_concepts(raw["red_flags"], systems),
        complications=_concepts(raw["complications"], systems),
    )


@cache
def codebook() -> CodeBook:
    return load_codebook()


def check_codebook(book: CodeBook) -> list[str]:
    """Problems that would make the data file unusable: every vocabulary code must be mapped."""
    problems = []
    vocabularies: tuple[tuple[type[StrEnum], dict[str, Concept], str], ...] = (
        (Condition, book.conditions, "condition"),
        (Procedure, book.procedures, "procedure"),
        (Complication, book.complications, "complication"),
    )
    for vocab, mapped, label in vocabularies:
        missing = {member.value for member in vocab} - set(mapped)
        problems += [
            f"{label} {code!r} has no entry in the coding file" for code in sorted(missing)
        ]
    sides = {side.value for side in Laterality if side is not Laterality.NOT_APPLICABLE}
    problems += [
        f"laterality {side!r} has no entry in the coding file"
        for side in sorted(sides - set(book.laterality))
    ]
    return problems


def condition_choices() -> list[tuple[str, str]]:
    return [(c.value, codebook().conditions[c.value].display) for c in Condition]


def procedure_choices() -> list[tuple[str, str]]:
    return [(p.value, codebook().procedures[p.value].display) for p in Procedure]
