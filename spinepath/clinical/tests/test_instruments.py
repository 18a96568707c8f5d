"""Questionnaire scoring exactly as instruments.md, and the definitions that ship."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.instruments import (
    INSTRUMENTS,
    Licence,
    NotScorable,
    UnknownInstrument,
    Wording,
    score,
    validate_instruments,
)
from spinepath.clinical.instruments.definitions import PLACEHOLDER_PREFIX
from spinepath.clinical.instruments.scoring import odi_band
from spinepath.clinical.tests.factories import PROPERTY


def odi(*values: int | None) -> dict[str, int | None]:
    return {f"s{n}": v for n, v in enumerate(values, start=1)}


def startback(*agree: int, q9: int) -> dict[str, int]:
    return {**{f"q{n}": v for n, v in enumerate(agree, start=1)}, "q9": q9}


# --- NRS and PGIC ---------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["nrs", "nrs_back", "nrs_leg"])
def test_nrs_score_is_the_answer(code: str) -> None:
    result = score(code, {"score": 7})
    assert result.model_dump() == {
        "instrument": code,
        "version": "spinepath-1",
        "score": 7,
        "band": None,
        "subscores": {},
    }
    assert score(code, {"score": 0}).score == 0
    assert score(code, {"score": 10.0}).score == 10


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"score": 6.5}, "score"),
        ({"score": "7"}, "score"),
        ({"score": True}, "score"),
        ({}, "score"),
        ({"score": None}, "score"),
        ({"score": 5, "mood": 3}, "mood"),
    ],
)
def test_nrs_not_scorable_names_the_field(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(NotScorable) as error:
        score("nrs", answers)
    assert error.value.field == field


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (1, "very_much_improved"),
        (2, "much_improved"),
        (3, "minimally_improved"),
        (4, "no_change"),
        (5, "minimally_worse"),
        (6, "much_worse"),
        (7, "very_much_worse"),
    ],
)
def test_pgic_bands(value: int, band: str) -> None:
    result = score("pgic", {"score": value})
    assert (result.score, result.band) == (value, band)


@pytest.mark.parametrize("value", [0, 8])
def test_pgic_out_of_range(value: int) -> None:
    with pytest.raises(NotScorable, match="score"):
        score("pgic", {"score": value})


# --- ODI ------------------------------------------------------------------------------------------


def test_odi_all_ten_sections() -> None:
    result = score("odi", odi(5, 4, 3, 2, 1, 0, 1, 2, 3, 4))  # 25 of 50
    assert (result.score, result.band, result.version) == (50.0, "severe", "2.1a")


def test_odi_nine_sections_rounds_to_one_decimal() -> None:
    result = score("odi", odi(3, 2, 1, 0, 5, 4, 2, None, 0, 0))  # 17 of 45 = 37.78
    assert (result.score, result.band) == (37.8, "moderate")


def test_odi_eight_sections() -> None:
    result = score("odi", odi(1, 1, 1, 1, 1, 1, 1, 0))  # 7 of 40 = 17.5
    assert (result.score, result.band) == (17.5, "minimal")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (10, "minimal"),
        (11, "moderate"),
        (20, "moderate"),
        (21, "severe"),
        (30, "severe"),
        (31, "crippling"),
        (40, "crippling"),
        (41, "bed_bound"),
        (50, "bed_bound"),
    ],
)
def test_odi_bands_at_their_boundaries(total: int, band: str) -> None:
    values = [5] * (total // 5) + ([total % 5] if total % 5 else [])
    values += [0] * (10 - len(values))
    result = score("odi", odi(*values))
    assert result.score == total * 2
    assert result.band == band


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (20.0, "minimal"),
        (20.1, "moderate"),
        (40.0, "moderate"),
        (40.1, "severe"),
        (60.0, "severe"),
        (60.1, "crippling"),
        (80.0, "crippling"),
        (80.1, "bed_bound"),
    ],
)
def test_odi_band_edges(value: float, band: str) -> None:
    assert odi_band(value) == band


def test_odi_with_three_sections_missing_is_not_scorable() -> None:
    with pytest.raises(NotScorable) as error:
        score("odi", odi(1, 2, 3, 4, 5, 0, 1, None, None))
    assert error.value.field == "answers"
    assert "s8, s9, s10" in error.value.reason


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        (odi(1, 2, 6, 0, 0, 0, 0, 0, 0, 0), "s3"),
        (odi(1, 2, "3", 0, 0, 0, 0, 0, 0, 0), "s3"),  # type: ignore[arg-type]
        ({**odi(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), "s11": 1}, "s11"),
    ],
)
def test_odi_bad_answers_name_the_section(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(NotScorable) as error:
        score("odi", answers)
    assert error.value.field == field


@PROPERTY
@given(
    st.integers(0, 5),
    st.sets(st.sampled_from([f"s{n}" for n in range(1, 11)]), max_size=2),
    st.booleans(),
)
def test_odi_with_every_answer_k_scores_k_times_20(
    k: int, missing: set[str], as_null: bool
) -> None:
    answers: dict[str, int | None] = {f"s{n}": k for n in range(1, 11) if f"s{n}" not in missing}
    if as_null:
        answers.update(dict.fromkeys(missing))
    assert score("odi", answers).score == k * 20


# --- RMDQ -----------------------------------------------------------------------------------------


def test_rmdq_counts_ticked_statements() -> None:
    items: list[bool | None] = [True] * 9 + [False] * 10 + [None] * 5
    result = score("rmdq", {"items": items})
    assert (result.score, result.band) == (9, None)
    assert score("rmdq", {"items": [True] * 24}).score == 24
    assert score("rmdq", {"items": [None] * 24}).score == 0


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"items": [True] * 23}, "items"),
        ({"items": "all"}, "items"),
        ({"items": [True] * 3 + ["yes"] + [False] * 20}, "items[3]"),
        ({"items": [1] * 24}, "items[0]"),
        ({}, "items"),
        ({"items": [True] * 24, "extra": 1}, "extra"),
    ],
)
def test_rmdq_not_scorable(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(NotScorable) as error:
        score("rmdq", answers)
    assert error.value.field == field


# --- STarT Back -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "band"),
    [
        (startback(0, 0, 0, 0, 0, 0, 0, 0, q9=0), 0, 0, "low"),
        (startback(1, 1, 1, 0, 0, 0, 0, 0, q9=2), 3, 0, "low"),  # q9 = 2 does not count
        (startback(0, 0, 0, 0, 1, 1, 0, 0, q9=4), 3, 3, "low"),  # total 3: low whatever
        (startback(1, 1, 1, 1, 0, 0, 0, 0, q9=0), 4, 0, "medium"),
        (startback(1, 1, 1, 0, 1, 1, 1, 0, q9=2), 6, 3, "medium"),
        (startback(0, 0, 0, 0, 1, 1, 1, 1, q9=0), 4, 4, "high"),
        (startback(1, 1, 0, 0, 1, 1, 1, 0, q9=3), 6, 4, "high"),
        (startback(1, 1, 1, 1, 1, 1, 1, 1, q9=4), 9, 5, "high"),
    ],
)
def test_startback_subgroups(
    answers: dict[str, int], total: int, psychosocial: int, band: str
) -> None:
    result = score("startback", answers)
    assert result.model_dump() == {
        "instrument": "startback",
        "version": "9-item",
        "score": total,
        "band": band,
        "subscores": {"psychosocial": psychosocial},
    }


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({f"q{n}": 0 for n in range(1, 9)}, "q9"),
        (startback(2, 0, 0, 0, 0, 0, 0, 0, q9=0), "q1"),
        (startback(0, 0, 0, 0, 0, 0, 0, 0, q9=5), "q9"),
        ({**startback(0, 0, 0, 0, 0, 0, 0, 0, q9=0), "q10": 1}, "q10"),
    ],
)
def test_startback_not_scorable(answers: dict[str, Any], field: str) -> None:
    with pytest.raises(NotScorable) as error:
        score("startback", answers)
    assert error.value.field == field


# --- every instrument -----------------------------------------------------------------------------


def test_unknown_instrument() -> None:
    with pytest.raises(UnknownInstrument) as error:
        score("phq9", {})
    assert error.value.field == "instrument"


def test_answers_must_be_an_object() -> None:
    with pytest.raises(NotScorable, match="answers"):
        score("odi", [1, 2, 3])  # type: ignore[arg-type]


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    code = draw(st.sampled_from(sorted(INSTRUMENTS)))
    instrument = INSTRUMENTS[code]
    if code == "rmdq":
        return code, {"items": draw(st.lists(st.none() | st.booleans(), min_size=24, max_size=24))}
    answers: dict[str, int | None] = {
        item.id: draw(st.sampled_from(item.values)) for item in instrument.items
    }
    if code == "odi":
        for key in draw(st.sets(st.sampled_from(sorted(answers)), max_size=2)):
            answers[key] = None
    return code, answers


@PROPERTY
@given(valid_answers())
def test_scores_are_within_the_declared_range(case: tuple[str, dict[str, Any]]) -> None:
    code, answers = case
    instrument = INSTRUMENTS[code]
    result = score(code, answers)
    assert instrument.score_min <= result.score <= instrument.score_max
    assert result.band is None or result.band in instrument.bands
    if code == "startback":
        assert 0 <= result.subscores["psychosocial"] <= 5


def test_definitions_are_well_formed() -> None:
    assert validate_instruments() == []
    assert set(INSTRUMENTS) == {"nrs", "nrs_back", "nrs_leg", "odi", "rmdq", "startback", "pgic"}


def test_licensed_instruments_ship_only_labelled_placeholders() -> None:
    for code in ("odi", "rmdq", "startback"):
        instrument = INSTRUMENTS[code]
        assert not instrument.licence.may_ship_wording
        assert instrument.wording is Wording.PLACEHOLDER
        assert all(item.text.startswith(PLACEHOLDER_PREFIX) for item in instrument.items)
    lifting = INSTRUMENTS["odi"].item("s3")
    assert lifting.text == "Licensed wording not loaded — ODI section 3: Lifting, options 0–5"
    assert lifting.values == (0, 1, 2, 3, 4, 5)
    assert len(INSTRUMENTS["rmdq"].items) == 24
    assert INSTRUMENTS["startback"].item("q9").values == (0, 1, 2, 3, 4)


def test_public_instruments_ship_their_own_wording() -> None:
    for code in ("nrs", "nrs_back", "nrs_leg", "pgic"):
        instrument = INSTRUMENTS[code]
        assert instrument.licence in (Licence.PUBLIC_USE, Licence.PUBLIC_DOMAIN)
        assert instrument.wording is Wording.OWN
        assert not any(item.placeholder for item in instrument.items)
    assert INSTRUMENTS["nrs"].recall_period == "the last week"


def test_validate_instruments_finds_problems() -> None:
    odi_def = INSTRUMENTS["odi"]
    own = dataclasses.replace(odi_def, wording=Wording.OWN)
    doubled = dataclasses.replace(odi_def, items=odi_def.items + odi_def.items[:1])
    problems = validate_instruments({"odi": own, "startback": doubled})
    assert any("must not ship its own wording" in p for p in problems)
    assert any("registered under the wrong code" in p for p in problems)
    assert any("duplicate item ids" in p for p in problems)
