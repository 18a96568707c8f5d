"""Merging a clinic's licensed wording file into the shipped definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from spinepath.clinical.instruments import (
    INSTRUMENTS,
    Wording,
    WordingError,
    apply_wording,
    check_wording,
    load_wording_file,
    score,
)

# Made-up test wording: never real licensed text.
SECTION_3 = {"text": "Test wording for section three", "options": [f"level {n}" for n in range(6)]}


def full_odi() -> dict[str, Any]:
    return {
        f"s{n}": {"text": f"Test section {n}", "options": [f"opt {v}" for v in range(6)]}
        for n in range(1, 11)
    }


def test_partial_wording_merges_but_keeps_the_placeholder_status() -> None:
    merged = apply_wording({"odi": {"s3": SECTION_3}})
    item = merged["odi"].item("s3")
    assert item.text == "Test wording for section three"
    assert [o.text for o in item.options] == SECTION_3["options"]
    assert [o.value for o in item.options] == list(range(6))
    assert not item.placeholder
    assert merged["odi"].wording is Wording.PLACEHOLDER
    assert merged["odi"].item("s4").placeholder
    # The shipped definitions are untouched.
    assert INSTRUMENTS["odi"].item("s3").placeholder


def test_complete_wording_marks_the_instrument_clinic_supplied() -> None:
    merged = apply_wording({"odi": full_odi()})
    assert merged["odi"].wording is Wording.CLINIC_SUPPLIED
    answers = {f"s{n}": 2 for n in range(1, 11)}
    assert score("odi", answers, merged).score == 40.0


def test_text_only_entries_keep_the_options() -> None:
    merged = apply_wording({"rmdq": {"q1": {"text": "Test statement one"}}})
    assert merged["rmdq"].item("q1").options == INSTRUMENTS["rmdq"].item("q1").options


@pytest.mark.parametrize(
    ("wording", "problem"),
    [
        ({"phq9": {}}, "phq9: unknown instrument"),
        ({"odi": {"s11": {"text": "x"}}}, "odi.s11: unknown item"),
        ({"odi": {"s1": {"text": ""}}}, "odi.s1.text"),
        ({"odi": {"s1": {"text": "x", "options": ["a", "b"]}}}, "2 given but the item has 6"),
        ({"odi": {"s1": {"text": "x", "options": "a"}}}, "odi.s1.options"),
        ({"odi": {"s1": {"text": "x", "colour": "red"}}}, "unknown keys colour"),
        ({"odi": ["s1"]}, "odi: must be an object"),
        ({"odi": {"s1": "text"}}, "odi.s1: must be an object"),
        (["odi"], "must be an object keyed by instrument code"),
    ],
)
def test_wording_that_does_not_fit_is_rejected(wording: Any, problem: str) -> None:
    assert any(problem in p for p in check_wording(wording))
    with pytest.raises(WordingError):
        apply_wording(wording)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(WordingError) as error:
        apply_wording({"phq9": {}, "odi": {"s11": {"text": "x"}}})
    assert len(error.value.problems) == 2


def test_load_wording_file(tmp_path: Path) -> None:
    path = tmp_path / "wording.json"
    path.write_text(json.dumps({"startback": {"q9": {"text": "Test bother question"}}}))
    merged = load_wording_file(path)
    assert merged["startback"].item("q9").text == "Test bother question"


def test_load_wording_file_rejects_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "wording.json"
    path.write_text("{not json")
    with pytest.raises(WordingError, match="not valid JSON"):
        load_wording_file(path)
