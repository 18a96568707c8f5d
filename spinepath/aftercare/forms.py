"""Forms for the programme pages; the rules themselves live on the models and the workflows."""

from __future__ import annotations

from django import forms

from spinepath.aftercare.models import StartBack
from spinepath.lib.widgets import DateInput


class ProgrammeNewForm(forms.Form):
    injection_date = forms.DateField(
        label="Date of the injection",
        widget=DateInput(),
        help_text="The phases count from this day (day 0).",
    )
    start_back_risk = forms.ChoiceField(
        label="STarT Back risk",
        choices=[("", "Not known")] + list(StartBack.choices),
        required=False,
        help_text="High risk adds graded activity and reassurance to every phase.",
    )
    notes = forms.CharField(
        label="Notes for the patient", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
