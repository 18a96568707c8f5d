"""Each clinic decides with its own rule set (``Clinic.ruleset()``), and the apps ask the core.

The thresholds really can differ per clinic: the same patient facts give a different decision,
steroid check and ledger in a clinic that set a threshold differently. The policies the apps
used to restate (what stops the pathway, who is asked about pregnancy, which steroid check
blocks, the 12-month limit) come from the clinical core.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.accounts.models import service_ruleset
from spinepath.assessment.decisions import facts_for
from spinepath.assessment.forms import AssessmentForm
from spinepath.assessment.models import Assessment, Decision
from spinepath.clinical.ruleset import DEFAULT
from spinepath.clinical.steroids import SteroidStatus, cumulative_12m_status
from spinepath.clinical.vocab import Outcome, Sex
from spinepath.onward.actions import STOPPING_OUTCOMES
from spinepath.patients.models import PriorInjection
from spinepath.procedures.ledger import patient_ledger
from spinepath.procedures.procedure import procedure_steroid_check
from spinepath.testing import make_decision, make_episode, make_patient, make_staff

STRICT = {"version": "2026.12.1-b", "steroid_single_dose_warn_mg": 20}


@pytest.fixture
def strict_b(clinic_b):
    clinic_b.ruleset_overrides = dict(STRICT)
    clinic_b.full_clean()
    clinic_b.save()
    return clinic_b


# --- Clinic.ruleset() -------------------------------------------------------------------------


def test_a_clinic_without_overrides_decides_with_the_services_rule_set(clinic_a):
    assert clinic_a.ruleset() == service_ruleset() == DEFAULT


def test_a_clinics_overrides_sit_on_the_services(clinic_a, settings):
    settings.SPINEPATH_RULESET_OVERRIDES = {"min_age": 18, "version": "service-2"}
    clinic_a.ruleset_overrides = {"version": "service-2-a", "platelets_min": 60}
    ruleset = clinic_a.ruleset()
    assert (ruleset.min_age, ruleset.platelets_min, ruleset.version) == (18, 60, "service-2-a")


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"version": "x-1", "no_such_threshold": 3}, "unknown rule set setting"),
        ({"version": "x-1", "min_age": -1}, "min_age"),
        ({"version": "x-1", "platelets_min": 500}, "platelets_min is above"),
        ({"min_age": 18}, "version of its own"),
        (["min_age", 18], "JSON object"),
    ],
)
def test_invalid_overrides_are_refused_with_the_reason(clinic_a, overrides, problem):
    clinic_a.ruleset_overrides = overrides
    with pytest.raises(ValidationError) as refused:
        clinic_a.full_clean()
    assert problem in " ".join(refused.value.message_dict["ruleset_overrides"])


def test_the_same_facts_are_decided_by_each_patients_clinic(clinic_a, strict_b, clinician_a):

    clinician_b = make_staff("clin-b-strict", "clinician", strict_b)
    in_a = make_episode(make_patient(clinic_a))
    in_b = make_episode(make_patient(strict_b, nhs_number="9000000009"))

    decision_a = make_decision(in_a, clinician_a)  # dexamethasone 8 mg: about 43 mg MPE
    decision_b = make_decision(in_b, clinician_b)

    codes_a = {r["code"] for r in decision_a.reasons}
    codes_b = {r["code"] for r in decision_b.reasons}
    assert "STEROID_SINGLE_DOSE_HIGH" not in codes_a
    assert "STEROID_SINGLE_DOSE_HIGH" in codes_b
    assert (decision_a.ruleset_version, decision_b.ruleset_version) == (
        DEFAULT.version,
        "2026.12.1-b",
    )


def test_the_steroid_check_at_injection_uses_the_patients_clinic(clinic_a, strict_b):
    in_a = make_episode(make_patient(clinic_a))
    in_b = make_episode(make_patient(strict_b, nhs_number="9000000009"))
    plan = {"procedure": "caudal_epidural", "steroid": "triamcinolone", "steroid_dose_mg": 40}
    on = date(2026, 11, 24)
    check_a = procedure_steroid_check(in_a, on=on, **plan)
    check_b = procedure_steroid_check(in_b, on=on, **plan)
    assert check_a is not None and check_b is not None
    assert "STEROID_SINGLE_DOSE_HIGH" not in {r.code for r in check_a.reasons}
    assert "STEROID_SINGLE_DOSE_HIGH" in {r.code for r in check_b.reasons}


def test_the_ledger_reads_its_limits_from_the_patients_clinic(clinic_a, clinic_b):
    clinic_b.ruleset_overrides = {
        "version": "b-1",
        "steroid_cumulative_warn_12m_mg": 30,
        "steroid_cumulative_limit_12m_mg": 40,
    }
    clinic_b.save()
    today = date(2026, 11, 24)
    patients = [make_patient(clinic_a), make_patient(clinic_b, nhs_number="9000000009")]
    for patient in patients:
        PriorInjection.objects.create(
            patient=patient,
            given_on=today - timedelta(days=30),
            site="other_joint",
            steroid="methylprednisolone",
            steroid_dose_mg=80,
            recorded_at=timezone.make_aware(datetime.combine(today, time(9))),
        )
    ledger_a, ledger_b = (patient_ledger(p, today=today) for p in patients)
    assert ledger_a.total_12m_mpe_mg == ledger_b.total_12m_mpe_mg == 80
    assert (ledger_a.total_12m_status, ledger_b.total_12m_status) == ("ok", "block")
    assert ledger_b.limits.limit_12m_mpe_mg == 40
    assert ledger_b.total_12m_status == cumulative_12m_status(80, clinic_b.ruleset()).value
    assert cumulative_12m_status(80, clinic_b.ruleset()) is SteroidStatus.BLOCK


# --- policy asked of the core -----------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Outcome))
def test_a_stored_decision_blocks_exactly_when_the_core_says_it_stops(outcome):
    decision = Decision(outcome=outcome.value)
    assert decision.blocks is outcome.stops_pathway
    assert decision.needs_reason_to_proceed is outcome.overridable
    assert (outcome.value in STOPPING_OUTCOMES) is outcome.stops_pathway


@pytest.mark.parametrize(
    ("recorded", "asked"),
    [("female", True), ("other", True), ("unknown", True), ("male", False)],
)
def test_the_form_asks_about_pregnancy_whom_the_rules_ask(clinic_a, recorded, asked):
    episode = make_episode(make_patient(clinic_a, sex=recorded))
    form = AssessmentForm(instance=Assessment(episode=episode))
    assert ("pregnant" in form.fields) is asked


@pytest.mark.parametrize(
    ("recorded", "sex", "asked"),
    [("unknown", Sex.OTHER, True), ("other", Sex.OTHER, True), ("male", Sex.MALE, False)],
)
def test_a_sex_not_known_is_other_for_the_decision(clinic_a, clinician_a, recorded, sex, asked):
    patient = make_patient(clinic_a, sex=recorded, date_of_birth=date(1990, 1, 2))
    decision = make_decision(make_episode(patient), clinician_a, pregnant=None)
    assert facts_for(decision.assessment).sex is sex
    assert ("PREGNANCY_NOT_ASSESSED" in {r["code"] for r in decision.reasons}) is asked
