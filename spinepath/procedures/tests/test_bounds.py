"""Implausible numbers and dates are refused at the field (issue 7, item 5).

Before: 100,000 mg of methylprednisolone and a dose-area product of 1e308 were stored. Now every
dose is above 0 and at most the drug's plausible single dose (``clinical/data/dose_limits.toml``,
overridable in settings), radiation figures have maxima, and a procedure cannot be dated after it
is recorded or long before.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from spinepath.clinical import dose_limits
from spinepath.patients.models import PriorInjection
from spinepath.procedures.models import ProcedureRecord
from spinepath.procedures.tests.test_procedure_pages import _procedure_post
from spinepath.testing import (
    api_client_for,
    assess,
    check_today,
    make_assessment,
    procedure_fields,
    ready_for_procedure,
    record_procedure,
    take_consent,
)

pytestmark = pytest.mark.django_db


# --- The core -----------------------------------------------------------------------------------


def test_each_drug_has_its_own_largest_single_dose():
    assert dose_limits.steroid_dose_problem("dexamethasone", 20) == ""
    assert "largest plausible single dose (20 mg)" in dose_limits.steroid_dose_problem(
        "dexamethasone", 20.5
    )
    assert dose_limits.steroid_dose_problem("triamcinolone", 80) == ""  # 80 is fine for it
    assert dose_limits.steroid_dose_problem("methylprednisolone", 0) == "Must be more than 0 mg."
    assert (
        "300 mg"
        in dose_limits.local_anaesthetic_problems("bupivacaine", 0.5, 60)["local_anaesthetic_ml"]
    )
    assert dose_limits.local_anaesthetic_problems("bupivacaine", 0.5, 30) == {}  # 150 mg


def test_a_clinic_may_change_a_limit_in_settings_and_a_wrong_key_fails_the_checks():
    from spinepath.procedures.checks import dose_limit_overrides_are_valid

    with override_settings(
        SPINEPATH_DOSE_LIMIT_OVERRIDES={"steroid_max_mg": {"dexamethasone": 24}}
    ):
        assert dose_limits.steroid_dose_problem("dexamethasone", 24) == ""
        assert dose_limits.limits().steroid_max_mg["triamcinolone"] == 120  # others kept
        assert dose_limit_overrides_are_valid(None) == []
    assert dose_limits.steroid_dose_problem("dexamethasone", 24) != ""
    with override_settings(SPINEPATH_DOSE_LIMIT_OVERRIDES={"steroid_max": {}}):
        assert [e.id for e in dose_limit_overrides_are_valid(None)] == ["spinepath.E030"]


# --- Recording the procedure --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"steroid_dose_mg": 100_000}, "steroid_dose_mg", "largest plausible single dose (20 mg)"),
        ({"steroid_dose_mg": 0}, "steroid_dose_mg", "more than 0 mg"),
        ({"dose_area_product": 1e308}, "dose_area_product", "largest plausible value"),
        ({"screening_time_s": 86_400}, "screening_time_s", "(3,600 s)"),
        (
            {
                "imaging": "ct",
                "dose_area_product": None,
                "screening_time_s": None,
                "dose_length_product": 50_000,
            },
            "dose_length_product",
            "(5,000 mGy·cm)",
        ),
        (
            {"local_anaesthetic_percent": 2, "local_anaesthetic_ml": 20},
            "local_anaesthetic_ml",
            "400 mg, more than its largest single dose (200 mg)",
        ),
        ({"contrast_ml": 500}, "contrast_ml", "largest plausible volume (50 mL)"),
        (
            {"performed_at": timezone.now() - timedelta(days=30)},
            "performed_at",
            "more than 7 days before it is recorded",
        ),
    ],
)
def test_an_implausible_value_is_refused_at_its_field(episode_a, clinician_a, fields, field, words):
    ready_for_procedure(episode_a, clinician_a)
    with pytest.raises(ValidationError) as invalid:
        record_procedure(episode_a, clinician_a, **fields)
    assert words in " ".join(invalid.value.message_dict[field])
    assert ProcedureRecord.objects.count() == 0


def test_the_largest_plausible_values_are_accepted(episode_a, clinician_a):
    """The neighbours of the refusals: exactly at each limit is stored."""
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(
        episode_a,
        clinician_a,
        steroid_dose_mg=8,
        dose_area_product=100_000,
        screening_time_s=3_600,
        local_anaesthetic_percent=2,
        local_anaesthetic_ml=10,  # 200 mg of lidocaine
        contrast_ml=50,
    )
    assert record.pk and record.dose_area_product == 100_000


def test_the_api_answers_422_naming_the_field(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    api = api_client_for(client, clinician_a)
    url = f"/api/v1/episodes/{episode_a.pk}/procedures"
    for field, value in (("steroid_dose_mg", 100_000), ("dose_area_product", 1e308)):
        response = api.post(url, procedure_fields(**{field: value}))
        assert response.status_code == 422, response.content
        assert [e["field"] for e in response.json()["detail"]] == [field]
    assert ProcedureRecord.objects.count() == 0


def test_the_page_shows_the_message_at_the_field(client, episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    client.force_login(clinician_a)
    response = client.post(
        f"/episodes/{episode_a.pk}/procedure/", _procedure_post(steroid_dose_mg="100000")
    )
    assert response.status_code == 400
    assert "100,000 mg of dexamethasone is more than the largest plausible single dose" in (
        response.content.decode()
    )
    assert "steroid_dose_mg" in response.context["form"].errors
    assert ProcedureRecord.objects.count() == 0


# --- Injections given elsewhere, the planned dose and the facts API -----------------------------


def _prior(patient: Any, **fields: Any) -> PriorInjection:
    values: dict[str, Any] = {
        "patient": patient,
        "given_on": timezone.localdate() - timedelta(days=60),
        "site": "caudal_epidural",
        "steroid": "methylprednisolone",
        "steroid_dose_mg": 80,
    }
    values.update(fields)
    return PriorInjection(**values)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"steroid_dose_mg": 100_000}, "steroid_dose_mg"),
        ({"steroid_dose_mg": 0}, "steroid_dose_mg"),
        ({"given_on": date(1960, 1, 1)}, "given_on"),  # before the patient was born
        ({"given_on": timezone.localdate() + timedelta(days=1)}, "given_on"),
    ],
)
def test_an_injection_elsewhere_is_bounded_too(patient_a, clinician_a, fields, field):
    _prior(patient_a, recorded_by=clinician_a).full_clean()  # the neighbour: fine
    with pytest.raises(ValidationError) as invalid:
        _prior(patient_a, recorded_by=clinician_a, **fields).full_clean()
    assert field in invalid.value.message_dict


def test_the_assessment_form_refuses_an_implausible_dose_elsewhere(client, episode_a, clinician_a):
    from spinepath.assessment.tests.test_assessment_form import assess_url, form_data

    client.force_login(clinician_a)
    data = form_data(
        **{
            "elsewhere-0-given_on": "2026-11-14",
            "elsewhere-0-site": "caudal_epidural",
            "elsewhere-0-steroid": "triamcinolone",
            "elsewhere-0-steroid_dose_mg": "4000",
        }
    )
    response = client.post(assess_url(episode_a), data)
    assert response.status_code != 302
    assert "4,000 mg of triamcinolone is more than the largest plausible single dose" in (
        response.content.decode()
    )
    assert PriorInjection.objects.count() == 0


def test_the_planned_dose_on_the_assessment_is_bounded(episode_a, clinician_a):
    make_assessment(episode_a, clinician_a, steroid_dose_mg=8).full_clean()
    with pytest.raises(ValidationError) as invalid:
        make_assessment(episode_a, clinician_a, steroid_dose_mg=80).full_clean()
    assert (
        "largest plausible single dose (20 mg)" in invalid.value.message_dict["steroid_dose_mg"][0]
    )


def test_the_evaluate_api_refuses_an_implausible_planned_dose(api_a):
    from spinepath.assessment.tests.helpers import facts

    body = facts()
    body["injectate"] = {"steroid": "dexamethasone", "steroid_dose_mg": 100_000}
    response = api_a.post("/api/v1/decision-support/evaluate", body)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["detail"]] == ["injectate.steroid_dose_mg"]
    body["injectate"]["steroid_dose_mg"] = 8
    assert api_a.post("/api/v1/decision-support/evaluate", body).status_code == 200


def test_a_later_discharge_at_recording_points_to_the_amendment(episode_a, clinician_a):
    decided = assess(episode_a, clinician_a)
    check_today(take_consent(decided, clinician_a), clinician_a)
    with pytest.raises(ValidationError) as invalid:
        record_procedure(
            episode_a,
            clinician_a,
            discharged_at=timezone.now() + timedelta(hours=1),
            discharge_condition="well",
        )
    assert "amend the discharge" in invalid.value.message_dict["discharged_at"][0]
