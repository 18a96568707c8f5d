"""What every mapper shares: codings from the codes file, references, ids and dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from functools import cache
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils import timezone

from spinepath.clinical.coding import Coding, Concept, FhirCodes, codebook

Json = dict[str, Any]

_NOT_ID = re.compile(r"[^A-Za-z0-9\-.]")


def codes() -> FhirCodes:
    """The codes file's ``[fhir]`` section on this service's canonical base (a setting)."""
    return _on_base(settings.SPINEPATH_FHIR_CANONICAL_BASE)


@cache
def _on_base(base: str) -> FhirCodes:
    """spinepath's own systems (``local`` and the route codes built on it) moved from the
    codes file's default onto ``base``; the standard systems (SNOMED, ICD-10, …) unchanged."""
    found = codebook().fhir
    default = found.systems["local"]

    def moved(system: str) -> str:
        return base + system[len(default) :] if system.startswith(default) else system

    return FhirCodes(
        systems={**found.systems, "local": base},
        terms={k: replace(c, system=moved(c.system)) for k, c in found.terms.items()},
        routes={k: replace(c, system=moved(c.system)) for k, c in found.routes.items()},
    )


def canonical(path: str) -> str:
    """``<canonical base>/<path>``: where spinepath's own definitions (Questionnaires) live."""
    return f"{codes().systems['local']}/{path}"


def fhir_id(value: Any) -> str:
    """A FHIR id (letters, digits, ``-`` and ``.``, at most 64) for a spinepath key."""
    if isinstance(value, int | UUID):
        return str(value)
    return _NOT_ID.sub("-", str(value))[:64]


def coding(c: Coding) -> Json:
    return {"system": c.system, "code": c.code, "display": c.display}


def term(key: str) -> Json:
    """One of FHIR's own codes the codes file lists under ``[fhir.terms]``."""
    return coding(codes().terms[key])


def concept(key: str) -> Json:
    """A CodeableConcept holding one ``[fhir.terms]`` code."""
    found = codes().terms[key]
    return {"coding": [coding(found)], "text": found.display}


def local(system: str, code: str, display: str) -> Json:
    """A code in spinepath's own code system ``system``."""
    return {"system": codes().local(system), "code": code, "display": display}


def concept_codings(system: str, item: Concept, *, back_pain: bool | None = None) -> list[Json]:
    """spinepath's own code for ``item``, then each standard coding the codes file gives."""
    return [
        local(system, item.key, item.display),
        *(coding(c) for c in item.codings_for(back_pain=back_pain)),
    ]


def ref(resource_type: str, resource_id: Any, display: str = "") -> Json:
    reference: Json = {"reference": f"{resource_type}/{fhir_id(resource_id)}"}
    if display:
        reference["display"] = display
    return reference


def quantity(value: float, unit_key: str) -> Json:
    unit = codes().terms[unit_key]
    number: float | int = int(value) if float(value).is_integer() else value
    return {"value": number, "unit": unit.display, "system": unit.system, "code": unit.code}


def instant(value: dt.datetime) -> str:
    """A dateTime with its offset (FHIR needs one when a time is given)."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.isoformat()


def date(value: dt.date) -> str:
    return value.isoformat()


def label(value: str) -> str:
    return value.replace("_", " ").capitalize()
