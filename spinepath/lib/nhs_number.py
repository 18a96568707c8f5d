"""NHS number validation (modulus 11), as the NHS Data Dictionary defines it.

Kept free of Django so the demo-data generator and the forms share one implementation.
"""

import re

_SEPARATORS = re.compile(r"[\s-]")
# ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses.
_TEN_DIGITS = re.compile(r"[0-9]{10}")
_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise(value: str) -> str:
    """Strip the spaces and dashes people type (``943 476 5919``)."""
    return _SEPARATORS.sub("", value)


def check_digit(first_nine: str) -> int | None:
    """The check digit for nine digits, or None when no valid number can start with them."""
    total = sum(int(d) * w for d, w in zip(first_nine, _WEIGHTS, strict=True))
    digit = 11 - total % 11
    if digit == 11:
        return 0
    if digit == 10:
        return None
    return digit


def problem(value: str) -> str | None:
    """Why ``value`` is not a valid NHS number, or None when it is."""
    digits = normalise(value)
    if not _TEN_DIGITS.fullmatch(digits):
        return "An NHS number has exactly 10 digits."
    if len(set(digits)) == 1:
        return "An NHS number cannot be the same digit repeated."
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        return (
            "This NHS number fails its check digit: please re-check it against the letter or card."
        )
    return None


def is_valid(value: str) -> bool:
    return problem(value) is None


def formatted(value: str) -> str:
    """``9434765919`` → ``943 476 5919``, the way the NHS prints it."""
    digits = normalise(value)
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else value
