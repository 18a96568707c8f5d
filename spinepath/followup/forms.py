"""Staff entry of a time point's answers (by phone or in clinic) and the next-step choice."""

from __future__ import annotations

from typing import Any

from django import forms

from spinepath.clinical.instruments import Instrument
from spinepath.followup.models import PlanChoice, TimePoint
from spinepath.followup.planning import REASON_MIN_CHARS
from spinepath.patients.models import Episode


class FollowUpAnswersForm(forms.Form):
    """One select per item of each instrument the time point asks, named ``<code>__<item>``.

    Every answer is optional here: the patient may skip a question. ``time_point_submit`` (the
    clinical core's scoring) says what is missing for a score, naming the question.
    """

    def __init__(
        self, *args: Any, point: TimePoint, instruments: dict[str, Instrument], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.point = point
        self.groups: list[tuple[Instrument, list[str]]] = []
        for code in point.instruments:
            instrument = instruments[code]
            names = []
            for item in instrument.items:
                name = f"{code}__{item.id}"
                label = item.text if len(instrument.items) == 1 else f"{item.name}: {item.text}"
                self.fields[name] = forms.TypedChoiceField(
                    label=label,
                    choices=[("", "—")]
                    + [(o.value, f"{o.value} — {o.text}") for o in item.options],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )
                names.append(name)
            self.groups.append((instrument, names))

    def instrument_fields(self) -> list[tuple[Instrument, list[forms.BoundField]]]:
        return [(instrument, [self[n] for n in names]) for instrument, names in self.groups]

    def answers(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for name, value in self.cleaned_data.items():
            if value is not None:
                code, item = name.split("__", 1)
                found.setdefault(code, {})[item] = value
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(v is not None for v in data.values()):
            raise forms.ValidationError("Enter at least one answer.")
        return data


class NextStepForm(forms.Form):
    choice = forms.ChoiceField(
        label="Next step", choices=PlanChoice.choices, widget=forms.RadioSelect
    )
    discharge_outcome = forms.ChoiceField(
        label="If discharging: the outcome",
        choices=[("", "—"), *Episode.DischargeOutcome.choices],
        required=False,
    )
    reason = forms.CharField(
        label="Why this step",
        min_length=REASON_MIN_CHARS,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Goes on the timeline with the relief it was based on.",
    )
