"""What was done is the model's fields: the page's form and the API's body name the same ones.

``procedure_record`` takes an unsaved ``ProcedureRecord``; the form builds it as a ``ModelForm``
and the API from its body, so neither can add a field the model does not have or leave one out.
"""

from __future__ import annotations

from spinepath.procedures.api import ProcedureIn, ProcedureOut
from spinepath.procedures.forms import ProcedureForm
from spinepath.procedures.models import ProcedureRecord

MODEL_FIELDS = {field.name for field in ProcedureRecord._meta.concrete_fields}


def test_the_form_and_the_api_body_name_the_same_model_fields():
    form_fields = set(ProcedureForm.Meta.fields)
    api_fields = set(ProcedureIn.model_fields) - ProcedureIn.REASONS
    assert form_fields == api_fields
    assert form_fields <= MODEL_FIELDS


def test_the_written_reasons_go_to_the_workflow_not_the_form_save():
    assert set(ProcedureForm.WORKFLOW_FIELDS) == ProcedureIn.REASONS
    assert ProcedureIn.REASONS <= MODEL_FIELDS
    assert not ProcedureIn.REASONS & set(ProcedureForm.Meta.fields)


def test_the_api_shows_every_field_of_the_record_but_the_submission_key():
    shown = set(ProcedureOut.model_fields)
    links = {"episode_id", "consent_id", "safety_check_id"}
    assert MODEL_FIELDS - {"episode", "consent", "safety_check", "submission_id"} <= shown
    assert links <= shown and "submission_id" not in shown
