"""Consent forms (the plan and the patient's decision), and the day-of-procedure forms."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.validators import MinValueValidator
from django.utils import timezone

from spinepath.assessment.models import (
    IMAGING_CHOICES,
    INJECTABLE_STEROID_CHOICES,
    LOCAL_ANAESTHETIC_CHOICES,
)
from spinepath.clinical import vocab
from spinepath.clinical.checklist import ChecklistItem, DayFacts
from spinepath.clinical.coding import codebook, procedure_choices
from spinepath.clinical.consent_info import SPINAL_LEVELS
from spinepath.clinical.vocab import (
    APPROACHES_FOR,
    Antithrombotic,
    Approach,
    Complication,
    Procedure,
    RedFlag,
)
from spinepath.lib.widgets import DateInput
from spinepath.procedures.models import (
    SIDE_CHOICES,
    Consent,
    ProcedureRecord,
    validate_signature_image,
)


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


# --- The day of the procedure -------------------------------------------------------------------


_YES_NO_UNKNOWN = [("", "Not checked"), ("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=_YES_NO_UNKNOWN,
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect,
    )


def _ticks(form: forms.Form, items: list[ChecklistItem]) -> None:
    for item in items:
        form.fields[item.code] = forms.BooleanField(
            label=item.label, help_text=item.help, required=False
        )


class PhaseForm(forms.Form):
    """The tick boxes of one checklist phase (time out or sign out)."""

    def __init__(self, *args: Any, items: list[ChecklistItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        _ticks(self, items)

    def answers(self) -> dict[str, bool]:
        return {item.code: bool(self.cleaned_data.get(item.code)) for item in self.items}

    @property
    def tick_names(self) -> set[str]:
        return {item.code for item in self.items}


class ChecklistForm(PhaseForm):
    """Sign in: one tick box per item that applies today, and what was found on the day.

    The day's facts are what the decision rules use: the hours since the last dose of each
    antithrombotic on record, today's INR, pregnancy (where asked), fever and infection signs,
    new red flags, and the glucose reading (where asked).
    """

    def __init__(
        self,
        *args: Any,
        items: list[ChecklistItem],
        ask_glucose: bool,
        ask_pregnancy: bool = False,
        drugs: list[Antithrombotic] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, items=items, **kwargs)
        self.drugs = list(drugs or [])
        for drug in self.drugs:
            self.fields[f"hours_{drug.value}"] = forms.FloatField(
                label=f"Hours since the last dose of {vocab.lower_label(drug)}",
                required=False,
                min_value=0,
                max_value=24 * 365,
                help_text="Ask the patient the date and time of the last dose. Leave it empty "
                "if they are still taking it or do not know: the whole hold then remains.",
                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "decimal"}),
            )
        if self.drugs:
            self.fields["inr"] = forms.FloatField(
                label="INR today",
                required=False,
                min_value=0.5,
                max_value=20,
                help_text="Needed for warfarin; enter it for any patient whose INR was measured.",
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            )
        if ask_pregnancy:
            self.fields["pregnant"] = _yes_no("Could the patient be pregnant today?")
        self.fields["infection_systemic"] = _yes_no(
            "Fever, or unwell with an infection, today?", "Temperature 38 °C or above counts."
        )
        self.fields["infection_local"] = _yes_no("Signs of infection at the injection site?")
        self.fields["new_red_flags"] = forms.MultipleChoiceField(
            label="New red flags since the assessment",
            choices=[(f.value, vocab.label(f)) for f in RedFlag],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text="Tick any that are new. Any red flag means an urgent referral, not an "
            "injection.",
        )
        if ask_glucose:
            self.fields["glucose_mmol_l"] = forms.FloatField(
                label="Blood glucose (mmol/L)",
                required=False,
                min_value=0,
                max_value=60,
                help_text="Capillary reading taken today.",
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            )

    def glucose(self) -> float | None:
        value = self.cleaned_data.get("glucose_mmol_l")
        return None if value is None else float(value)

    def day_facts(self) -> DayFacts:
        data = self.cleaned_data
        return DayFacts(
            last_dose_hours={d: data.get(f"hours_{d.value}") for d in self.drugs},
            inr=data.get("inr"),
            pregnant=data.get("pregnant"),
            infection_systemic=data.get("infection_systemic"),
            infection_local=data.get("infection_local"),
            new_red_flags=tuple(RedFlag(f) for f in data.get("new_red_flags") or ()),
            glucose_mmol_l=self.glucose(),
        )


class DateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker (ISO values, whatever the locale)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _blank(choices: list[tuple[str, str]], label: str = "None") -> list[tuple[str, str]]:
    return [("", label), *choices]


def _approach_label(approach: Approach) -> str:
    return approach.value.replace("_", " ").capitalize()


class ProcedureForm(forms.ModelForm):
    """What was done, as a ``ProcedureRecord``: prefilled from the consented plan.

    The fields, their types and bounds are the model's; this form adds only the page's wording,
    the choices that read differently on the page, and the two written reasons the workflow
    asks for (``procedure_record`` checks the record against the consent).
    """

    levels = forms.MultipleChoiceField(
        label="Spinal levels",
        choices=[(level, level) for level in SPINAL_LEVELS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    steroid = forms.ChoiceField(
        label="Steroid", choices=_blank(INJECTABLE_STEROID_CHOICES, "None"), required=False
    )
    local_anaesthetic = forms.ChoiceField(
        label="Local anaesthetic", choices=_blank(LOCAL_ANAESTHETIC_CHOICES), required=False
    )
    complications = forms.MultipleChoiceField(
        label="Complications during the procedure or before discharge",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if there were none.",
    )
    discharge_condition = forms.ChoiceField(
        label="Condition on discharge",
        choices=_blank(ProcedureRecord.Discharge.choices, "Not yet discharged"),
        required=False,
    )
    steroid_override_reason = forms.CharField(
        label="Reason to override the steroid check",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Needed only when the steroid check blocks. Kept on the record and audited.",
    )
    consent_variance_reason = forms.CharField(
        label="Reason for giving a different drug or a higher dose than consented",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=(
            "Needed only when the drug or a higher steroid dose differs from the consent. "
            "Kept on the record and audited. Otherwise take consent again."
        ),
    )
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    # The written reasons go to the workflow, which keeps each only when it is needed.
    WORKFLOW_FIELDS = ("steroid_override_reason", "consent_variance_reason")

    class Meta:
        model = ProcedureRecord
        fields = [
            "performed_at",
            "assistant",
            "procedure",
            "levels",
            "side",
            "approach",
            "imaging",
            "dose_area_product",
            "screening_time_s",
            "dose_length_product",
            "steroid",
            "steroid_dose_mg",
            "local_anaesthetic",
            "local_anaesthetic_percent",
            "local_anaesthetic_ml",
            "contrast_agent",
            "contrast_ml",
            "needle",
            "complications",
            "complication_notes",
            "observations",
            "discharged_at",
            "discharge_condition",
            "notes",
        ]
        labels = {
            "performed_at": "Date and time of the procedure",
            "screening_time_s": "Screening time (seconds)",
            "local_anaesthetic_percent": "Local anaesthetic concentration (%)",
            "local_anaesthetic_ml": "Local anaesthetic volume (mL)",
            "complication_notes": "Complication details",
            "discharged_at": "Discharge time",
        }
        help_texts = {
            "dose_area_product": "Fluoroscopy only. Leave empty for ultrasound or CT.",
            "screening_time_s": "Fluoroscopy only. Leave empty for ultrasound or CT.",
            "dose_length_product": "CT only.",
            "contrast_agent": "e.g. iohexol 300",
            "observations": "Pulse, blood pressure, SpO₂, pain score.",
        }
        widgets = {
            "performed_at": DateTimeInput(),
            "discharged_at": DateTimeInput(),
            "side": forms.RadioSelect,
            "approach": forms.RadioSelect,
            "complication_notes": forms.Textarea(attrs={"rows": 2}),
            "observations": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, consent: Consent, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "submission_id": uuid.uuid4().hex,
                "performed_at": timezone.localtime().replace(second=0, microsecond=0),
                "procedure": consent.procedure,
                "levels": consent.levels,
                "side": consent.side,
                "imaging": consent.imaging,
                "steroid": consent.steroid,
                "steroid_dose_mg": consent.steroid_dose_mg,
                "local_anaesthetic": consent.local_anaesthetic,
            },
        )
        kwargs.setdefault("instance", ProcedureRecord(episode=consent.episode))
        super().__init__(*args, **kwargs)
        # Coded fields offer their codes only (no empty choice where one must be picked).
        self.fields["procedure"].choices = procedure_choices()  # type: ignore[attr-defined]
        self.fields["side"].choices = SIDE_CHOICES  # type: ignore[attr-defined]
        self.fields["imaging"].choices = IMAGING_CHOICES  # type: ignore[attr-defined]
        approaches = APPROACHES_FOR[Procedure(consent.procedure)]
        self.fields["approach"].choices = [  # type: ignore[attr-defined]
            (a.value, _approach_label(a)) for a in approaches
        ]
        if len(approaches) == 1 and not self.initial.get("approach"):
            self.initial["approach"] = approaches[0].value
        self.fields["complications"].choices = [  # type: ignore[attr-defined]
            (c.value, codebook().complications[c.value].display) for c in Complication
        ]
        for name, field in self.fields.items():
            if isinstance(field, forms.FloatField):
                # Amounts are never negative; phones get the decimal keypad.
                field.min_value = 0
                field.validators.append(MinValueValidator(0))
                step = "0.05" if name == "local_anaesthetic_percent" else "0.1"
                field.widget.attrs.update({"step": step, "min": "0", "inputmode": "decimal"})

    def record(self) -> ProcedureRecord:
        """The unsaved record of what was done, for ``procedure_record``."""
        record: ProcedureRecord = self.save(commit=False)
        record.submission_id = self.cleaned_data.get("submission_id") or ""
        return record

    def reasons(self) -> dict[str, str]:
        """The written reasons, as ``procedure_record`` takes them."""
        return {name: self.cleaned_data.get(name) or "" for name in self.WORKFLOW_FIELDS}


class DischargeForm(forms.Form):
    """The discharge and late complications as they should now read (an audited amendment)."""

    discharged_at = forms.DateTimeField(label="Discharge time", widget=DateTimeInput())
    discharge_condition = forms.ChoiceField(
        label="Condition on discharge", choices=_blank(ProcedureRecord.Discharge.choices, "Choose")
    )
    late_complications = forms.MultipleChoiceField(
        label="Complications noticed after the procedure",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked if there were none.",
    )
    late_complication_notes = forms.CharField(
        label="Details", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text="Needed when this changes what the record already says. Kept and audited.",
    )

    def __init__(self, *args: Any, record: ProcedureRecord, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "discharged_at": (
                    timezone.localtime(record.discharged_at).replace(second=0, microsecond=0)
                    if record.discharged_at
                    else None
                ),
                "discharge_condition": record.discharge_condition,
                "late_complications": list(record.late_complications),
                "late_complication_notes": record.late_complication_notes,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["late_complications"].choices = [  # type: ignore[attr-defined]
            (c.value, codebook().complications[c.value].display) for c in Complication
        ]
