"""Procedure complications as rows the outcomes dashboard can count (issue 9).

Before: complication codes lived only in the record's JSON lists, so counting them meant reading
every record in Python. Now the procedure workflow and the discharge amendment write one
``ProcedureComplication`` row per code (late ones marked), in their own transactions.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone

from spinepath.procedures.models import ProcedureComplication, ProcedureRecord
from spinepath.procedures.procedure import (
    procedure_amend_discharge,
    procedure_mark_entered_in_error,
)
from spinepath.testing import ready_for_procedure, record_procedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    performed = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=40)
    return record_procedure(
        episode_a,
        clinician_a,
        performed_at=performed,
        complications=["vasovagal", "intravascular_uptake"],
    )


def _rows(record: ProcedureRecord) -> set[tuple[str, bool]]:
    return {(row.code, row.late) for row in record.complication_rows.all()}


def test_a_procedure_with_two_complications_writes_two_rows(record):
    assert record.complications == ["vasovagal", "intravascular_uptake"]
    assert _rows(record) == {("vasovagal", False), ("intravascular_uptake", False)}
    assert {row.recorded_at for row in record.complication_rows.all()} == {record.created_at}


def test_no_complications_no_rows(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    record = record_procedure(episode_a, clinician_a)
    assert record.complications == [] and not record.complication_rows.exists()


def test_a_refused_record_leaves_no_rows(episode_a, clinician_a):
    ready_for_procedure(episode_a, clinician_a)
    with pytest.raises(ValidationError):
        record_procedure(episode_a, clinician_a, complications=["vasovagal", "not_a_complication"])
    assert not ProcedureComplication.objects.exists()


def test_a_late_complication_added_by_the_amendment_is_a_late_row(record, clinician_a):
    at = record.performed_at + timedelta(minutes=35)
    procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=record.performed_at + timedelta(minutes=30),
        discharge_condition="well",
        late_complications=["bleeding"],
        at=at,
    )
    assert _rows(record) == {
        ("vasovagal", False),
        ("intravascular_uptake", False),
        ("bleeding", True),
    }
    late = record.complication_rows.get(late=True)
    assert late.recorded_at == at
    # A correction that takes the late complication away takes its row away too; the
    # amendment keeps what the record said before.
    procedure_amend_discharge(
        None,
        record=record,
        by=clinician_a,
        discharged_at=record.performed_at + timedelta(minutes=30),
        discharge_condition="well",
        late_complications=[],
        reason="Bleeding was entered on the wrong patient's record.",
        at=at + timedelta(minutes=5),
    )
    assert _rows(record) == {("vasovagal", False), ("intravascular_uptake", False)}


def test_records_entered_in_error_are_not_counted(record, episode_a, clinician_a):
    by_code = dict(
        ProcedureComplication.objects.counted().values_list("code").annotate(n=Count("id"))
    )
    assert by_code == {"vasovagal": 1, "intravascular_uptake": 1}
    procedure_mark_entered_in_error(
        None, record=record, by=clinician_a, reason="Recorded on the wrong patient."
    )
    assert ProcedureComplication.objects.count() == 2  # kept, like the record
    assert not ProcedureComplication.objects.counted().exists()


def test_choices_refuse_an_unknown_code(record):
    row = record.complication_rows.first()
    row.full_clean()
    row.code = "not_a_complication"
    with pytest.raises(ValidationError) as invalid:
        row.full_clean()
    assert "code" in invalid.value.message_dict


def test_coded_fields_of_the_record_refuse_unknown_codes(record):
    record.full_clean()
    for field, value in (
        ("procedure", "acupuncture"),
        ("approach", "sideways"),
        ("imaging", "mri"),
        ("local_anaesthetic", "cocaine"),
    ):
        original = getattr(record, field)
        setattr(record, field, value)
        with pytest.raises(ValidationError) as invalid:
            record.full_clean()
        assert field in invalid.value.message_dict
        setattr(record, field, original)
    consent = record.consent
    consent.full_clean()
    for field, value in (
        ("procedure", "acupuncture"),
        ("imaging", "mri"),
        ("steroid", "cortisone"),
        ("local_anaesthetic", "cocaine"),
    ):
        original = getattr(consent, field)
        setattr(consent, field, value)
        with pytest.raises(ValidationError) as invalid:
            consent.full_clean()
        assert field in invalid.value.message_dict
        setattr(consent, field, original)
