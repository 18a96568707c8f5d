"""Dates in words people read: "4 Dec 2026" (and "4 Dec 2026, 14:30"), as the pages show them."""

from datetime import date, datetime

from django.utils import formats, timezone


def day(value: date | datetime) -> str:
    """The day as people write it, "4 Dec 2026" , in the clinic's time zone."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(formats.date_format(value, "DATE_FORMAT"))


def moment(value: datetime) -> str:
    """The day and time, "4 Dec 2026, 14:30", in the clinic's time zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(formats.date_format(value, "DATETIME_FORMAT"))
