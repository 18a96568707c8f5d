"""Discharge recorded after the procedure, as an audited amendment (issue 7, item 8).

Before: the discharge could only be entered with the procedure (a later time was refused) and
there was no way to add it afterwards. Now ``procedure_amend_discharge`` records or corrects it
with its history kept, on the timeline and in the audit log, from a page and the API.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from spinepath.lib.dates import moment
from spinepath.patients.models import TimelineEvent
from spinepath.procedures.models import ConsentDeleteError, DischargeAmendment
from spinepath.procedures.procedure import procedure_amend_discharge
from spinepath.procedures.recording import ProcedureRefused
from spinepath.testing import api_client_for, audit_events, ready_for_procedure, record_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    performed = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=40)
    return record_procedure(episode_a, clinician_a, performed_at=performed)


def test_the_discharge_is_recorded_later_with_its_history(record, clinician_a, episode_a):
    assert record.discharged_at is None
    at = record.performed_at + timedelta(minutes=35)
    amendment = procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=record.performed_at + timedelta(minutes=30),
        discharge_condition="well",
        at=at,
    )
    record.refresh_from_db()
    assert record.discharged_at == record.performed_at + timedelta(minutes=30)
    assert record.discharge_condition == "well"
    assert amendment.amended_at == at and amendment.amended_by == clinician_a
    assert amendment.before["discharged_at"] is None
    assert amendment.after["discharge_condition"] == "well"
    assert amendment.changed_fields == ["discharged_at", "discharge_condition"]
    event = episode_a.timeline.get(kind=TimelineEvent.Kind.UPDATE)
    assert event.summary.startswith(f"Procedure record {record.pk} amended: discharged")
    assert "(was: not yet discharged)" in event.summary and event.at == at
    # The time reads as every page writes it: "4 Dec 2026, 14:30".
    assert f"amended: discharged {moment(record.discharged_at)} (Well" in event.summary
    (audited,) = audit_events(action="update", model="procedures.ProcedureRecord")
    assert audited.changed_fields == ["discharge_condition", "discharged_at"]
    assert audited.detail["discharge_amendment"] == amendment.pk


def test_a_correction_needs_a_reason_and_keeps_every_version(client, record, clinician_a):
    first = record.performed_at + timedelta(minutes=20)
    procedure_amend_discharge(
        None, record=record, by=clinician_a, discharged_at=first, discharge_condition="well"
    )
    later = record.performed_at + timedelta(minutes=35)
    with pytest.raises(ValidationError) as invalid:
        procedure_amend_discharge(
            None, record=record, by=clinician_a, discharged_at=later, discharge_condition="well"
        )
    assert "write why" in invalid.value.message_dict["reason"][0]
    reason = "Observed longer after a brief dizzy spell; time corrected."
    procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=later,
        discharge_condition="observed_longer",
        late_complications=["vasovagal"],
        reason=reason,
    )
    record.refresh_from_db()
    assert record.discharged_at == later and record.late_complications == ["vasovagal"]
    history = list(record.discharge_amendments.all())
    assert len(history) == 2
    assert history[1].before["discharged_at"] == history[0].after["discharged_at"]
    assert history[1].reason == reason

    client.force_login(clinician_a)
    page = client.get(f"/procedures/{record.pk}/").content.decode()
    assert "Discharge amendments" in page and reason in page
    assert "was: not yet discharged" in page and "Vasovagal reaction" in page


@pytest.mark.parametrize(
    ("minutes", "condition", "field"),
    [
        (-5, "well", "discharged_at"),  # before the procedure
        (60, "well", "discharged_at"),  # after "now" (40 minutes after the procedure)
        (20, "", "discharge_condition"),
        (20, "sent_home", "discharge_condition"),
    ],
)
def test_an_impossible_discharge_is_refused_at_its_field(
    record, clinician_a, minutes, condition, field
):
    with pytest.raises(ValidationError) as invalid:
        procedure_amend_discharge(
            None,
            record=record,
            by=clinician_a,
            discharged_at=record.performed_at + timedelta(minutes=minutes),
            discharge_condition=condition,
        )
    assert field in invalid.value.message_dict
    assert not DischargeAmendment.objects.exists()


def test_only_a_clinician_amends_and_amendments_are_never_changed(record, clinician_a, physio_a):
    with pytest.raises(ProcedureRefused):
        procedure_amend_discharge(
            None,
            record=record,
            by=physio_a,
            discharged_at=record.performed_at + timedelta(minutes=20),
            discharge_condition="well",
        )
    amendment = procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=record.performed_at + timedelta(minutes=20),
        discharge_condition="well",
    )
    amendment.reason = "rewritten"
    with pytest.raises(ConsentDeleteError):
        amendment.save()
    with pytest.raises(ConsentDeleteError):
        amendment.delete()


def test_the_page_records_it_from_the_procedure_record(client, record, clinician_a):
    client.force_login(clinician_a)
    detail = client.get(f"/procedures/{record.pk}/").content.decode()
    assert (
        f'href="/procedures/{record.pk}/discharge/"' in detail and "Record the discharge" in detail
    )
    form = client.get(f"/procedures/{record.pk}/discharge/")
    assert form.status_code == 200
    when = timezone.localtime(record.performed_at + timedelta(minutes=25))
    bad = client.post(
        f"/procedures/{record.pk}/discharge/",
        {"discharged_at": when.strftime("%Y-%m-%dT%H:%M"), "discharge_condition": ""},
    )
    assert bad.status_code == 400 and "discharge_condition" in bad.context["form"].errors
    saved = client.post(
        f"/procedures/{record.pk}/discharge/",
        {"discharged_at": when.strftime("%Y-%m-%dT%H:%M"), "discharge_condition": "well"},
    )
    assert saved.status_code == 302 and saved.url == f"/procedures/{record.pk}/"
    record.refresh_from_db()
    assert record.discharge_condition == "well"


def test_the_api_amends_and_lists_the_history(client, record, clinician_a, physio_a):
    api = api_client_for(client, clinician_a)
    url = f"/api/v1/procedures/{record.pk}/discharge"
    when = (record.performed_at + timedelta(minutes=25)).isoformat()
    bad = api.post(url, {"discharged_at": when, "discharge_condition": "gone"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["detail"]] == ["discharge_condition"]
    ok = api.post(url, {"discharged_at": when, "discharge_condition": "well"})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["discharge_condition"] == "well"
    assert [a["after"]["discharge_condition"] for a in body["discharge_amendments"]] == ["well"]
    physio = api_client_for(client, physio_a)
    assert (
        physio.post(url, {"discharged_at": when, "discharge_condition": "well"}).status_code == 403
    )
