"""The hot pages write dates, numbers and rows without the template engine: each must write
exactly what the template filters it replaces would."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.template import engines
from django.template.defaultfilters import floatformat
from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from spinepath.lib import fragments
from spinepath.lib.dates import Writer, day, iso, moment
from spinepath.lib.wording import mg

UTC = dt.UTC
moments = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 1, 1), timezones=st.just(UTC)
)


@settings(deadline=None)  # the first example loads Django's date formats and templates
@given(moments)
def test_dates_are_written_as_the_date_filter_writes_them(value: dt.datetime) -> None:
    local = timezone.localtime(value)
    writer = Writer()
    assert day(value) == writer.day(value) == formats.date_format(local, "DATE_FORMAT")
    assert day(value.date()) == formats.date_format(value.date(), "DATE_FORMAT")
    assert moment(value) == writer.moment(value) == formats.date_format(local, "DATETIME_FORMAT")
    assert iso(value) == writer.iso(value) == formats.date_format(local, "c")


def test_a_summer_moment_is_written_in_london_time_not_utc() -> None:
    value = dt.datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert moment(value) == "2 Jul 2026, 00:30"
    assert iso(value) == "2026-07-02T00:30:00+01:00"
    assert Writer().day(value.astimezone(ZoneInfo("Asia/Tokyo"))) == "2 Jul 2026"


@settings(deadline=None)  # the first example loads Django's date formats and templates
@given(st.integers(min_value=0, max_value=10**8).map(lambda n: n / 1000))
def test_mg_is_floatformat_minus_two(value: float) -> None:
    assert mg(value) == floatformat(value, "-2")


def test_mg_keeps_whole_numbers_whole_and_rounds_half_up() -> None:
    assert (mg(40.0), mg(12.5), mg(0.125), mg(80.004)) == ("40", "12.50", "0.13", "80.00")


@settings(deadline=None)  # the first example loads Django's date formats and templates
@given(st.text())
def test_a_row_escapes_every_value_as_the_template_engine_does(value: str) -> None:
    template = engines["django"].from_string("<td>{{ value }}</td>")
    assert fragments.rows("<td>{value}</td>", [{"value": value}]) == template.render(
        {"value": value}
    )
    assert fragments.text(value) == escape(value)


def test_a_row_keeps_markup_marked_safe_and_escapes_the_rest() -> None:
    html = fragments.rows(
        '<li title="{title}">{link}</li>',
        [{"title": 'say "hi" & <go>', "link": mark_safe('<a href="/x">x</a>')}],
    )
    assert html == '<li title="say &quot;hi&quot; &amp; &lt;go&gt;"><a href="/x">x</a></li>'
