"""Forms for the onward actions; their rules live on ``OnwardAction`` (``clean``)."""

from __future__ import annotations

from django import forms

from spinepath.lib.widgets import DateInput
from spinepath.onward.models import OnwardAction


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class UrgentReferralForm(forms.ModelForm):
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
        for name in ("to_whom", "method", "made_at"):
            self.fields[name].required = True
        self.fields["result"].required = True
        self.fields["result"].choices = OnwardAction.Result.choices
        self.fields["made_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class NotSuitablePlanForm(forms.ModelForm):
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


class ReferralResultForm(forms.ModelForm):
    class Meta:
        model = OnwardAction
        fields = ["result", "result_on", "result_notes"]
        widgets = {"result_on": DateInput(), "result_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["result"].required = True
        self.fields["result"].choices = OnwardAction.Result.choices
