"""The outcome figures against the hand-worked registry (``registry.py``): the summary's counts,
Wilson bounds and Kaplan–Meier median, scope and suppression, the other panels, and the API."""

from __future__ import annotations

import math
from io import StringIO

import pytest
from django.utils import timezone

from spinepath.accounts.models import AuditEvent
from spinepath.analytics import queries
from spinepath.analytics.facts import rebuild_outcomes, stale_procedures
from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome
from spinepath.analytics.queries import OutcomeFilters, Scope, scope_for, summary
from spinepath.testing import api_client_for, make_staff, make_superuser

pytestmark = pytest.mark.django_db


EXPECTED_RESPONDERS = {  # timepoint: (completed, meaningful, substantial)
    "2w": (5, 4, 3),
    "6w": (6, 3, 2),
    "3m": (2, 1, 1),
    "6m": (1, 1, 1),
    "12m": (1, 1, 1),
}
EXPECTED_COMPLETION = {"2w": (7, 6), "6w": (7, 6), "3m": (7, 2), "6m": (7, 1), "12m": (7, 1)}


def _wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    z = 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _lifelines_median(durations, events):
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    fitter = KaplanMeierFitter().fit(durations, event_observed=events)
    ci = median_survival_times(fitter.confidence_interval_survival_function_)
    bounds = [float(ci.iloc[0, 0]), float(ci.iloc[0, 1])]
    return fitter.median_survival_time_, [b if math.isfinite(b) else None for b in bounds]


def test_the_hand_worked_registry(registry):
    clinician_a = registry.clinician_a
    body = summary(OutcomeFilters(), scope_for(clinician_a), on=timezone.localdate())
    assert body["procedures"] == 8 and body["patients"] == 7  # P8 in error; P9 repeats P1
    assert body["suppressed"] is False
    rows = {r["timepoint"]: r for r in body["responders"]}
    assert list(rows) == ["2w", "6w", "3m", "6m", "12m"]
    for label, (completed, meaningful, substantial) in EXPECTED_RESPONDERS.items():
        row = rows[label]
        assert (row["completed"], row["meaningful"], row["substantial"]) == (
            completed,
            meaningful,
            substantial,
        ), label
        assert row["rate"] == pytest.approx(meaningful / completed)
        assert row["ci95"] == pytest.approx(list(_wilson_by_hand(meaningful, completed)))
        assert row["substantial_ci95"] == pytest.approx(
            list(_wilson_by_hand(substantial, completed))
        )
    assert rows["2w"]["ci95"] == pytest.approx([0.3755, 0.9638], abs=5e-5)  # 4 of 5
    completion = {r["timepoint"]: (r["due"], r["completed"]) for r in body["completion"]}
    assert completion == EXPECTED_COMPLETION

    relief = body["relief_duration"]
    assert relief["responders"] == 5 and relief["events"] == 3
    # Events at 42, 42 and 90 days; censored at 42 and 365: S(42) = 0.6, S(90) = 0.3.
    median, ci = _lifelines_median([90, 42, 42, 365, 42], [True, False, True, False, True])
    assert relief["median_days"] == median == 90
    assert relief["median_ci95"] == ci
    assert body["complications"] == [
        {"code": "vasovagal", "count": 2},
        {"code": "bleeding", "count": 1},
    ]


def test_a_day_before_the_later_time_points_fall_due(registry):
    clinician_a = registry.clinician_a
    p1 = registry.records["P1"]
    three_months = TimePointOutcome.objects.get(outcome_id=p1.pk, label="3m").due_on
    body = summary(OutcomeFilters(), scope_for(clinician_a), on=three_months)
    completion = {r["timepoint"]: (r["due"], r["completed"]) for r in body["completion"]}
    assert completion["3m"] == (7, 2) and completion["6m"] == (0, 0)


def test_filters_narrow_and_scope_follows_the_clinic(registry):
    clinician_a, clinician_b = registry.clinician_a, registry.clinician_b
    scope_a = scope_for(clinician_a)
    assert queries.totals(OutcomeFilters(repeat=True), scope_a).procedures == 1
    assert queries.totals(OutcomeFilters(repeat=False), scope_a).procedures == 7
    assert queries.totals(OutcomeFilters(clinic="tb"), scope_a).procedures == 0
    assert queries.totals(OutcomeFilters(imaging="ct"), scope_a).procedures == 0
    assert queries.totals(OutcomeFilters(startback="high"), scope_a).procedures == 0
    p1_date = registry.records["P1"].performed_at.date()
    assert queries.totals(OutcomeFilters(date_to=p1_date), scope_a).procedures == 7
    assert queries.totals(OutcomeFilters(clinician=clinician_b.pk), scope_a).procedures == 0
    assert queries.totals(OutcomeFilters(), scope_for(clinician_b)).procedures == 1
    root = make_superuser()
    assert queries.totals(OutcomeFilters(), scope_for(root)) == queries.Totals(9, 8)
    assert queries.totals(OutcomeFilters(clinic="tb"), scope_for(root)).procedures == 1


def test_analysts_get_small_counts_withheld(registry):
    analyst_a = registry.analyst_a
    body = summary(OutcomeFilters(), scope_for(analyst_a), on=timezone.localdate())
    assert body["suppressed"] is True
    assert body["procedures"] == 8 and body["patients"] == 7
    two_weeks = body["responders"][0]
    assert two_weeks["completed"] == 5 and two_weeks["meaningful"] is None
    assert two_weeks["rate"] is None and two_weeks["ci95"] is None
    assert body["relief_duration"]["responders"] == 5
    assert body["relief_duration"]["events"] is None  # 3 events
    assert body["complications"] == [
        {"code": "vasovagal", "count": None},
        {"code": "bleeding", "count": None},
    ]
    registry_analyst = make_staff("rita", "analyst", None)
    scope = scope_for(registry_analyst)
    assert scope == Scope(clinic_ids=None, pseudonymised=True)
    assert summary(OutcomeFilters(), scope, on=timezone.localdate())["procedures"] == 9


def test_the_other_panels(registry):
    clinician_a = registry.clinician_a
    scope = scope_for(clinician_a)
    change = {row.timepoint: row for row in queries.mean_change(OutcomeFilters(), scope)}
    # 2w leg scores 3, 5, 7, 2, 4 from 8: changes 5, 3, 1, 6, 4 -> mean 3.8 points.
    assert change["2w"].nrs_n == 5 and change["2w"].nrs_mean_points == pytest.approx(3.8)
    assert change["2w"].odi_n == 0 and change["2w"].odi_mean_points is None
    # Sample SD: squares of 1.2, -0.8, -2.8, 2.2, 0.2 sum to 14.8; 14.8 / 4 = 3.7.
    assert change["2w"].nrs_sd_points == pytest.approx(math.sqrt(3.7))
    assert change["2w"].odi_sd_points is None
    pgic = queries.pgic_distribution(OutcomeFilters(), scope)
    assert pgic["2w"][2] == 4 and pgic["2w"][4] == 2  # P6 answered too (PGIC needs no baseline)
    (unit,) = queries.responders_by(OutcomeFilters(), scope)
    assert (unit.procedures, unit.measured, unit.responders) == (8, 6, 5)
    decisions = {row.decision_outcome: row for row in queries.by_decision(OutcomeFilters(), scope)}
    assert decisions["suitable_with_cautions"].overridden == 1  # P6, proceeded with a reason
    assert decisions["suitable_with_cautions"].measured == 0
    assert decisions["suitable"].responders == 5
    curve = queries.relief_duration(OutcomeFilters(), scope)
    assert curve.median == 90 and curve.subjects == 5


def test_the_hooks_leave_what_a_rebuild_makes(registry):
    def snapshot():
        rows = list(ProcedureOutcome.objects.order_by("pk").values())
        points = list(TimePointOutcome.objects.order_by("outcome_id", "label").values())
        for row in rows:
            row.pop("refreshed_at")
        for point in points:
            point.pop("id")
        return rows, points

    kept_current = snapshot()
    assert stale_procedures() == []
    assert not ProcedureOutcome.objects.filter(record=registry.records["P8"]).exists()
    assert rebuild_outcomes() == 9
    assert snapshot() == kept_current
    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_outcomes", stdout=out)
    assert "Outcome facts of 9 procedures rebuilt" in out.getvalue()
    assert snapshot() == kept_current


def test_summary_api(registry, client):
    clinician_a = registry.clinician_a
    api = api_client_for(client, clinician_a)
    response = api.get("/api/v1/outcomes/summary")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "procedures",
        "patients",
        "responders",
        "completion",
        "relief_duration",
        "complications",
        "suppressed",
    }
    assert body == summary(OutcomeFilters(), scope_for(clinician_a), on=timezone.localdate())
    assert set(body["responders"][0]) == {
        "timepoint",
        "completed",
        "meaningful",
        "rate",
        "ci95",
        "substantial",
        "substantial_rate",
        "substantial_ci95",
    }
    assert set(body["relief_duration"]) == {"responders", "events", "median_days", "median_ci95"}
    assert type(body["relief_duration"]["median_days"]) is int  # whole days, as api.md shows
    event = AuditEvent.objects.filter(model="analytics.ProcedureOutcome").get()
    assert event.user == clinician_a and event.channel == "api" and event.action == "list"

    narrowed = api.get(
        "/api/v1/outcomes/summary",
        data={"repeat": "true", "steroid": "true", "from": "2020-01-01", "condition": "sciatica"},
    ).json()
    assert narrowed["procedures"] == 1 and narrowed["responders"][0]["rate"] is None


def test_bad_parameters_are_named(registry, client):
    clinician_a = registry.clinician_a
    api = api_client_for(client, clinician_a)
    response = api.get(
        "/api/v1/outcomes/summary",
        data={"from": "yesterday", "steroid": "maybe", "startback": "extreme", "condition": "gout"},
    )
    assert response.status_code == 422
    named = {error["field"] for error in response.json()["detail"]}
    assert named == {"from", "steroid", "startback", "condition"}
    backwards = api.get("/api/v1/outcomes/summary", data={"from": "2026-02-01", "to": "2026-01-01"})
    assert backwards.status_code == 422


def test_analyst_api_answer_holds_no_identifier(registry, client):
    analyst_a = registry.analyst_a
    body = api_client_for(client, analyst_a).get("/api/v1/outcomes/summary")
    assert body.status_code == 200 and body.json()["suppressed"] is True
    text = body.content.decode()
    for patient in registry.patients:
        for value in (patient.given_name, patient.family_name, patient.nhs_number, patient.mrn,
                      patient.email, patient.phone, patient.date_of_birth.isoformat(),
                      str(patient.pk)):  # fmt: skip
            assert value not in text
    refused = api_client_for(client, analyst_a).get(
        "/api/v1/outcomes/summary", data={"clinician": 1}
    )
    assert refused.status_code == 422


# --- The research extract ------------------------------------------------------------------------


def _extract(tmp_path, *args):
    from django.core.management import call_command

    call_command("research_extract", "--out", str(tmp_path), *args, stdout=StringIO())
    return tmp_path


def test_research_extract_files_and_columns(registry, tmp_path):
    import pyarrow.parquet as pq

    from spinepath.analytics.extract import PROCEDURE_COLUMNS, RESPONSE_COLUMNS

    out = _extract(tmp_path)
    assert sorted(p.name for p in out.iterdir()) == [
        "data_dictionary.md",
        "procedures.csv",
        "procedures.parquet",
        "responses.csv",
        "responses.parquet",
    ]
    procedures = pq.read_table(out / "procedures.parquet")
    responses = pq.read_table(out / "responses.parquet")
    api_md_procedures = [
        "procedure_key",
        "patient_pseudonym",
        "clinic_pseudonym",
        "operator_pseudonym",
        "procedure_month",
        "condition",
        "procedure",
        "imaging",
        "steroid",
        "steroid_mpe_mg",
        "repeat",
        "startback_risk",
        "primary",
        "baseline_nrs_back",
        "baseline_nrs_leg",
        "baseline_odi",
        "complication_codes",
    ]
    api_md_responses = [
        "procedure_key",
        "timepoint",
        "days_after_procedure",
        "nrs_back",
        "nrs_leg",
        "odi",
        "pgic",
        "late",
    ]
    assert procedures.column_names[: len(api_md_procedures)] == api_md_procedures
    assert responses.column_names[: len(api_md_responses)] == api_md_responses
    assert procedures.column_names == list(PROCEDURE_COLUMNS)
    assert responses.column_names == list(RESPONSE_COLUMNS)
    assert procedures.num_rows == 9 and responses.num_rows == 17  # every clinic; P8 left out
    dictionary = (out / "data_dictionary.md").read_text()
    assert all(f"`{name}`" in dictionary for name in [*PROCEDURE_COLUMNS, *RESPONSE_COLUMNS])
    months = set(procedures.column("procedure_month").to_pylist())
    assert all(len(m) == 7 and m[4] == "-" for m in months)
    event = AuditEvent.objects.filter(action="export", model="analytics.ProcedureOutcome").get()
    assert event.detail["figures"] == "research_extract"
    only_b = _extract(tmp_path / "b", "--clinic", "tb")
    assert pq.read_table(only_b / "procedures.parquet").num_rows == 1


def test_the_extract_holds_no_identifier(registry, tmp_path):
    out = _extract(tmp_path)
    text = b"".join(path.read_bytes() for path in out.iterdir()).decode("latin-1").lower()
    records = ProcedureOutcome.objects.values_list("record_id", "procedure_date")
    for patient in registry.patients:
        values = [
            patient.given_name,
            patient.family_name,
            patient.nhs_number,
            patient.nhs_number[:3] + " " + patient.nhs_number[3:6],
            patient.mrn,
            patient.email,
            patient.phone,
            patient.date_of_birth.isoformat(),
            patient.date_of_birth.strftime("%d/%m/%Y"),
            str(patient.pk),
            patient.pk.hex,
        ]
        for value in values:
            assert value.lower() not in text, value
    for _, performed_on in records:
        assert performed_on.isoformat() not in text  # months only, never the exact date
    for clinic in (registry.clinic_a, registry.clinic_b):
        assert clinic.name.lower() not in text
    for staff in (registry.clinician_a, registry.clinician_b):
        assert staff.username not in text
    # No free text: the notes and reasons written on the records appear nowhere.
    assert "wrong patient" not in text and "discussed at length" not in text


def test_the_extract_and_the_summary_agree(registry, tmp_path):
    import pyarrow.parquet as pq

    out = _extract(tmp_path, "--clinic", "ta")
    procedures = pq.read_table(out / "procedures.parquet").to_pylist()
    responses = pq.read_table(out / "responses.parquet").to_pylist()
    body = summary(OutcomeFilters(), scope_for(registry.clinician_a), on=timezone.localdate())
    assert len(procedures) == body["procedures"]
    assert len({p["patient_pseudonym"] for p in procedures}) == body["patients"]
    by_key = {p["procedure_key"]: p for p in procedures}
    for row in body["responders"]:
        measured = [
            r
            for r in responses
            if r["timepoint"] == row["timepoint"]
            and r[by_key[r["procedure_key"]]["primary"]] is not None
            and by_key[r["procedure_key"]][f"baseline_{by_key[r['procedure_key']]['primary']}"]
            is not None
        ]
        assert len(measured) == row["completed"]
        assert sum(1 for r in measured if r["meaningful"]) == row["meaningful"]
        assert sum(1 for r in measured if r["substantial"]) == row["substantial"]
    responders = [p for p in procedures if p["responder"]]
    median, ci = _lifelines_median(
        [p["relief_duration_days"] for p in responders],
        [not p["relief_censored"] for p in responders],
    )
    assert body["relief_duration"]["median_days"] == median
    assert body["relief_duration"]["median_ci95"] == ci
    codes = [c for p in procedures for c in p["complication_codes"].split(";") if c]
    assert {c["code"]: c["count"] for c in body["complications"]} == {
        code: codes.count(code) for code in set(codes)
    }


def test_funnel_points_name_clinicians_for_staff_and_pseudonyms_for_analysts(registry):
    points, responders, measured = queries.funnel_points(
        OutcomeFilters(), scope_for(registry.clinician_a)
    )
    assert [(p.unit, p.measured, p.responders) for p in points] == [("Alice", 6, 5)]
    assert (responders, measured) == (5, 6)
    points, *_ = queries.funnel_points(OutcomeFilters(), scope_for(registry.analyst_a))
    (point,) = points
    assert point.unit.startswith("o") and "alice" not in point.unit.lower()
    assert point.measured == 6 and point.responders == 5


def test_an_amended_late_complication_reaches_the_facts(registry):
    from datetime import timedelta

    from spinepath.procedures.procedure import procedure_amend_discharge

    p3 = registry.records["P3"]
    procedure_amend_discharge(
        None,
        record=p3,
        by=registry.clinician_a,
        discharged_at=p3.performed_at + timedelta(hours=2),
        discharge_condition="well",
        late_complications=["dural_puncture"],
    )
    assert ProcedureOutcome.objects.get(record=p3).complication_codes == "dural_puncture"


def test_rebuilt_once_holds_the_hooks_until_its_block_ends(registry):
    from spinepath.analytics.facts import on_procedure_recorded, rebuilt_once

    ProcedureOutcome.objects.all().delete()
    records = [r for name, r in registry.records.items() if name != "P8"]
    now = timezone.now()
    with rebuilt_once(at=now):
        for record in records:
            on_procedure_recorded(record)
        assert not ProcedureOutcome.objects.exists()  # held, not yet written
    assert ProcedureOutcome.objects.count() == len(records) == 9
    assert stale_procedures() == []

    ProcedureOutcome.objects.all().delete()
    with pytest.raises(RuntimeError), rebuilt_once(at=now):
        on_procedure_recorded(records[0])
        raise RuntimeError("the replay failed")
    assert not ProcedureOutcome.objects.exists()  # a failed block rebuilds nothing


def test_the_mean_change_has_its_interval_and_the_decisions_a_chart(registry):
    from spinepath.analytics.dashboard import panels

    board = panels(OutcomeFilters(), scope_for(registry.clinician_a), on=timezone.localdate())
    change = board.panel("change")
    row = next(r for r in change.rows if r[0].value == "2 weeks")
    # 3.8 ± t(0.975, 4) 2.776445 × √3.7 / √5 = 3.8 ± 2.388
    assert row[3].text == "1.4 to 6.2"
    assert change.chart is not None and "+3.8" in change.chart.summary
    decision = board.panel("decision")
    assert decision.chart is not None and "Responder rates by decision" in decision.chart.summary
