"""The exercise library and the programme builder: each emphasis of aftercare.md fires for its
condition and phase and not for the neighbours; every proposal fits its phase and never holds an
exercise to avoid with the patient's condition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.readability import reading_scores
from spinepath.clinical.rehab import (
    BY_CODE,
    LIBRARY,
    LIBRARY_VERSION,
    PHASE_START_DAY,
    REASSURANCE,
    ExerciseLog,
    Phase,
    StartBackRisk,
    candidates,
    library_fingerprint,
    phase_for_day,
    propose_programme,
    weekly_adherence,
)
from spinepath.clinical.tests.factories import PROPERTY
from spinepath.clinical.vocab import Condition

LIBRARY_HASHES = {
    "exercises 2026.12.1": "4d987b60ca3d78cd54fb5f1f983486d7a75176523c8d741d66f2824f73e0517e",
}
"""One hash per version: a changed exercise needs a new version (never edit an old hash)."""


def tags_in(condition: Condition, risk: StartBackRisk | None, day: int, phase: Phase) -> set[str]:
    plan = next(p for p in propose_programme(condition, risk, day).phases if p.phase is phase)
    return {tag for exercise in plan.exercises for tag in exercise.tags}


# --- The library


def test_the_library_has_at_least_thirty_complete_exercises() -> None:
    assert len(LIBRARY) >= 30
    for exercise in LIBRARY:
        assert exercise.name and exercise.purpose and exercise.dosage
        assert exercise.progression and exercise.regression and len(exercise.steps) >= 2
        assert exercise.phases and exercise.tags


def test_every_phase_has_exercises_for_every_condition() -> None:
    for condition in Condition:
        for phase in Phase:
            assert len(candidates(condition, phase)) >= 5, (condition, phase)


def test_the_library_is_pinned_to_its_version() -> None:
    assert LIBRARY_VERSION in LIBRARY_HASHES
    assert library_fingerprint() == LIBRARY_HASHES[LIBRARY_VERSION], (
        "the exercise library changed: bump LIBRARY_VERSION and pin the new hash"
    )


def test_the_library_reads_at_about_eleven() -> None:
    texts = [t for e in LIBRARY for t in e.texts()]
    assert reading_scores(*texts).smog_reading_age <= 12.0


def test_every_picture_named_is_drawn() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[3] / "static" / "exercises"
    for exercise in LIBRARY:
        if exercise.picture:
            assert (folder / exercise.picture).is_file(), exercise.picture


# --- Phases


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (0, Phase.PROTECT),
        (3, Phase.PROTECT),
        (4, Phase.RESTORE),
        (13, Phase.RESTORE),
        (14, Phase.STRENGTHEN),
        (41, Phase.STRENGTHEN),
        (42, Phase.RETURN),
        (400, Phase.RETURN),
    ],
)
def test_the_phase_follows_the_days_since_the_injection(day: int, phase: Phase) -> None:
    assert phase_for_day(day) is phase


def test_a_negative_day_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        phase_for_day(-1)


def test_a_programme_starts_at_todays_phase_and_runs_to_the_last() -> None:
    programme = propose_programme(Condition.SCIATICA, StartBackRisk.LOW, 20)
    assert programme.current_phase is Phase.STRENGTHEN
    assert [p.phase for p in programme.phases] == [Phase.STRENGTHEN, Phase.RETURN]
    assert [p.starts_day for p in programme.phases] == [14, 42]
    assert len(propose_programme(Condition.SCIATICA, None, 0).phases) == 4


# --- Condition emphases, firing and not firing


@pytest.mark.parametrize("phase", list(Phase)[:3])
def test_stenosis_gets_flexion_in_every_phase_to_six_weeks(phase: Phase) -> None:
    assert "flexion" in tags_in(Condition.SPINAL_STENOSIS, StartBackRisk.LOW, 0, phase)


def test_stenosis_never_gets_backward_bending() -> None:
    programme = propose_programme(Condition.SPINAL_STENOSIS, StartBackRisk.LOW, 0)
    assert not any("extension" in e.tags for p in programme.phases for e in p.exercises)


@pytest.mark.parametrize("condition", [Condition.LUMBAR_DISC_HERNIATION, Condition.SCIATICA])
def test_disc_related_pain_gets_directional_preference(condition: Condition) -> None:
    for phase in (Phase.PROTECT, Phase.RESTORE, Phase.STRENGTHEN):
        assert "directional_preference" in tags_in(condition, StartBackRisk.LOW, 0, phase)
    flexion = {"single_knee_to_chest", "both_knees_to_chest", "childs_pose", "seated_forward_lean"}
    assert not flexion & propose_programme(condition, StartBackRisk.LOW, 0).exercise_codes()


@pytest.mark.parametrize(
    "condition",
    [
        Condition.SPINAL_STENOSIS,
        Condition.FACET_JOINT_ARTHRITIS,
        Condition.NONSPECIFIC_LOW_BACK_PAIN,
    ],
)
def test_other_conditions_get_no_directional_preference(condition: Condition) -> None:
    programme = propose_programme(condition, StartBackRisk.LOW, 0)
    assert not any(
        "directional_preference" in e.tags for p in programme.phases for e in p.exercises
    )


def test_sacroiliac_pain_gets_hip_and_pelvic_stability_from_the_first_day() -> None:
    sij = Condition.SACROILIAC_JOINT_INFLAMMATION
    for phase in Phase:
        assert "hip_stability" in tags_in(sij, StartBackRisk.LOW, 0, phase)
    # Not firing: without the emphasis, the first days are movement and rest only.
    assert "hip_stability" not in tags_in(
        Condition.FACET_JOINT_ARTHRITIS, StartBackRisk.LOW, 0, Phase.PROTECT
    )


def test_sacroiliac_programme_holds_more_hip_work_than_facet_pain() -> None:
    def hip_count(condition: Condition) -> int:
        programme = propose_programme(condition, StartBackRisk.LOW, 0)
        return sum("hip_stability" in e.tags for p in programme.phases for e in p.exercises)

    assert hip_count(Condition.SACROILIAC_JOINT_INFLAMMATION) > hip_count(
        Condition.FACET_JOINT_ARTHRITIS
    )


@pytest.mark.parametrize("condition", [Condition.SCIATICA, Condition.SPINAL_STENOSIS])
def test_leg_pain_gets_nerve_mobility_while_restoring(condition: Condition) -> None:
    assert "nerve_mobility" in tags_in(condition, StartBackRisk.LOW, 0, Phase.RESTORE)


def test_back_pain_alone_gets_no_nerve_mobility() -> None:
    for condition in (Condition.FACET_JOINT_ARTHRITIS, Condition.NONSPECIFIC_LOW_BACK_PAIN):
        programme = propose_programme(condition, StartBackRisk.LOW, 0)
        assert not any("nerve_mobility" in e.tags for p in programme.phases for e in p.exercises)


def test_high_start_back_risk_gets_graded_activity_and_reassurance() -> None:
    high = propose_programme(Condition.FACET_JOINT_ARTHRITIS, StartBackRisk.HIGH, 0)
    assert high.reassurance == REASSURANCE and high.reassurance
    for plan in high.phases:
        assert any("graded_activity" in e.tags for e in plan.exercises), plan.phase
        assert "graded_activity" in plan.emphases


@pytest.mark.parametrize("risk", [StartBackRisk.LOW, StartBackRisk.MEDIUM, None])
def test_lower_risk_gets_no_reassurance_and_no_graded_emphasis(risk: StartBackRisk | None) -> None:
    programme = propose_programme(Condition.FACET_JOINT_ARTHRITIS, risk, 0)
    assert programme.reassurance == ()
    assert all("graded_activity" not in p.emphases for p in programme.phases)
    strengthen = next(p for p in programme.phases if p.phase is Phase.STRENGTHEN)
    assert not any("graded_activity" in e.tags for e in strengthen.exercises)


def test_proposals_differ_by_condition_and_by_phase() -> None:
    stenosis = propose_programme(Condition.SPINAL_STENOSIS, StartBackRisk.LOW, 0)
    disc = propose_programme(Condition.LUMBAR_DISC_HERNIATION, StartBackRisk.LOW, 0)
    assert stenosis.phases[0].exercises != disc.phases[0].exercises
    assert stenosis.phases[0].exercises != stenosis.phases[2].exercises


def test_return_phase_works_on_returning_to_activity() -> None:
    assert "return_to_activity" in tags_in(Condition.SCIATICA, StartBackRisk.LOW, 50, Phase.RETURN)


# --- Properties


@PROPERTY
@given(
    st.sampled_from(Condition),
    st.one_of(st.none(), st.sampled_from(StartBackRisk)),
    st.integers(min_value=0, max_value=365),
    st.integers(min_value=1, max_value=8),
)
def test_every_proposed_exercise_fits_its_phase_and_the_condition(
    condition: Condition, risk: StartBackRisk | None, day: int, per_phase: int
) -> None:
    programme = propose_programme(condition, risk, day, per_phase=per_phase)
    assert programme.phases[0].phase is phase_for_day(day)
    for plan in programme.phases:
        assert 1 <= len(plan.exercises) <= per_phase
        assert len({e.code for e in plan.exercises}) == len(plan.exercises)
        for exercise in plan.exercises:
            assert plan.phase in exercise.phases
            assert condition not in exercise.avoid_with
            assert not exercise.conditions or condition in exercise.conditions
            assert BY_CODE[exercise.code] is exercise
    assert propose_programme(condition, risk, day, per_phase=per_phase) == programme
    assert PHASE_START_DAY[programme.current_phase] <= day


# --- Adherence ---------------------------------------------------------------------------------

INJECTED = date(2026, 11, 2)


def test_weekly_adherence_groups_by_week_since_the_injection() -> None:
    logs = [
        ExerciseLog(INJECTED, "short_walks", True, 2),
        ExerciseLog(INJECTED + timedelta(days=6), "knee_rolls", False, None),
        ExerciseLog(INJECTED + timedelta(days=7), "short_walks", True, 4),
        ExerciseLog(INJECTED + timedelta(days=8), "bridge", True, None),
    ]
    first, second = weekly_adherence(logs, INJECTED)
    assert (first.week, first.logged, first.done, first.mean_pain) == (1, 2, 1, 2.0)
    assert first.done_percent == 50 and first.exercises_done == {"short_walks"}
    assert (second.week, second.starts_on, second.done, second.mean_pain) == (
        2,
        INJECTED + timedelta(days=7),
        2,
        4.0,
    )


def test_a_week_without_logs_is_left_out_not_counted_as_missed() -> None:
    logs = [ExerciseLog(INJECTED + timedelta(days=15), "bridge", False, None)]
    (only,) = weekly_adherence(logs, INJECTED)
    assert (only.week, only.done_percent, only.mean_pain) == (3, 0, None)
    assert weekly_adherence([], INJECTED) == ()


def test_a_log_before_the_injection_or_pain_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="before the injection"):
        weekly_adherence([ExerciseLog(INJECTED - timedelta(days=1), "bridge", True, 1)], INJECTED)
    with pytest.raises(ValueError, match="0 to 10"):
        weekly_adherence([ExerciseLog(INJECTED, "bridge", True, 11)], INJECTED)
