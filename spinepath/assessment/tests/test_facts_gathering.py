"""From database rows to the core's facts: "not assessed" stays null, all history is counted."""

from datetime import date

from spinepath.assessment.decisions import facts_for, store_decision
from spinepath.assessment.presentation import compare, rerun
from spinepath.clinical.facts import Facts
from spinepath.clinical.ruleset import config_with_overrides
from spinepath.patients.models import PriorInjection
from spinepath.questionnaires.models import QuestionnaireResponse
from spinepath.testing import make_assessment, make_decision


def reason_codes(decision):
    return {reason["code"] for reason in decision.reasons}


def prior(patient, given_on, **fields):
    values = {
        "site": "caudal_epidural",
        "steroid": "triamcinolone",
        "steroid_dose_mg": 40,
        "relief_percent": 70,
        "where": "St Elsewhere",
    }
    values.update(fields)
    return PriorInjection.objects.create(patient=patient, given_on=given_on, **values)


def test_it_treats_an_unticked_red_flag_screen_as_not_screened(episode_a, clinician_a):
    assessment = make_assessment(episode_a, clinician_a, red_flags_screened=False, red_flags=[])
    assert facts_for(assessment).red_flags is None
    decision = make_decision(episode_a, clinician_a, red_flags_screened=False)
    assert decision.facts["red_flags"] is None
    assert "RED_FLAGS_NOT_SCREENED" in reason_codes(decision)
    assert decision.outcome == "defer"


def test_it_treats_a_ticked_screen_with_no_flags_as_none_present(episode_a, clinician_a):
    assessment = make_assessment(episode_a, clinician_a)
    assert facts_for(assessment).red_flags == []
    decision = make_decision(episode_a, clinician_a)
    assert "RED_FLAGS_NOT_SCREENED" not in reason_codes(decision)
    assert decision.outcome == "suitable"


def test_it_passes_on_the_red_flags_found(episode_a, clinician_a):
    assessment = make_assessment(episode_a, clinician_a, red_flags=["night_pain"])
    assert [flag.value for flag in facts_for(assessment).red_flags] == ["night_pain"]


def test_it_treats_unchecked_allergies_and_medication_as_not_recorded(episode_a, clinician_a):
    decision = make_decision(
        episode_a,
        clinician_a,
        allergies_recorded=False,
        medication_recorded=False,
        antithrombotics=[{"drug": "apixaban", "hours_since_last_dose": 12, "indication": None}],
    )
    assert decision.facts["allergies"] is None
    assert decision.facts["antithrombotics"] is None
    assert {"ALLERGIES_NOT_RECORDED", "MEDICATION_NOT_RECORDED"} <= reason_codes(decision)


def test_it_treats_checked_allergies_and_medication_with_none_as_empty(episode_a, clinician_a):
    facts = facts_for(make_assessment(episode_a, clinician_a))
    assert facts.allergies == []
    assert facts.antithrombotics == []


def test_it_passes_on_recorded_antithrombotics(episode_a, clinician_a):
    use = {"drug": "apixaban", "hours_since_last_dose": 12, "indication": None}
    decision = make_decision(episode_a, clinician_a, antithrombotics=[use])
    assert decision.facts["antithrombotics"] == [use]
    assert "ANTITHROMBOTIC_NOT_HELD" in reason_codes(decision)


def test_it_keeps_unanswered_questions_as_not_assessed(episode_a, clinician_a):
    assessment = make_assessment(
        episode_a,
        clinician_a,
        diabetes=None,
        infection_systemic=None,
        infection_local=None,
        leg_pain_dominant=None,
    )
    facts = facts_for(assessment)
    assert facts.diabetes is None
    assert facts.infection is None
    assert facts.symptoms.leg_pain_dominant is None


def test_it_includes_injections_given_elsewhere(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 9, 1))
    prior(patient_a, date(2026, 6, 1), site="other_joint", steroid="", steroid_dose_mg=None)
    facts = facts_for(make_assessment(episode_a, clinician_a))
    history = [(p.date, p.procedure.value, p.steroid_dose_mg) for p in facts.previous_injections]
    assert history == [
        (date(2026, 6, 1), "other_joint", None),
        (date(2026, 9, 1), "caudal_epidural", 40),
    ]


def test_it_leaves_out_injections_entered_in_error(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 11, 20), entered_in_error=True)
    decision = make_decision(episode_a, clinician_a)
    assert decision.facts["previous_injections"] == []
    assert "STEROID_INTERVAL_TOO_SHORT" not in reason_codes(decision)


def test_it_leaves_out_injections_after_the_assessment(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 11, 25))
    decision = make_decision(episode_a, clinician_a)
    assert decision.facts["previous_injections"] == []


def test_it_counts_a_recent_injection_elsewhere_against_the_plan(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 11, 14))
    decision = make_decision(episode_a, clinician_a)
    assert decision.outcome == "defer"
    assert "STEROID_INTERVAL_TOO_SHORT" in reason_codes(decision)
    assert decision.steroid["earliest_date"] == "2026-11-28"


def test_it_ignores_another_patients_injections(episode_a, clinician_a, patient_b):
    prior(patient_b, date(2026, 11, 20))
    assert facts_for(make_assessment(episode_a, clinician_a)).previous_injections == []


def test_it_computes_age_on_the_assessment_date(episode_a, clinician_a):
    # Mary Jones was born on 17 May 1970.
    day_before = make_assessment(episode_a, clinician_a, assessed_on=date(2026, 5, 16))
    birthday = make_assessment(episode_a, clinician_a, assessed_on=date(2026, 5, 17))
    assert facts_for(day_before).age == 55
    assert facts_for(birthday).age == 56
    assert facts_for(day_before).assessment_date == date(2026, 5, 16)
    assert facts_for(day_before, on=date(2026, 6, 1)).age == 56


def test_it_asks_about_pregnancy_from_the_age_on_the_assessment_date(episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, pregnant=None, assessed_on=date(2026, 5, 16))
    assert "PREGNANCY_NOT_ASSESSED" in reason_codes(decision)
    later = make_decision(episode_a, clinician_a, pregnant=None, assessed_on=date(2026, 5, 17))
    assert "PREGNANCY_NOT_ASSESSED" not in reason_codes(later)


def test_it_takes_pain_scores_from_the_baseline_responses(episode_a, clinician_a):
    facts = facts_for(make_assessment(episode_a, clinician_a, nrs_back=6, nrs_leg=4))
    assert facts.symptoms.back_pain_nrs == 6
    assert facts.symptoms.leg_pain_nrs == 4


def test_it_treats_missing_pain_scores_as_not_assessed(episode_a, clinician_a):
    facts = facts_for(make_assessment(episode_a, clinician_a, nrs_back=None, nrs_leg=None))
    assert facts.symptoms.back_pain_nrs is None
    assert facts.symptoms.leg_pain_nrs is None


def test_it_ignores_a_pain_score_entered_in_error(episode_a, clinician_a):
    assessment = make_assessment(episode_a, clinician_a, nrs_leg=8)
    assessment.questionnaires.filter(instrument="nrs_leg").update(
        status=QuestionnaireResponse.Status.ENTERED_IN_ERROR
    )
    assert facts_for(assessment).symptoms.leg_pain_nrs is None


def test_it_ignores_another_assessments_pain_scores(episode_a, clinician_a):
    make_assessment(episode_a, clinician_a, nrs_leg=2)
    later = make_assessment(episode_a, clinician_a, nrs_leg=None)
    assert facts_for(later).symptoms.leg_pain_nrs is None


def test_it_stores_facts_that_the_core_reads_back_unchanged(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 9, 1))
    assessment = make_assessment(
        episode_a, clinician_a, mbb_date=date(2026, 10, 1), mbb_relief_percent=80
    )
    facts = facts_for(assessment)
    decision = store_decision(assessment, facts, by=clinician_a)
    assert Facts.model_validate(decision.facts) == facts


def test_it_reruns_a_stored_decision_without_change(episode_a, clinician_a, patient_a):
    prior(patient_a, date(2026, 9, 1))
    decision = make_decision(episode_a, clinician_a, red_flags=["night_pain"])
    comparison = rerun(decision)
    assert not comparison.changed
    assert comparison.then_outcome == comparison.now_outcome == "suitable_with_cautions"
    assert comparison.added == comparison.removed == []
    assert comparison.then_ruleset == comparison.now_ruleset


def test_it_reruns_from_the_snapshot_not_the_current_record(episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    assessment = decision.assessment
    assessment.red_flags = ["fever"]
    assessment.save()
    assert not rerun(decision).changed


def test_it_reports_a_reason_added_by_a_stricter_rule_set(episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a)
    assert decision.outcome == "suitable"
    stricter = config_with_overrides({"steroid_single_dose_warn_mg": 20, "version": "test-2"})
    comparison = compare(decision, Facts.model_validate(decision.facts), stricter)
    assert comparison.changed
    assert [r["code"] for r in comparison.added] == ["STEROID_SINGLE_DOSE_HIGH"]
    assert comparison.removed == []
    assert comparison.now_outcome == "suitable_with_cautions"
    assert comparison.now_ruleset == "nice-ng59-default test-2"


def test_it_reports_a_reason_removed_by_a_looser_rule_set(episode_a, clinician_a):
    # Leg pain 5 is not "severe", so two weeks of conservative care is too little.
    decision = make_decision(episode_a, clinician_a, conservative_care_weeks=2, nrs_leg=5)
    assert "CONSERVATIVE_CARE_INSUFFICIENT" in reason_codes(decision)
    looser = config_with_overrides({"conservative_care_min_weeks": 1})
    comparison = compare(decision, Facts.model_validate(decision.facts), looser)
    assert [r["code"] for r in comparison.removed] == ["CONSERVATIVE_CARE_INSUFFICIENT"]
    assert comparison.added == []


def test_a_day_of_re_run_is_cleared_by_the_reason_written_at_assessment(episode_a, clinician_a):
    from spinepath.assessment.decisions import facts_for, record_proceed
    from spinepath.assessment.models import Decision
    from spinepath.assessment.tests.helpers import CAUTION_PLAN

    at_assessment = make_decision(episode_a, clinician_a, **CAUTION_PLAN)
    assessment = at_assessment.assessment
    on_the_day = store_decision(
        assessment, facts_for(assessment), by=clinician_a, context=Decision.Context.DAY_OF_PROCEDURE
    )
    assert on_the_day.outcome == at_assessment.outcome == "suitable_with_cautions"
    assert not on_the_day.cleared_to_proceed

    record_proceed(None, at_assessment, by=clinician_a, reason="Discussed and agreed with patient.")
    on_the_day.refresh_from_db()
    assert on_the_day.cleared_to_proceed
    assert on_the_day.reasons_still_to_justify() == []
