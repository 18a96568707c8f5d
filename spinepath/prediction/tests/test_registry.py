"""'People like you' and the model on a synthetic registry (``generate_registry``, 1,500
procedures in two clinics): the figures agree with a direct count from the research extract,
the minimum is respected, the model is trained, stored and retrained on schedule, and the pages
and the API show aggregates only to the right people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from spinepath.accounts.models import AuditEvent, Clinic
from spinepath.analytics.extract import extract_tables
from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome
from spinepath.assessment.decisions import record_proceed
from spinepath.assessment.models import Decision
from spinepath.clinical import people_like_you as core
from spinepath.clinical.outcome_stats import wilson_interval
from spinepath.prediction.models import PredictionModel
from spinepath.prediction.people import group_counts, people_like_you
from spinepath.prediction.tasks import retrain_if_due
from spinepath.prediction.tests.conftest import AT
from spinepath.prediction.training import predict_profile, train_model
from spinepath.testing import api_client_for, assess, make_episode, make_patient, make_staff

GROUP = core.Profile(
    condition="lumbar_disc_herniation",
    procedure="transforaminal_epidural",
    repeat=False,
    baseline_pain=7,
    startback="medium",
)


def _extract_counts(profile: core.Profile) -> dict[str, Any]:
    """The same group counted by hand from the pseudonymised research extract."""
    procedures, responses = (t.to_pylist() for t in extract_tables())
    similar = core.similarity(profile)
    assert similar.pain_range is not None
    low, high = similar.pain_range
    keys = set()
    patients = set()
    for row in procedures:
        baseline = row["baseline_nrs_back" if row["primary"] == "nrs_back" else "baseline_nrs_leg"]
        if (
            row["condition"] == profile.condition
            and row["procedure"] == profile.procedure
            and row["repeat"] == profile.repeat
            and row["startback_risk"] == profile.startback
            and baseline is not None
            and low <= baseline <= high
        ):
            keys.add(row["procedure_key"])
            patients.add(row["patient_pseudonym"])
    six = [r for r in responses if r["procedure_key"] in keys and r["timepoint"] == "6w"]
    measured = [r for r in six if r["meaningful"] is not None]
    return {
        "procedures": len(keys),
        "patients": len(patients),
        "measured_6w": len(measured),
        "relief_6w": sum(1 for r in measured if r["meaningful"]),
    }


def test_subgroup_figures_match_a_direct_count_from_the_research_extract(registry: Any) -> None:
    counted = group_counts(core.similarity(GROUP), clinic_ids=None, on=AT.date())
    by_hand = _extract_counts(GROUP)
    assert by_hand["measured_6w"] >= 30  # a group big enough to show
    assert counted.procedures == by_hand["procedures"]
    assert counted.patients == by_hand["patients"]
    assert (counted.measured_6w, counted.relief_6w) == (
        by_hand["measured_6w"],
        by_hand["relief_6w"],
    )
    shown = core.figures(counted, minimum=30)
    assert shown.relief_6w is not None
    assert shown.relief_6w.ci95 == wilson_interval(by_hand["relief_6w"], by_hand["measured_6w"])


def test_the_minimum_is_respected_and_a_small_clinic_falls_back_to_the_registry(
    registry: Any, settings: Any
) -> None:
    clinic = Clinic.objects.get(pk=registry.clinics[0])
    whole = group_counts(core.similarity(GROUP), clinic_ids=None, on=AT.date())
    own = group_counts(core.similarity(GROUP), clinic_ids=frozenset({clinic.pk}), on=AT.date())
    assert own.patients < whole.patients

    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = own.patients + 1  # the clinic alone is too few
    found = people_like_you(GROUP, clinic_id=clinic.pk, steroid=True, at=AT)
    assert found.source == "registry" and found.figures.patients == whole.patients

    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = own.patients
    assert people_like_you(GROUP, clinic_id=clinic.pk, steroid=True, at=AT).source == "clinic"

    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = whole.patients + 1  # too few anywhere
    too_few = people_like_you(GROUP, clinic_id=clinic.pk, steroid=True, at=AT)
    assert too_few.source is None and not too_few.figures.enough
    assert too_few.figures.relief_6w is None and too_few.figures.patients is None


def test_training_stores_a_version_that_finds_high_risk_responds_less(registry: Any) -> None:
    model = train_model(at=AT)
    answered = TimePointOutcome.objects.filter(
        label="6w", measurable=True, completed_on__lte=AT.date()
    )
    assert model.version == 1
    assert model.n_train == answered.count()
    assert model.n_events == answered.filter(meaningful=True).count()
    assert model.window_to == AT.date() and model.window_from < model.window_to
    assert "procedure_startback" in model.features
    assert model.auc is not None and 0.5 < model.auc < 1
    assert model.calibration_slope is not None and model.calibration_intercept is not None
    assert sum(b["n"] for b in model.calibration_bins) == model.n_train
    # The registry's known effect: STarT Back high risk responds less.
    for condition, procedure in (
        ("facet_joint_arthritis", "facet_joint_injection"),
        ("lumbar_disc_herniation", "transforaminal_epidural"),
    ):
        low, high = (
            predict_profile(
                model, core.Profile(condition, procedure, False, 7, risk, 30.0), steroid=True
            )
            for risk in ("low", "high")
        )
        assert high < low


def test_the_worker_retrains_only_when_the_newest_version_is_old(
    registry: Any, settings: Any
) -> None:
    settings.SPINEPATH_PREDICTION_RETRAIN_HOURS = 24
    assert retrain_if_due(at=AT) == 1
    assert retrain_if_due(at=AT + timedelta(hours=23)) is None
    assert retrain_if_due(at=AT + timedelta(hours=24)) == 2
    assert list(PredictionModel.objects.values_list("version", flat=True)) == [2, 1]
    assert "spinepath.prediction.tasks.retrain_prediction_model" in (
        settings.SPINEPATH_PERIODIC_TASKS
    )


def _patient_like_the_group(clinic: Clinic) -> tuple[Any, Any]:
    clinician = make_staff("plyclin", "clinician", clinic)
    patient = make_patient(clinic, nhs_number="9434765870")
    episode = make_episode(patient, condition="lumbar_disc_herniation")
    decision = assess(episode, clinician, nrs_back=7, nrs_leg=7, symptom_duration_weeks=None)
    if not decision.cleared_to_proceed:  # duration not recorded: the rules ask for a reason
        record_proceed(None, decision, by=clinician, reason="Discussed; the patient wishes it.")
    return clinician, decision


def test_the_decision_page_shows_the_figures_and_never_changes_the_decision(
    registry: Any, client: Any, settings: Any
) -> None:
    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = 10
    clinic = Clinic.objects.get(pk=registry.clinics[0])
    clinician, decision = _patient_like_the_group(clinic)
    train_model(at=AT)
    before = list(Decision.objects.values_list("pk", "outcome").order_by("pk"))
    client.force_login(clinician)
    html = client.get(reverse("decision_detail", args=[decision.pk])).content.decode()
    assert "People like you" in html
    assert "Out of 100 people like you, about" in html
    assert 'role="img"' in html and "had meaningful relief at 6 weeks" in html
    assert "The prediction model (version 1" in html
    assert "they never change it" in html
    assert list(Decision.objects.values_list("pk", "outcome").order_by("pk")) == before
    # Aggregates only: no other patient of the registry is named on the page.
    other = ProcedureOutcome.objects.select_related("patient").first()
    assert other is not None and other.patient.family_name not in html.replace("Jones", "")
    consent = client.get(reverse("consent_create", args=[decision.assessment.episode_id]))
    assert "Out of 100 people like you, about" in consent.content.decode()


def test_the_api_gives_the_figures_to_the_clinic_only_and_audits_the_read(
    registry: Any, client: Any, settings: Any
) -> None:
    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = 10
    clinic = Clinic.objects.get(pk=registry.clinics[0])
    clinician, decision = _patient_like_the_group(clinic)
    episode = decision.assessment.episode
    url = f"/api/v1/episodes/{episode.pk}/people-like-you"
    response = api_client_for(client, clinician).get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["enough"] is True and body["minimum"] == 10
    assert body["criteria"]["baseline_pain_band"] == [7, 10]
    assert body["relief_6w"]["denominator"] >= 10
    assert body["relief_6w"]["sentence"].startswith("Out of 100 people like you")
    assert body["model"] is None  # none trained yet
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, object_id=str(episode.pk), user=clinician
    ).exists()

    other_clinic = Clinic.objects.get(pk=registry.clinics[1])
    outsider = make_staff("plyother", "clinician", other_clinic)
    assert api_client_for(client, outsider).get(url).status_code == 404
    analyst = make_staff("plyanalyst", "analyst", clinic)
    assert api_client_for(client, analyst).get(url).status_code == 403
    assert api_client_for(client, clinician).get(
        "/api/v1/episodes/not-a-uuid/people-like-you"
    ).status_code in (404, 422)


def test_the_models_page_shows_the_calibration_plot_to_analysts_without_patients(
    registry: Any, client: Any
) -> None:
    train_model(at=AT)
    clinic = Clinic.objects.get(pk=registry.clinics[0])
    client.force_login(make_staff("plyanalyst2", "analyst", clinic))
    html = client.get(reverse("prediction_models")).content.decode()
    assert "Calibration of relief model version 1" in html
    assert "calibration slope" in html.lower()
    assert 'class="model-auc"' in html
    patient = ProcedureOutcome.objects.select_related("patient").first()
    assert patient is not None and patient.patient.nhs_number not in html


@pytest.mark.parametrize("minimum", [4, 0])
def test_a_minimum_below_five_fails_the_system_check(settings: Any, minimum: int) -> None:
    from spinepath.prediction.apps import check_minimum

    settings.SPINEPATH_PEOPLE_LIKE_YOU_MINIMUM = minimum
    assert [e.id for e in check_minimum()] == ["prediction.E001"]
