"""The per-patient steroid ledger: both sources merged, totals, next date, page and API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import override_settings
from django.utils import timezone

from spinepath.lib.charts.ledger import y_ticks
from spinepath.lib.dates import day
from spinepath.patients.models import PriorInjection
from spinepath.procedures.ledger import patient_ledger
from spinepath.procedures.models import Consent, ProcedureRecord, SafetyCheck
from spinepath.testing import api_client_for, audit_events, make_decision, make_episode

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SVG = "{http://www.w3.org/2000/svg}"


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def prior(patient: Any, on: date, steroid: str = "triamcinolone", dose: float = 40, **fields: Any):
    values: dict[str, Any] = {"site": "caudal_epidural", "where": "St Elsewhere"}
    values.update(fields)
    return PriorInjection.objects.create(
        patient=patient, given_on=on, steroid=steroid, steroid_dose_mg=dose, **values
    )


def done_here(
    episode: Any,
    clinician: Any,
    on: date,
    steroid: str = "dexamethasone",
    dose: float = 8,
    **f: Any,
) -> ProcedureRecord:
    """A procedure recorded here, with the minimal consent and safety check it hangs on."""
    decision = make_decision(episode, clinician, assessed_on=on)
    consent = Consent.objects.create(
        episode=episode,
        assessment=decision.assessment,
        status="active",
        decision="permit",
        information_version="test",
        information={},
        procedure="transforaminal_epidural",
        imaging="fluoroscopy",
        side="left",
        clinician=clinician,
        capacity_confirmed=True,
    )
    check = SafetyCheck.objects.create(
        episode=episode, consent=consent, decision=decision, checked_by=clinician, checked_on=on
    )
    values: dict[str, Any] = {
        "procedure": "transforaminal_epidural",
        "side": "left",
        "approach": "transforaminal",
        "imaging": "fluoroscopy",
        "steroid": steroid,
        "steroid_dose_mg": dose if steroid else None,
    }
    values.update(f)
    when = timezone.make_aware(datetime.combine(on, time(10)))
    return ProcedureRecord.objects.create(
        episode=episode,
        consent=consent,
        safety_check=check,
        operator=clinician,
        performed_at=when,
        **values,
    )


# --- The ledger --------------------------------------------------------------------------------


def test_it_merges_procedures_here_and_injections_elsewhere(patient_a, episode_a, clinician_a):
    elsewhere = prior(patient_a, days_ago(100), "methylprednisolone", 80)
    here = done_here(episode_a, clinician_a, days_ago(20))

    ledger = patient_ledger(patient_a, today=TODAY)

    assert [(r.line.date, r.source) for r in ledger.rows] == [
        (days_ago(100), "elsewhere"),
        (days_ago(20), "here"),
    ]
    first, second = ledger.rows
    assert first.record_id == elsewhere.pk and first.url is None
    assert first.source_label == "Elsewhere (St Elsewhere)"
    assert second.record_id == here.pk and second.source_label == "Here"
    assert second.url is not None  # the procedure page once it exists, else the episode
    assert second.line.running_12m_mpe_mg == 122.67


def test_entries_entered_in_error_are_left_out(patient_a, episode_a, clinician_a):
    prior(patient_a, days_ago(50), entered_in_error=True)
    done_here(episode_a, clinician_a, days_ago(30), entered_in_error=True)
    kept = prior(patient_a, days_ago(10), dose=20)

    ledger = patient_ledger(patient_a, today=TODAY)

    assert [r.record_id for r in ledger.rows] == [kept.pk]
    assert ledger.total_12m_mpe_mg == 20


def test_injections_without_a_steroid_are_not_in_the_ledger(patient_a, episode_a, clinician_a):
    PriorInjection.objects.create(
        patient=patient_a, given_on=days_ago(40), site="facet_joint_injection"
    )
    done_here(episode_a, clinician_a, days_ago(20), steroid="")
    assert patient_ledger(patient_a, today=TODAY).rows == []


def test_dexamethasone_8_mg_is_42_67_mg_methylprednisolone_equivalent(patient_a):
    prior(patient_a, days_ago(30), "dexamethasone", 8)
    [row] = patient_ledger(patient_a, today=TODAY).rows
    assert row.line.dose_mg == 8
    assert row.line.mpe_mg == 42.67


def test_totals_cover_the_last_12_and_36_months(patient_a):
    prior(patient_a, days_ago(1200), dose=40)  # outside both windows
    prior(patient_a, days_ago(400), dose=80)  # 36 months only
    prior(patient_a, days_ago(365), dose=20)  # exactly a year ago: has left the 12-month window
    prior(patient_a, days_ago(30), "betamethasone", 6)  # 40 mg MPE

    ledger = patient_ledger(patient_a, today=TODAY)

    assert ledger.total_12m_mpe_mg == 40
    assert ledger.total_36m_mpe_mg == 140
    assert ledger.total_12m_status == "ok"
    # On each injection's own day its 36-month window reaches 1095 days further back.
    assert [r.line.running_36m_mpe_mg for r in ledger.rows] == [40, 120, 140, 140]


def test_totals_over_the_caution_line_are_flagged(patient_a):
    for n in (20, 60, 120):
        prior(patient_a, days_ago(n), dose=80, site="other_joint")
    ledger = patient_ledger(patient_a, today=TODAY)
    assert ledger.total_12m_mpe_mg == 240
    assert ledger.total_12m_status == "warn"


def test_the_limits_come_from_the_rule_set(patient_a, settings):
    settings.SPINEPATH_RULESET_OVERRIDES = {
        "steroid_cumulative_warn_12m_mg": 150,
        "steroid_cumulative_limit_12m_mg": 300,
        "steroid_min_interval_days": 21,
        "version": "local-1",
    }
    prior(patient_a, days_ago(3))

    ledger = patient_ledger(patient_a, today=TODAY)

    assert ledger.limits.warn_12m_mpe_mg == 150 and ledger.limits.limit_12m_mpe_mg == 300
    assert ledger.limits.ruleset.endswith("local-1")
    assert (ledger.chart_data.warn_mg, ledger.chart_data.limit_mg) == (150, 300)
    assert ">caution 150 mg<" in ledger.chart.svg and ">limit 300 mg<" in ledger.chart.svg
    assert ledger.next_injection is not None
    assert ledger.next_injection.date == days_ago(3) + timedelta(days=21)


# --- The next eligible date --------------------------------------------------------------------


def test_the_next_date_is_14_days_after_a_recent_injection(patient_a, episode_a, clinician_a):
    done_here(episode_a, clinician_a, days_ago(3))

    next_injection = patient_ledger(patient_a, today=TODAY).next_injection

    assert next_injection is not None
    assert next_injection.based_on == "latest assessment"
    assert next_injection.template.steroid == "dexamethasone"
    assert next_injection.template.steroid_dose_mg == 8
    assert next_injection.date == days_ago(3) + timedelta(days=14)


def test_without_an_assessment_the_most_recent_injection_is_the_template(patient_a):
    prior(patient_a, days_ago(200), "triamcinolone", 40)
    prior(patient_a, days_ago(5), "methylprednisolone", 60, site="sacroiliac_joint_injection")

    next_injection = patient_ledger(patient_a, today=TODAY).next_injection

    assert next_injection is not None
    assert next_injection.based_on == "most recent injection"
    assert next_injection.template.steroid == "methylprednisolone"
    assert next_injection.template.procedure == "sacroiliac_joint_injection"
    assert next_injection.date == days_ago(5) + timedelta(days=14)


def test_an_assessment_without_a_steroid_falls_back_to_the_last_injection(
    patient_a, episode_a, clinician_a
):
    make_decision(
        episode_a,
        clinician_a,
        assessed_on=TODAY,
        procedure="medial_branch_block",
        steroid="",
        steroid_dose_mg=None,
    )
    prior(patient_a, days_ago(40), "triamcinolone", 40)
    next_injection = patient_ledger(patient_a, today=TODAY).next_injection
    assert next_injection is not None
    assert next_injection.based_on == "most recent injection"
    assert next_injection.date == TODAY


def test_with_no_steroid_planned_or_given_there_is_no_next_date(patient_a):
    ledger = patient_ledger(patient_a, today=TODAY)
    assert ledger.rows == [] and ledger.next_injection is None
    assert ledger.total_12m_mpe_mg == 0


@override_settings(SPINEPATH_DOSE_LIMIT_OVERRIDES={"steroid_max_mg": {"triamcinolone": 500}})
def test_a_planned_dose_over_the_limit_on_its_own_has_no_date(patient_a, episode_a, clinician_a):
    # 420 mg is above the default plausible single dose; a clinic allowing it still gets no date.
    make_decision(
        episode_a, clinician_a, assessed_on=TODAY, steroid="triamcinolone", steroid_dose_mg=420
    )
    next_injection = patient_ledger(patient_a, today=TODAY).next_injection
    assert next_injection is not None and next_injection.date is None


# --- The chart ---------------------------------------------------------------------------------


def test_the_chart_draws_the_rolling_total_with_the_thresholds(patient_a):
    prior(patient_a, days_ago(500), dose=80)
    prior(patient_a, days_ago(30), dose=40)

    ledger = patient_ledger(patient_a, today=TODAY)
    data = ledger.chart_data

    # From 0 up to 80 mg, back to 0 a year later, up to 40 mg, held to today.
    assert [total for _, total in data.series] == [0, 80, 0, 40, 40]
    assert data.series[0][0] == TODAY - timedelta(days=1095) and data.series[-1][0] == TODAY
    assert [(on, total) for on, total, _ in data.markers] == [
        (days_ago(500), 80),
        (days_ago(30), 40),
    ]
    assert y_ticks(data) == [0, 100, 200, 300, 400, 500]
    assert "today it is 40 mg" in data.description
    for chart, layout in ((ledger.chart, "wide"), (ledger.chart_narrow, "narrow")):
        root = ElementTree.fromstring(chart.svg)
        assert f"chart-{layout}" in root.get("class", "")
        texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
        for words in (
            "caution 200 mg",
            "limit 400 mg",
            "today",
            "500",
            "mg MPE, rolling 12-month total",
        ):
            assert words in texts, (layout, words, texts)
        marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
        assert len(marks) == 2
        assert marks[1].findtext(f"{SVG}title") == f"{day(days_ago(30))}: 40 mg MPE"
        assert root.findtext(f"{SVG}desc") == data.description
    assert ledger.chart.svg != ledger.chart_narrow.svg


# --- The patient page --------------------------------------------------------------------------


def test_the_patient_page_shows_the_ledger(client, patient_a, episode_a, clinician_a):
    prior(patient_a, days_ago(60), "dexamethasone", 8)
    done_here(episode_a, clinician_a, days_ago(2), dose=6.6)
    client.force_login(clinician_a)

    page = client.get(f"/patients/{patient_a.pk}/").content.decode()

    assert 'id="steroid-ledger-h">Steroid ledger</h2>' in page
    assert page.count('role="img" aria-labelledby=') >= 2
    assert 'class="ledger-chart-svg chart-wide"' in page
    assert 'class="ledger-chart-svg chart-narrow"' in page
    assert ">Rolling 12-month steroid total (mg methylprednisolone-equivalent)" in page
    assert "42.67" in page and "35.2" in page  # 6.6 mg dexamethasone = 35.2 mg MPE
    assert "77.87 mg" in page  # the 12-month total
    next_date = days_ago(2) + timedelta(days=14)
    assert f'datetime="{next_date.isoformat()}"' in page
    assert "St Elsewhere" in page
    assert "depot and intra-articular injections may differ" in page
    assert "configurable" in page


def test_a_patient_with_no_steroid_sees_an_empty_ledger(client, patient_a, clinician_a):
    client.force_login(clinician_a)
    page = client.get(f"/patients/{patient_a.pk}/").content.decode()
    assert "No steroid injections recorded, here or elsewhere." in page
    assert "no steroid planned or given" in page
    assert "<svg" in page


# --- The API -----------------------------------------------------------------------------------


def test_the_api_gives_lines_totals_limits_and_the_next_date(client, patient_a, clinician_a):
    episode = make_episode(patient_a)
    elsewhere = prior(patient_a, days_ago(60), "dexamethasone", 8)
    here = done_here(episode, clinician_a, days_ago(4), "triamcinolone", 40)
    api = api_client_for(client, clinician_a)

    response = api.get(f"/api/v1/patients/{patient_a.pk}/steroid-ledger")

    assert response.status_code == 200
    body = response.json()
    assert body["patient_id"] == str(patient_a.pk)
    assert body["as_of"] == TODAY.isoformat()
    assert body["lines"] == [
        {
            "date": days_ago(60).isoformat(),
            "source": "elsewhere",
            "procedure_record_id": None,
            "prior_injection_id": elsewhere.pk,
            "where": "St Elsewhere",
            "site": "caudal_epidural",
            "region": "lumbar_epidural",
            "steroid": "dexamethasone",
            "dose_mg": 8.0,
            "mpe_mg": 42.67,
            "running_12m_mpe_mg": 42.67,
            "running_36m_mpe_mg": 42.67,
        },
        {
            "date": days_ago(4).isoformat(),
            "source": "here",
            "procedure_record_id": here.pk,
            "prior_injection_id": None,
            "where": "",
            "site": "transforaminal_epidural",
            "region": "lumbar_epidural",
            "steroid": "triamcinolone",
            "dose_mg": 40.0,
            "mpe_mg": 40.0,
            "running_12m_mpe_mg": 82.67,
            "running_36m_mpe_mg": 82.67,
        },
    ]
    assert body["totals"] == {"last_12m_mpe_mg": 82.67, "last_36m_mpe_mg": 82.67}
    assert body["limits"] == {
        "ruleset": "nice-ng59-default 2026.12.1",
        "warn_12m_mpe_mg": 200.0,
        "warn_36m_mpe_mg": 400.0,
        "limit_12m_mpe_mg": 400.0,
        "single_dose_warn_mpe_mg": 80.0,
        "min_interval_days": 14,
        "region_limit_count": 5,
    }
    assert body["next_eligible_date"] == (days_ago(4) + timedelta(days=14)).isoformat()
    assert body["next_injection"] == {
        "based_on": "latest assessment",
        "procedure": "transforaminal_epidural",
        "steroid": "dexamethasone",
        "dose_mg": 8.0,
        "mpe_mg": 42.67,
    }
    assert "may differ" in body["note"]
    [read] = audit_events(action="read", model="patients.Patient", object_id=str(patient_a.pk))
    assert read.user_id == clinician_a.pk and read.channel == "api"


def test_the_api_gives_null_when_nothing_was_planned_or_given(client, patient_a, clinician_a):
    body = (
        api_client_for(client, clinician_a)
        .get(f"/api/v1/patients/{patient_a.pk}/steroid-ledger")
        .json()
    )
    assert body["lines"] == [] and body["next_eligible_date"] is None
    assert body["next_injection"] is None


def test_the_api_hides_another_clinics_patient(client, patient_b, clinician_a):
    prior(patient_b, days_ago(10))
    response = api_client_for(client, clinician_a).get(
        f"/api/v1/patients/{patient_b.pk}/steroid-ledger"
    )
    assert response.status_code == 404


def test_analysts_may_not_read_the_ledger(client, patient_a, analyst_a):
    response = api_client_for(client, analyst_a).get(
        f"/api/v1/patients/{patient_a.pk}/steroid-ledger"
    )
    assert response.status_code == 403
