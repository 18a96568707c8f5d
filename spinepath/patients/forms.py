from django import forms

from spinepath.lib import nhs_number
from spinepath.lib.widgets import DateInput
from spinepath.patients.models import Episode, Patient


class PatientForm(forms.ModelForm):
    # Longer than the stored 10 digits so "943 476 5919" and "943-476-5919" get through to
    # normalisation; the model checks the digits themselves.
    nhs_number = forms.CharField(
        label=Patient._meta.get_field("nhs_number").verbose_name,
        required=False,
        max_length=20,
        help_text=Patient._meta.get_field("nhs_number").help_text,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Patient
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "nhs_number",
            "mrn",
            "email",
            "phone",
            "preferred_language",
            "interpreter_needed",
            "notes",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_nhs_number(self) -> str:
        return nhs_number.normalise(self.cleaned_data["nhs_number"])


class EpisodeForm(forms.ModelForm):
    class Meta:
        model = Episode
        fields = [
            "condition",
            "laterality",
            "referral_source",
            "referrer_name",
            "referral_date",
            "referral_reason",
            "conservative_care_weeks",
            "conservative_care_notes",
            "responsible_clinician",
        ]
        widgets = {
            "referral_date": DateInput(),
            "referral_reason": forms.Textarea(attrs={"rows": 3}),
            "conservative_care_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, clinic_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["responsible_clinician"]
        field.queryset = field.queryset.filter(  # type: ignore[attr-defined]
            clinic_id=clinic_id, role="clinician", is_active=True
        )


class DischargeForm(forms.ModelForm):
    """Why the pathway ends; the workflow (``episode_discharge``) checks and records it."""

    class Meta:
        model = Episode
        fields = ["discharge_outcome", "discharge_note"]
        labels = {"discharge_outcome": "Outcome", "discharge_note": "Note"}
        widgets = {"discharge_note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["discharge_outcome"].required = True


class ReopenForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Why the pathway starts again: it goes on the timeline.",
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, NHS number, MRN or date of birth",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
    )


class RightsReasonForm(forms.Form):
    """Restrict a record, or lift its restriction: the reason goes to the audit log."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="The patient's request or the reason, as you would explain it to an auditor.",
    )


class EraseForm(RightsReasonForm):
    confirmation = forms.CharField(
        label="Type ERASE to confirm",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="This cannot be undone.",
    )
