"""The baseline questionnaires form, shared by the assessment page and the baseline page."""

from __future__ import annotations

from typing import Any

from django import forms

from spinepath.clinical.instruments import INSTRUMENTS, NotScorable, score
from spinepath.questionnaires.wording import current_instruments

BASELINE_INSTRUMENTS = ("nrs_back", "nrs_leg", "odi", "startback")


class BaselineQuestionnairesForm(forms.Form):
    """NRS back and leg (required), ODI and STarT Back (optional: the patient may answer later).

    Fields are named ``<instrument>__<item>``; scoring is the clinical core's, so a form error here
    is exactly the core's ``NotScorable`` reason.
    """

    REQUIRED = ("nrs_back", "nrs_leg")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = current_instruments()
        for code in BASELINE_INSTRUMENTS:
            instrument = self.instruments[code]
            for item in instrument.items:
                self.fields[f"{code}__{item.id}"] = forms.TypedChoiceField(
                    label=item.text if code.startswith("nrs") else f"{item.name}: {item.text}",
                    choices=[("", "—")]
                    + [(o.value, f"{o.value} — {o.text}") for o in item.options],
                    coerce=int,
                    empty_value=None,
                    required=code in self.REQUIRED,
                )
        self.scores: dict[str, Any] = {}

    def instrument_fields(self, code: str) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(f"{code}__")]

    def answers(self, code: str) -> dict[str, Any]:
        prefix = f"{code}__"
        return {
            name.removeprefix(prefix): value
            for name, value in self.cleaned_data.items()
            if name.startswith(prefix)
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for code in BASELINE_INSTRUMENTS:
            answers = self.answers(code)
            if all(value is None for value in answers.values()):
                continue
            try:
                self.scores[code] = (answers, score(code, answers))
            except NotScorable as exc:
                self.add_error(None, f"{INSTRUMENTS[code].name}: {exc}")
        return data
