"""Golden file: every resource of one fully populated episode, as ``$everything`` returns it.

Ids (random UUIDs, database keys) and the day's dates and times are replaced by stable
placeholders, so the file pins the structure, the codes and the wording. After a deliberate
change, rewrite it with ``SPINEPATH_UPDATE_GOLDEN=1`` and read the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from spinepath.fhir.resources import patient_resources
from spinepath.fhir.tests.world import populated_episode

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden" / "populated_episode.json"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)?$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def normalised(resources: list[dict[str, Any]], fixed_days: set[str]) -> list[dict[str, Any]]:
    """Each ``Type/id`` becomes ``Type/<type>-<n>`` (n by first appearance), ids and references."""
    names: dict[tuple[str, str], str] = {}
    for resource in resources:
        kind = resource["resourceType"]
        count = sum(k == kind for k, _ in names)
        names.setdefault((kind, resource["id"]), f"{kind.lower()}-{count + 1}")

    def fix(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: fix(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v, key) for v in value]
        if isinstance(value, str):
            if key == "reference" and "/" in value:
                kind, _, raw = value.partition("/")
                return f"{kind}/{names.get((kind, raw), '<unresolved>')}"
            if DATETIME.match(value):
                return "<datetime>"
            if DAY.match(value) and value not in fixed_days:
                return "<day>"
        return value

    fixed = []
    for resource in resources:
        copy = fix(resource)
        copy["id"] = names[(resource["resourceType"], resource["id"])]
        fixed.append(copy)
    return fixed


def test_a_populated_episode_matches_the_golden_file(
    episode_a: Any, clinician_a: Any, physio_a: Any, settings: Any
) -> None:
    settings.SPINEPATH_FHIR_CANONICAL_BASE = "https://fhir.spinepath.test"
    populated_episode(episode_a, clinician_a, physio_a)
    fixed = {episode_a.referral_date.isoformat(), episode_a.patient.date_of_birth.isoformat()}
    produced = normalised(patient_resources(episode_a.patient), fixed)
    text = json.dumps(produced, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("SPINEPATH_UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")
