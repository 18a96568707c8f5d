"""Code mappings (ICD-10, SNOMED CT, CPT) loaded from ``data/coding.toml``.

Mappings live in a data file rather than code because several are unconfirmed and a clinic must be
able to correct them; ``verify`` flags travel with each code so the UI can say which to check.

One code per concept: where a classification has alternatives that exclude each other (sciatica
is M54.3 *or* M54.4), the file says when each applies and ``Concept.codings_for`` picks one from
what the record says. Procedure CPT codes likewise say which level they are for, so
``cpt_lines`` gives a single-level injection its primary code only and adds an add-on per level.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from spinepath.clinical.vocab import (
    IONISING_IMAGING,
    Complication,
    Condition,
    Laterality,
    Procedure,
)

DATA_FILE = Path(__file__).parent / "data" / "coding.toml"

BACK_PAIN = "back_pain"
NO_BACK_PAIN = "no_back_pain"
CONDITION_WHEN = frozenset({BACK_PAIN, NO_BACK_PAIN})
FHIR_SYSTEMS = ("nhs_number", "cpt", "ucum", "language", "local")
"""System URIs the FHIR mappers read from ``[fhir.systems]``."""


class CptPer(StrEnum):
    """When a CPT code applies to a procedure record."""

    ONCE = "once"
    FIRST_LEVEL = "first_level"
    EACH_ADDITIONAL_LEVEL = "each_additional_level"
    SECOND_LEVEL = "second_level"
    THIRD_AND_MORE_LEVELS = "third_and_more_levels"
    WITH_IMAGING = "with_imaging"
    WITHOUT_IMAGING = "without_imaging"


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str
    verify: bool = False
    when: str = ""
    """"" always applies; otherwise the record fact it needs (``CONDITION_WHEN``)."""
    default: bool = False
    """Used when the record does not say which alternative applies."""


@dataclass(frozen=True)
class CptCode:
    code: str
    display: str
    per: CptPer


@dataclass(frozen=True)
class CptLine:
    """One CPT code for a record: ``units`` times, with ``modifier`` ("50": both sides) if any."""

    code: str
    display: str
    units: int = 1
    modifier: str = ""


@dataclass(frozen=True)
class Concept:
    """One spinepath code with its human label and external codings."""

    key: str
    display: str
    all_codings: tuple[Coding, ...]
    cpt: tuple[CptCode, ...] = ()
    bilateral_modifier: str = ""

    @property
    def needs_verification(self) -> bool:
        return any(c.verify for c in self.codings)

    @property
    def codings(self) -> tuple[Coding, ...]:
        """One coding per system, when the record gives no more to choose by."""
        return self.codings_for()

    def codings_for(self, *, back_pain: bool | None = None) -> tuple[Coding, ...]:
        """One coding per system: the alternative the record's facts select, else the default."""
        wanted = None if back_pain is None else (BACK_PAIN if back_pain else NO_BACK_PAIN)
        chosen: list[Coding] = []
        for system in dict.fromkeys(c.system for c in self.all_codings):
            options = [c for c in self.all_codings if c.system == system]
            pick = next(
                (c for c in options if c.when and c.when == wanted),
                next((c for c in options if c.default or not c.when), None),
            )
            if pick is not None:
                chosen.append(pick)
        return tuple(chosen)

    def first(self, system: str) -> Coding | None:
        return next((c for c in self.codings if c.system == system), None)


@dataclass(frozen=True)
class FhirCodes:
    """What the FHIR mappers send: system URIs, FHIR's own codes, each procedure's route."""

    systems: dict[str, str]
    terms: dict[str, Coding]
    routes: dict[str, Coding]

    def local(self, name: str) -> str:
        """The URI of spinepath's own code system ``name`` (``<local>/CodeSystem/<name>``)."""
        return f"{self.systems['local']}/CodeSystem/{name}"

    def identifier(self, name: str) -> str:
        """The URI of spinepath's own identifier system ``name`` (``<local>/Id/<name>``)."""
        return f"{self.systems['local']}/Id/{name}"


def _fhir_codes(raw: dict[str, Any]) -> FhirCodes:
    systems = {str(k): str(v) for k, v in raw.get("systems", {}).items()}
    terms = {
        key: Coding(system=item["system"], code=item["code"], display=item["display"])
        for key, item in raw.get("terms", {}).items()
    }
    local = systems.get("local", "")
    routes = {
        key: Coding(system=f"{local}/CodeSystem/route", code=item["code"], display=item["display"])
        for key, item in raw.get("routes", {}).items()
    }
    return FhirCodes(systems=systems, terms=terms, routes=routes)


@dataclass(frozen=True)
class CodeBook:
    systems: dict[str, str]
    conditions: dict[str, Concept]
    procedures: dict[str, Concept]
    laterality: dict[str, Concept]
    red_flags: dict[str, Concept]
    complications: dict[str, Concept]
    fhir: FhirCodes = field(default_factory=lambda: FhirCodes({}, {}, {}))

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
                when=str(item.get("when", "")),
                default=bool(item.get("default", False)),
            )
            for system_key in ("icd10", "snomed")
            for item in entry.get(system_key, [])
        )
        concepts[key] = Concept(
            key=key,
            display=entry["display"],
            all_codings=codings,
            cpt=tuple(
                CptCode(code=item["code"], display=item["display"], per=CptPer(item["per"]))
                for item in entry.get("cpt", ())
            ),
            bilateral_modifier=str(entry.get("bilateral_modifier", "")),
        )
    return concepts


def cpt_lines(concept: Concept, *, levels: int, imaging: str, side: str) -> list[CptLine]:
    """The CPT codes for one record: the primary code once, an add-on per further level.

    A record without levels counts as one level (the procedure was still done once).
    """
    count = max(1, levels)
    guided = imaging in {i.value for i in IONISING_IMAGING}
    units = {
        CptPer.ONCE: 1,
        CptPer.FIRST_LEVEL: 1,
        CptPer.EACH_ADDITIONAL_LEVEL: count - 1,
        CptPer.SECOND_LEVEL: 1 if count >= 2 else 0,
        CptPer.THIRD_AND_MORE_LEVELS: 1 if count >= 3 else 0,
        CptPer.WITH_IMAGING: 1 if guided else 0,
        CptPer.WITHOUT_IMAGING: 0 if guided else 1,
    }
    modifier = concept.bilateral_modifier if side == Laterality.BILATERAL else ""
    return [
        CptLine(code=c.code, display=c.display, units=units[c.per], modifier=modifier)
        for c in concept.cpt
        if units[c.per] > 0
    ]


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
        fhir=_fhir_codes(raw.get("fhir", {})),
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
    for section, concepts in (("condition", book.conditions), ("procedure", book.procedures)):
        for key, concept in concepts.items():
            problems += _alternatives_problems(f"{section} {key!r}", concept)
    problems += [
        f"procedure {key!r} has no FHIR route in the coding file"
        for key in sorted(set(book.procedures) - set(book.fhir.routes))
    ]
    problems += [
        f"the FHIR system {name!r} is missing from the coding file"
        for name in FHIR_SYSTEMS
        if name not in book.fhir.systems
    ]
    sides = {side.value for side in Laterality if side is not Laterality.NOT_APPLICABLE}
    problems += [
        f"laterality {side!r} has no entry in the coding file"
        for side in sorted(sides - set(book.laterality))
    ]
    return problems


def _alternatives_problems(label: str, concept: Concept) -> list[str]:
    """Alternatives must be choosable: known ``when`` values, one default, no two unconditional."""
    problems = []
    for system in dict.fromkeys(c.system for c in concept.all_codings):
        options = [c for c in concept.all_codings if c.system == system]
        unknown = sorted({c.when for c in options if c.when and c.when not in CONDITION_WHEN})
        problems += [f"{label}: unknown 'when' {when!r}" for when in unknown]
        fallback = [c for c in options if c.default or not c.when]
        if len(fallback) != 1:
            problems.append(
                f"{label}: needs exactly one {system} code without 'when' or marked default "
                f"(has {len(fallback)})"
            )
    return problems


def condition_choices() -> list[tuple[str, str]]:
    return [(c.value, codebook().conditions[c.value].display) for c in Condition]


def procedure_choices() -> list[tuple[str, str]]:
    return [(p.value, codebook().procedures[p.value].display) for p in Procedure]


def complication_choices() -> list[tuple[str, str]]:
    return [(c.value, codebook().complications[c.value].display) for c in Complication]
