"""Form widgets shared by the apps."""

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Browsers accept only ISO dates in ``value``, whatever the locale."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
