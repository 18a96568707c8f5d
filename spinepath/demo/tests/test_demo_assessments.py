"""The demo's baseline assessments: real facts, decisions made by the real rules, every outcome."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from spinepath.assessment.decisions import assessment_record
from spinepath.assessment.models import Decision
from spinepath.clinical.decision import evaluate
from spinepath.clinical.facts import Facts
from spinepath.clinical.instruments import score
from spinepath.clinical.ruleset import RuleSetConfig
from spinepath.clinical.vocab import Condition, Outcome
from spinepath.demo import assessments as step
from spinepath.demo.seed import build_demo, demo_nhs_number, stages_for
from spinepath.lib import nhs_number
from spinepath.patients.models import Episode, Patient, PriorInjection
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import make_episode, make_patient

TODAY = date(2026, 11, 24)
SEEN = (Episode.Stage.ASSESSED, *step.LATER_STAGES)
BLOCKING = (Outcome.URGENT_REFERRAL, Outcome.NOT_SUITABLE)


@pytest.fixture(scope="module")
def built(module_db: None) -> Any:
    """Built once for the module: its tests only read it (each test's own writes roll back)."""
    return build_demo(patients=40, seed=7, today=TODAY)


@pytest.fixture
def world(built: Any, db: Any) -> Any:
    return built


def _decisions() -> list[Decision]:
    """The decisions made at assessment (the procedures step adds day-of-procedure re-runs)."""
    return list(
        Decision.objects.filter(context=Decision.Context.ASSESSMENT).select_related(
            "assessment__episode__patient__clinic", "proceed_by"
        )
    )


# --- the built world --------------------------------------------------------------------------


def test_every_outcome_appears_at_least_twice(world: Any) -> None:
    counts = Counter(Decision.objects.values_list("outcome", flat=True))
    assert set(counts) == {o.value for o in Outcome}
    assert min(counts.values()) >= 2, counts


def test_every_seen_episode_has_one_assessment_whose_facts_reproduce_its_decision(
    world: Any,
) -> None:
    for episode in Episode.objects.all():
        assessments = list(episode.assessments.all())
        if episode.stage == Episode.Stage.REFERRED:
            assert assessments == []
            continue
        assert len(assessments) == 1, episode
        assessment = assessments[0]
        assert episode.referral_date <= assessment.assessed_on <= TODAY
        assert assessment.assessed_on <= timezone.localtime(episode.stage_changed_at).date()
        decision = assessment.decisions.filter(context=Decision.Context.ASSESSMENT).first()
        assert decision is not None
        assert not assessment.decisions.filter(context=Decision.Context.RE_EVALUATION).exists()
        again = evaluate(
            Facts.model_validate(decision.facts),
            RuleSetConfig.model_validate(decision.ruleset_config),
        )
        assert again.outcome.value == decision.outcome
        assert again.codes == [reason["code"] for reason in decision.reasons]
        assert list(decision.reason_rows.values_list("code", flat=True)) == again.codes
        assert decision.facts["assessment_date"] == assessment.assessed_on.isoformat()
        assert decision.evaluated_by == assessment.clinician == episode.responsible_clinician


def test_referred_episodes_are_left_waiting(world: Any) -> None:
    waiting = Episode.objects.filter(stage=Episode.Stage.REFERRED)
    assert waiting.exists()
    assert not waiting.filter(assessments__isnull=False).exists()
    assert not QuestionnaireResponse.objects.filter(episode__in=waiting).exists()


def test_blocking_outcomes_stay_at_assessed_and_are_never_overridden(world: Any) -> None:
    for decision in _decisions():
        episode = decision.assessment.episode
        if decision.outcome_enum in BLOCKING:
            assert episode.stage == Episode.Stage.ASSESSED, decision
            assert decision.proceed_reason == "" and decision.proceed_by is None
            assert decision.proceed_at is None
        elif decision.outcome_enum.overridable and episode.stage in step.LATER_STAGES:
            # Went on to consent or treatment: the clinician documented why.
            assert len(decision.proceed_reason) >= 10
            assert decision.proceed_by == episode.responsible_clinician
            assert decision.proceed_at is not None and decision.proceed_at > decision.evaluated_at
            assert (
                episode.timeline.filter(kind="override", detail__decision=decision.pk).count() == 1
            )
        else:
            assert decision.proceed_reason == ""
            assert not episode.timeline.filter(
                kind="override", detail__decision=decision.pk
            ).exists()


def test_each_decision_is_on_the_timeline_at_the_time_it_was_made(world: Any) -> None:
    for decision in _decisions():
        events = list(
            decision.assessment.episode.timeline.filter(
                kind="decision", detail__decision=decision.pk
            )
        )
        assert len(events) == 1
        assert events[0].at == decision.evaluated_at
        assert events[0].detail == {"decision": decision.pk}
        assert decision.evaluated_at.date() == decision.assessment.assessed_on


def test_baseline_questionnaires_are_entered_by_the_clinician_and_really_scored(
    world: Any,
) -> None:
    for decision in _decisions():
        assessment = decision.assessment
        responses = {r.instrument: r for r in assessment.questionnaires.all()}
        assert set(responses) == {"nrs_back", "nrs_leg", "odi", "startback"}
        for code, response in responses.items():
            assert response.source == QuestionnaireResponse.Source.STAFF
            assert response.context == QuestionnaireResponse.Context.BASELINE
            assert response.status == QuestionnaireResponse.Status.COMPLETED
            assert response.entered_by == assessment.clinician
            assert response.episode_id == assessment.episode_id
            assert response.score == score(code, response.answers).score
        symptoms = decision.facts["symptoms"]
        assert symptoms["back_pain_nrs"] == responses["nrs_back"].score
        assert symptoms["leg_pain_nrs"] == responses["nrs_leg"].score


def test_injections_elsewhere_show_real_steroid_exposure(world: Any) -> None:
    priors = PriorInjection.objects.all()
    assert priors.filter(site="other_joint").exclude(steroid="").exists()
    assert priors.exclude(steroid="").exclude(site="other_joint").exists()
    codes = {r["code"] for d in _decisions() for r in d.reasons}
    for decision in _decisions():
        for prior in decision.facts["previous_injections"]:
            assert prior["date"] <= decision.facts["assessment_date"]
    assert codes & {"STEROID_INTERVAL_TOO_SHORT", "STEROID_CUMULATIVE_HIGH"}


def test_every_nhs_number_is_valid(world: Any) -> None:
    numbers = list(Patient.objects.values_list("nhs_number", flat=True))
    assert len(numbers) == 40 == len(set(numbers))
    assert all(nhs_number.is_valid(n) and n.startswith("999") for n in numbers)


# --- every recipe gives the outcome it is built for (through the real facts_for) -------------


def _episode(clinic: Any, clinician: Any, condition: Condition, index: int, **patient: Any) -> Any:
    person = make_patient(
        clinic,
        nhs_number=demo_nhs_number(random.Random(index), set()),
        family_name=f"Test{index}",
        **patient,
    )
    return make_episode(
        person,
        condition=condition.value,
        referral_date=TODAY - timedelta(days=30),
        responsible_clinician=clinician,
    )


def _record(clinic: Any, clinician: Any, condition: Condition, plan: step.Plan, n: int) -> str:
    episode = _episode(
        clinic, clinician, condition, n, sex="female", date_of_birth=date(1984, 3, 2)
    )
    at = datetime.combine(TODAY, time(11), tzinfo=timezone.get_current_timezone())
    answers = step.questionnaire_answers(random.Random(n), plan)
    assessment, priors, baseline = step.assessment_inputs(plan, episode, TODAY, answers)
    decision = assessment_record(
        None,
        assessment=assessment,
        by=clinician,
        baseline=baseline,
        injections_elsewhere=priors,
        at=at,
    )
    return str(decision.outcome)


WOMAN_OF_42 = step.Patient(age=42, sex="female", side="left", referral_care_weeks=2)


@pytest.mark.parametrize("condition", list(Condition))
def test_each_condition_can_show_each_outcome(
    clinic_a: Any, clinician_a: Any, condition: Any
) -> None:
    n = 0
    for outcome in Outcome:
        for seed in range(4):
            plan = step.plan_for(random.Random(seed), condition, outcome, WOMAN_OF_42)
            n += 1
            got = _record(clinic_a, clinician_a, condition, plan, n)
            assert got == outcome.value, (condition, outcome, seed, plan.scenario)


@pytest.mark.parametrize("outcome", list(Outcome))
def test_every_scenario_gives_its_outcome(clinic_a: Any, clinician_a: Any, outcome: Any) -> None:
    n, used = 0, set()
    for name, scenario in step.SCENARIOS[outcome].items():
        for condition in Condition:
            for seed in range(8):  # the standard plan varies (e.g. MBB or RF): find one that fits
                rng = random.Random(seed)
                plan = step._standard(rng, condition, WOMAN_OF_42, outcome)
                if step.fits(scenario, plan, WOMAN_OF_42):
                    break
            else:
                continue
            step.apply(rng, plan, WOMAN_OF_42, scenario)
            n += 1
            used.add(name)
            got = _record(clinic_a, clinician_a, condition, plan, 1000 + n)
            assert got == outcome.value, (name, condition, seed)
    assert used == set(step.SCENARIOS[outcome])


# --- determinism and the guarantee, without the database ----------------------------------------


def _stages(rng: random.Random, count: int) -> list[str]:
    return rng.choices(list(Episode.Stage.values), weights=[20, 15, 10, 10, 30, 15], k=count)


def test_outcome_assignment_is_a_pure_function_of_the_seed_and_stages() -> None:
    stages = _stages(random.Random(1), 40)
    first = step.assign_outcomes(random.Random(7), stages)
    assert first == step.assign_outcomes(random.Random(7), stages)
    assert first != step.assign_outcomes(random.Random(8), stages)


def test_plans_are_a_pure_function_of_the_seed() -> None:
    def plans(seed: int) -> list[Any]:
        rng = random.Random(seed)
        made = []
        for condition in Condition:
            for outcome in Outcome:
                plan = step.plan_for(rng, condition, outcome, WOMAN_OF_42)
                made.append((plan, step.questionnaire_answers(rng, plan)))
        return made

    assert plans(7) == plans(7)
    assert plans(7) != plans(8)


@pytest.mark.parametrize("seed", range(200))
def test_fourteen_patients_or_more_show_every_outcome_twice_blocking_only_at_assessed(
    seed: int,
) -> None:
    rng = random.Random(seed)
    stages = stages_for(rng, 14 + seed % 40, 2)
    assert stages.count("assessed") >= 4
    assert sum(stage in SEEN for stage in stages) >= 12
    outcomes = step.assign_outcomes(rng, stages)
    counts = Counter(outcomes)
    assert all(counts[outcome] >= 2 for outcome in Outcome), (seed, counts)
    for stage, outcome in zip(stages, outcomes, strict=True):
        assert (outcome is None) == (stage == "referred")
        if outcome in BLOCKING:
            assert stage == "assessed"
