"""The outcomes dashboard's GET filter form: the page's query string becomes ``OutcomeFilters``.

The same filters as the summary API (api.md), plus the funnel's time point. The clinic filter is
offered only to registry-wide users (a clinic's staff see their own clinic); the clinician filter
only to clinic staff (analysts never see a clinician's identity).
"""

from __future__ import annotations

from typing import Any

from django import forms

from spinepath.accounts.models import Clinic, Role, User
from spinepath.analytics.queries import LABELS, OutcomeFilters, Scope
from spinepath.clinical.vocab import Condition, Imaging, Procedure, label

TIMEPOINT_NAMES = {
    "2w": "2 weeks",
    "6w": "6 weeks",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
}


def _choices(values: Any) -> list[tuple[str, str]]:
    return [("", "Any"), *((v.value, label(v.value)) for v in values)]


YES_NO = [("", "Either"), ("yes", "Yes"), ("no", "No")]


class OutcomeFilterForm(forms.Form):
    date_from = forms.DateField(label="Procedures from", required=False)
    date_to = forms.DateField(label="to", required=False)
    condition = forms.ChoiceField(choices=_choices(Condition), required=False)
    procedure = forms.ChoiceField(choices=_choices(Procedure), required=False)
    imaging = forms.ChoiceField(choices=_choices(Imaging), required=False)
    clinician = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    clinic = forms.ChoiceField(required=False)
    startback = forms.ChoiceField(
        label="STarT Back risk",
        choices=[("", "Any"), ("low", "Low"), ("medium", "Medium"), ("high", "High")],
        required=False,
    )
    steroid = forms.ChoiceField(label="Steroid", choices=YES_NO, required=False)
    repeat = forms.ChoiceField(
        label="Injection",
        choices=[("", "First or repeat"), ("no", "First"), ("yes", "Repeat")],
        required=False,
    )
    timepoint = forms.ChoiceField(
        label="Funnel plot at",
        choices=[(code, TIMEPOINT_NAMES[code]) for code in LABELS],
        required=False,
        initial="6w",
    )

    def __init__(self, data: Any, *, user: User, scope: Scope) -> None:
        super().__init__(data)
        self.scope = scope
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        if scope.registry_wide:
            self.fields["clinic"].choices = [
                ("", "Every clinic"),
                *Clinic.objects.order_by("name").values_list("code", "name"),
            ]
        else:
            del self.fields["clinic"]
        if scope.pseudonymised:
            del self.fields["clinician"]
        else:
            clinicians = User.objects.filter(role=Role.CLINICIAN, is_active=True)
            if scope.clinic_ids is not None:
                clinicians = clinicians.filter(clinic_id__in=scope.clinic_ids)
            self.fields["clinician"].choices = [
                ("", "Any"),
                *((u.pk, u.display_name) for u in clinicians.order_by("last_name", "username")),
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end of the period is before its start.")
        return cleaned

    def filters(self) -> OutcomeFilters:
        """The filters chosen (call after ``is_valid``)."""
        data = self.cleaned_data

        def flag(value: str | None) -> bool | None:
            return None if not value else value == "yes"

        return OutcomeFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            condition=data.get("condition") or None,
            procedure=data.get("procedure") or None,
            imaging=data.get("imaging") or None,
            clinic=data.get("clinic") or None,
            steroid=flag(data.get("steroid")),
            repeat=flag(data.get("repeat")),
            startback=data.get("startback") or None,
            clinician=data.get("clinician"),
        )

    def funnel_timepoint(self) -> str:
        return (self.cleaned_data.get("timepoint") if self.is_bound else None) or "6w"
