"""Forms for sessions and bookings; the rules live on the models and in ``booking.py``."""

from __future__ import annotations

from typing import Any

from django import forms

from spinepath.accounts.models import Role, User
from spinepath.lib.widgets import DateInput
from spinepath.scheduling.models import Session


class TimeInput(forms.TimeInput):
    input_type = "time"


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = ["date", "start_time", "room", "modality", "operator", "capacity"]
        widgets = {"date": DateInput(), "start_time": TimeInput(format="%H:%M")}

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        operator = self.fields["operator"]
        assert isinstance(operator, forms.ModelChoiceField)
        operator.queryset = User.objects.filter(
            clinic_id=clinic_id, role=Role.CLINICIAN, is_active=True
        ).order_by("last_name", "first_name")
        self.fields["modality"].choices = [("", "Choose")] + list(self.fields["modality"].choices)[
            1:
        ]


class BookForm(forms.Form):
    episode = forms.ChoiceField(label="Patient waiting", choices=())

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].choices = [("", "Choose a patient")] + choices


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, min_length=3)
