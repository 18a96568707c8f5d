"""Dates in words people read: "4 Dec 2026" (and "4 Dec 2026, 14:30"), as the pages show them.

Pages write hundreds of dates; Django's ``date_format`` looks the format up and parses it for
every one. The words of a calendar day never change, so each process remembers them per day and
language (a date on its own says nothing about anyone), and a moment adds its hour and minute to
the day's words when the format is the project's "day, HH:MM"."""

from datetime import date, datetime, time
from functools import lru_cache

from django.core.signals import setting_changed
from django.utils import formats, timezone, translation


@lru_cache(maxsize=4096)
def _day_words(value: date, language: str | None) -> str:
    return str(formats.date_format(value, "DATE_FORMAT"))


@lru_cache(maxsize=16)
def _moment_is_day_and_time(language: str | None) -> bool:
    return bool(
        formats.get_format("DATETIME_FORMAT") == formats.get_format("DATE_FORMAT") + ", H:i"
    )


def _forget(*, setting: str, **kwargs: object) -> None:
    """A test that overrides a format setting must not read the words cached before it."""
    if "FORMAT" in setting or setting in {"LANGUAGE_CODE", "USE_I18N"}:
        _day_words.cache_clear()
        _moment_is_day_and_time.cache_clear()


setting_changed.connect(_forget)


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def day(value: date | datetime) -> str:
    """The day as people write it, "4 Dec 2026" , in the clinic's time zone."""
    value = _local(value)
    calendar_day = value.date() if isinstance(value, datetime) else value
    return _day_words(calendar_day, translation.get_language())


def moment(value: datetime) -> str:
    """The day and time, "4 Dec 2026, 14:30", in the clinic's time zone."""
    local = _local(value)
    assert isinstance(local, datetime)
    language = translation.get_language()
    if _moment_is_day_and_time(language):
        return f"{_day_words(local.date(), language)}, {local.hour:02d}:{local.minute:02d}"
    return str(formats.date_format(local, "DATETIME_FORMAT"))


def iso(value: datetime) -> str:
    """The moment for a ``<time datetime>`` attribute, as ``|date:'c'`` writes it (local time)."""
    return _local(value).isoformat()


class Writer:
    """``day``, ``moment`` and ``iso`` for a whole list: the time zone and language are read once
    (each read goes through a context-local lookup), not once per date."""

    def __init__(self) -> None:
        self.zone = timezone.get_current_timezone()
        self.language = translation.get_language()
        self.day_and_time = _moment_is_day_and_time(self.language)

    def _local(self, value: date | datetime) -> date | datetime:
        if isinstance(value, datetime) and value.utcoffset() is not None:
            return value.astimezone(self.zone)
        return value

    def day(self, value: date | datetime) -> str:
        local = self._local(value)
        calendar_day = local.date() if isinstance(local, datetime) else local
        return _day_words(calendar_day, self.language)

    def moment(self, value: datetime) -> str:
        local = self._local(value)
        assert isinstance(local, datetime)
        if self.day_and_time:
            words = _day_words(local.date(), self.language)
            return f"{words}, {local.hour:02d}:{local.minute:02d}"
        return str(formats.date_format(local, "DATETIME_FORMAT"))

    def iso(self, value: datetime) -> str:
        return self._local(value).isoformat()


def end_of_day(value: date) -> datetime:
    """The last moment of ``value`` in the local time zone: what "as of that day" means for a
    setting in force by time (a rule-set version), so a day-based view reads no clock."""
    return timezone.make_aware(datetime.combine(value, time.max))
