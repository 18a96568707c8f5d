"""Forms for the onward actions; their rules live on ``OnwardAction`` (``clean``)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from spinepath.lib.widgets import DateInput
from spinepath.onward.models import OnwardAction


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class OnwardForm(forms.ModelForm):
    """Each problem is said once: where the form already refused a field (left empty, say), the
    model's ``clean`` saying the same again is not added to it."""

    def _update_errors(self, errors: ValidationError) -> None:
        if hasattr(errors, "error_dict"):
            errors = ValidationError(
                {f: e for f, e in errors.error_dict.items() if f not in self.errors}
            )
        super()._update_errors(errors)


class UrgentReferralForm(OnwardForm):
    class Meta:
        model = OnwardAction
        fields = ["to_whom", "method", "made_at", "result", "result_on", "notes"]
        widgets = {
            "made_at": DateTimeInput(),
            "result_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"notes": "Notes (what was said, reference number)"}
        help_texts = {"result": "Usually pending now; record the result when it is known."}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, words in (
            ("to_whom", "Say to whom the referral was made."),
            ("method", "Say how the referral was made."),
            ("made_at", "Give the date and time the referral was made."),
        ):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = words
        self.fields["method"].choices = [("", "Choose")] + OnwardAction.Method.choices
        self.fields["result"].required = True
        self.fields["result"].choices = OnwardAction.Result.choices
        self.fields["made_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class NotSuitablePlanForm(OnwardForm):
    class Meta:
        model = OnwardAction
        fields = ["plan", "notes"]
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["plan"].required = True
        self.fields["plan"].error_messages["required"] = (
            "Write the plan for this patient (at least a short sentence)."
        )


class ReferralResultForm(OnwardForm):
    class Meta:
        model = OnwardAction
        fields = ["result", "result_on", "result_notes"]
        widgets = {"result_on": DateInput(), "result_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["result"].required = True
        self.fields["result"].choices = OnwardAction.Result.choices
