"""Consent forms: the plan details the information depends on, and the patient's decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from spinepath.clinical.consent_info import SPINAL_LEVELS
from spinepath.lib.widgets import DateInput
from spinepath.procedures.models import SIDE_CHOICES, Consent, validate_signature_image


class PlanForm(forms.Form):
    """Where the injection goes; the information sheet is generated for exactly this."""

    levels = forms.MultipleChoiceField(
        label="Spinal levels",
        choices=[(level, level) for level in SPINAL_LEVELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    side = forms.ChoiceField(label="Side", choices=SIDE_CHOICES, widget=forms.RadioSelect)


class ConsentForm(forms.Form):
    patient_questions = forms.CharField(
        label="The patient's questions, and the answers given",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    interpreter_used = forms.BooleanField(label="An interpreter was used", required=False)
    capacity_confirmed = forms.BooleanField(
        label="The patient has capacity to make this decision",
        required=False,
        help_text="Required before the patient can agree.",
    )
    decision = forms.ChoiceField(
        label="The patient's decision",
        choices=Consent.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the patient agrees or declines."},
    )
    signature_method = forms.ChoiceField(
        label="How the patient signs",
        choices=Consent.SignatureMethod.choices,
        initial=Consent.SignatureMethod.TYPED,
        widget=forms.RadioSelect,
    )
    signed_name = forms.CharField(
        label="Patient's name, typed as their signature",
        max_length=200,
        help_text=(
            "The patient types their full name, or you type it as they say it. Optional only "
            "when the patient declines, or signs on the screen."
        ),
        error_messages={"required": "Type the patient's name as their signature."},
    )
    signed_on = forms.DateField(
        label="Date signed",
        initial=timezone.localdate,
        widget=DateInput(),
        error_messages={"required": "Give the date of the signature."},
    )
    signature_image = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        validators=[validate_signature_image],
        max_length=300_000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shown as required (the usual case); relaxed for a refusal or a drawn signature, where
        # ``clean`` decides what is needed.
        data = self.data if self.is_bound else {}
        if data.get("decision") == Consent.Decision.DENY:
            self.fields["signed_name"].required = False
            self.fields["signed_on"].required = False
        if data.get("signature_method") == Consent.SignatureMethod.DRAWN:
            self.fields["signed_name"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        permit = data.get("decision") == Consent.Decision.PERMIT
        method = data.get("signature_method")
        name = (data.get("signed_name") or "").strip()
        image = data.get("signature_image") or ""
        if permit and not data.get("capacity_confirmed"):
            self.add_error(
                "capacity_confirmed",
                "Confirm the patient has capacity to make this decision before they agree.",
            )
        if method == Consent.SignatureMethod.DRAWN:
            if not image and "signature_image" not in self.errors:
                self.add_error(
                    "signed_name",
                    "The drawing is empty. Ask the patient to sign in the box, or type the name.",
                )
        else:
            data["signature_image"] = ""
            if permit and not name and "signed_name" not in self.errors:
                self.add_error("signed_name", "Type the patient's name as their signature.")
        if (name or image) and not data.get("signed_on") and "signed_on" not in self.errors:
            self.add_error("signed_on", "Give the date of the signature.")
        signed_on = data.get("signed_on")
        if signed_on and signed_on > timezone.localdate():
            self.add_error("signed_on", "The signature date cannot be in the future.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason: it is kept on the record."},
    )
