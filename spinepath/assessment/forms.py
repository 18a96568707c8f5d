"""The baseline assessment form: every fact the rules need, with "not assessed" kept distinct."""

from __future__ import annotations

from typing import Any

from django import forms

from spinepath.assessment.models import OBSERVATION_FIELDS, Assessment
from spinepath.clinical.facts import PLAUSIBLE
from spinepath.clinical.pregnancy import may_be_asked_about_pregnancy, sex_for_rules
from spinepath.clinical.vocab import (
    RED_FLAG_HINTS,
    RED_FLAG_RULE,
    Allergy,
    Antithrombotic,
    AspirinIndication,
    RedFlag,
    label,
)
from spinepath.lib.plausible import date_problem
from spinepath.lib.widgets import DateInput
from spinepath.patients.models import PriorInjection

TRI_STATE = [("unknown", "Not assessed"), ("true", "Yes"), ("false", "No")]


def tri_state(label: str, help_text: str = "") -> forms.NullBooleanField:
    return forms.NullBooleanField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect(choices=TRI_STATE),
    )


def _red_flag_label(flag: RedFlag) -> str:
    # rules.md: the form says, beside each flag, that only a new, worsening or unexplained
    # finding counts.
    hint = RED_FLAG_HINTS.get(flag)
    return f"{label(flag)} ({RED_FLAG_RULE}{'; ' + hint if hint else ''})"


RED_FLAG_CHOICES = [(flag.value, _red_flag_label(flag)) for flag in RedFlag]
ALLERGY_CHOICES = [(a.value, label(a)) for a in Allergy]


class AssessmentForm(forms.ModelForm):
    red_flags_screened = forms.BooleanField(
        label="I have screened for red flags",
        required=False,
        help_text="Tick once asked about every item below; tick none if none are present.",
    )
    red_flags = forms.MultipleChoiceField(
        label="Red flags present",
        help_text="A long-standing finding that has been investigated and is stable is not a "
        "red flag.",
        choices=RED_FLAG_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allergies_recorded = forms.BooleanField(
        label="Allergies checked with the patient", required=False
    )
    allergies = forms.MultipleChoiceField(
        label="Allergies",
        choices=ALLERGY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medication_recorded = forms.BooleanField(
        label="Antithrombotic medication checked",
        required=False,
        help_text="Tick, and list any below (leave the rows empty if the patient takes none).",
    )
    leg_pain_dominant = tri_state("Leg pain worse than back pain (radicular)")
    neurogenic_claudication = tri_state(
        "Neurogenic claudication",
        "Leg symptoms on walking or standing, eased by sitting or bending.",
    )
    bleeding_disorder = tri_state("Bleeding disorder")
    thrombotic_risk_high = tri_state(
        "High clotting risk",
        "A mechanical heart valve, a coronary stent in the last 12 months or a clot in the last "
        "3 months: the prescriber must agree any stop of an antithrombotic.",
    )
    diabetes = tri_state("Diabetes")
    pregnant = tri_state("Pregnant", "Ask everyone who could be pregnant.")
    immunosuppressed = tri_state("Immunosuppressed")
    infection_systemic = tri_state("Systemic infection")
    infection_local = tri_state("Infection at the injection site")

    class Meta:
        model = Assessment
        fields = [
            "assessed_on",
            "procedure",
            "imaging",
            "steroid",
            "steroid_dose_mg",
            "local_anaesthetic",
            "red_flags_screened",
            "red_flags",
            "allergies_recorded",
            "allergies",
            "medication_recorded",
            *OBSERVATION_FIELDS,
        ]
        labels = {
            "symptom_duration_weeks": "Duration of this episode of symptoms (weeks)",
            "conservative_care_weeks": "Conservative care so far (weeks)",
            "steroid": "Steroid (leave empty for local anaesthetic only)",
        }
        widgets = {
            "assessed_on": DateInput(),
            "mbb_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        episode = self.instance.episode if self.instance.episode_id else None
        if episode is not None and not may_be_asked_about_pregnancy(
            sex_for_rules(episode.patient.sex)
        ):
            # Asked of exactly those the rules ask it of (the core's pregnancy policy).
            del self.fields["pregnant"]

    # Consistency checks live in Assessment.clean(), which ModelForm validation runs.


class AntithromboticForm(forms.Form):
    drug = forms.ChoiceField(
        choices=[("", "—")] + [(d.value, label(d)) for d in Antithrombotic],
        required=False,
    )
    hours_since_last_dose = forms.FloatField(
        label="Hours since last dose",
        required=False,
        min_value=PLAUSIBLE["hours_since_last_dose"].low,
        max_value=PLAUSIBLE["hours_since_last_dose"].high,
        help_text="Leave empty if still taking it.",
    )
    indication = forms.ChoiceField(
        label="Aspirin for",
        choices=[("", "—")] + [(i.value, label(i)) for i in AspirinIndication],
        required=False,
    )

    def as_fact(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("drug"):
            return None
        return {
            "drug": data["drug"],
            "hours_since_last_dose": data.get("hours_since_last_dose"),
            "indication": data.get("indication") or None,
        }


AntithromboticFormSet = forms.formset_factory(AntithromboticForm, extra=3, max_num=8)


class PriorInjectionForm(forms.ModelForm):
    class Meta:
        model = PriorInjection
        fields = ["given_on", "site", "steroid", "steroid_dose_mg", "relief_percent", "where"]
        widgets = {"given_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.has_changed() and not data.get("given_on"):
            self.add_error("given_on", "Give the date of the injection.")
        if self.has_changed() and not data.get("site"):
            self.add_error("site", "Say where the injection was given.")
        if data.get("steroid") and data.get("steroid_dose_mg") is None:
            self.add_error("steroid_dose_mg", "Give the steroid dose in mg.")
        return data


PriorInjectionFormSet = forms.formset_factory(PriorInjectionForm, extra=2, max_num=10)


def injections_dated_by(formset: forms.BaseFormSet[Any], day: Any, born: Any = None) -> bool:
    """Flag each injection given elsewhere dated after ``day`` or before the patient was
    ``born``; True when there is none.

    The rules only count injections up to the assessment date, so a later one would be saved
    but silently left out of the steroid checks.
    """
    ok = True
    for form in formset:
        problem = date_problem(
            form.cleaned_data.get("given_on"),
            not_after=day,
            after_words="the assessment date",
            not_before=born,
            before_words="the patient's date of birth",
        )
        if problem:
            form.add_error("given_on", problem)
            ok = False
    return ok
