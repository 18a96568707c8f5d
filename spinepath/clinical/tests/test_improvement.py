"""Responder definitions (instruments.md, "What counts as improvement")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.instruments import (
    is_meaningful_nrs,
    is_meaningful_odi,
    is_meaningful_pgic,
    is_meaningful_rmdq,
    is_positive_mbb,
    is_substantial_mbb,
    is_substantial_nrs,
    is_substantial_pgic,
    primary_pain_measure,
)
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import Condition


@pytest.mark.parametrize(
    ("baseline", "follow", "meaningful", "substantial"),
    [
        (10, 7, True, False),  # 3 points, 30%
        (10, 8, False, False),  # 2 points but 20%
        (5, 3, True, False),  # 2 points, 40%
        (6, 5, False, False),
        (3, 2, False, False),  # 33% but 1 point
        (8, 4, True, True),
        (8, 5, True, False),
        (2, 1, False, False),  # 50% but a single point
        (4, 2, True, True),
        (0, 0, False, False),
        (5, 7, False, False),
    ],
)
def test_nrs(baseline: int, follow: int, meaningful: bool, substantial: bool) -> None:
    assert is_meaningful_nrs(baseline, follow) is meaningful
    assert is_substantial_nrs(baseline, follow) is substantial


@pytest.mark.parametrize(
    ("baseline", "follow", "expected"),
    [
        (50, 40, True),
        (20, 14, True),
        (20, 15, False),
        (12, 11, False),
        (0, 0, False),
        (30, 35, False),
    ],
)
def test_odi(baseline: float, follow: float, expected: bool) -> None:
    assert is_meaningful_odi(baseline, follow) is expected


@pytest.mark.parametrize(
    ("baseline", "follow", "expected"),
    [(20, 15, True), (10, 7, True), (10, 8, False), (24, 20, False), (0, 0, False)],
)
def test_rmdq(baseline: int, follow: int, expected: bool) -> None:
    assert is_meaningful_rmdq(baseline, follow) is expected


def test_pgic_and_mbb() -> None:
    assert [is_meaningful_pgic(s) for s in range(1, 8)] == [True, True] + [False] * 5
    assert [is_substantial_pgic(s) for s in range(1, 8)] == [True] + [False] * 6
    assert is_positive_mbb(50) and not is_positive_mbb(49)
    assert is_substantial_mbb(80) and not is_substantial_mbb(79)


@pytest.mark.parametrize(
    ("condition", "leg_dominant", "measure"),
    [
        (Condition.SCIATICA, None, "nrs_leg"),
        (Condition.SCIATICA, False, "nrs_back"),
        (Condition.LUMBAR_DISC_HERNIATION, True, "nrs_leg"),
        (Condition.LUMBAR_DISC_HERNIATION, None, "nrs_back"),
        (Condition.SPINAL_STENOSIS, True, "nrs_leg"),
        (Condition.FACET_JOINT_ARTHRITIS, False, "nrs_back"),
        (Condition.NONSPECIFIC_LOW_BACK_PAIN, None, "nrs_back"),
    ],
)
def test_primary_pain_measure(
    condition: Condition, leg_dominant: bool | None, measure: str
) -> None:
    assert primary_pain_measure(condition, leg_dominant) == measure


@PROPERTY
@given(st.integers(0, 10), st.integers(0, 10))
def test_substantial_implies_meaningful(baseline: int, follow: int) -> None:
    if is_substantial_nrs(baseline, follow):
        assert is_meaningful_nrs(baseline, follow)
