"""The referral-to-treatment clock: the worked examples of rtt.py, and its properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spinepath.clinical.rtt import (
    Pause,
    RttClock,
    Stop,
    StopKind,
    breach_date,
    breached_if_referred_by,
    rtt_status,
    waited_days,
)
from spinepath.clinical.tests.factories import PROPERTY

REFERRAL = dt.date(2026, 1, 5)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_with_no_pauses_the_breach_is_126_days_after_referral() -> None:
    clock = RttClock(REFERRAL)
    assert breach_date(clock) == d("2026-05-11")
    assert rtt_status(clock, d("2026-05-10")).waited_days == 125
    assert not rtt_status(clock, d("2026-05-10")).breached
    assert rtt_status(clock, d("2026-05-11")).breached
    assert rtt_status(clock, d("2026-05-11")).waited_weeks == 18


def test_the_referral_day_counts_and_the_day_before_it_nothing() -> None:
    clock = RttClock(REFERRAL)
    assert waited_days(clock, REFERRAL) == 0
    assert waited_days(clock, REFERRAL + dt.timedelta(days=1)) == 1
    assert waited_days(clock, REFERRAL - dt.timedelta(days=9)) == 0


def test_a_fortnight_paused_moves_the_breach_a_fortnight() -> None:
    clock = RttClock(REFERRAL, [Pause(d("2026-02-02"), "on holiday", d("2026-02-16"))])
    assert breach_date(clock) == d("2026-05-25")
    status = rtt_status(clock, d("2026-05-24"))
    assert (status.waited_days, status.paused_days, status.breached) == (125, 14, False)
    assert rtt_status(clock, d("2026-05-25")).breached
    assert rtt_status(clock, d("2026-02-10")).paused


def test_treatment_before_the_breach_meets_the_standard() -> None:
    clock = RttClock(REFERRAL, stop=Stop(d("2026-04-01"), StopKind.TREATMENT))
    status = rtt_status(clock, d("2026-09-01"))
    assert status.waited_days == 86
    assert status.breach_date is None and not status.breached
    assert status.stopped == Stop(d("2026-04-01"), StopKind.TREATMENT)


def test_discharge_after_the_breach_stays_a_breach() -> None:
    clock = RttClock(REFERRAL, stop=Stop(d("2026-06-01"), StopKind.DISCHARGE))
    status = rtt_status(clock, d("2026-07-01"))
    assert status.breached and status.breach_date == d("2026-05-11")
    assert status.waited_days == 147


def test_an_open_pause_leaves_the_breach_date_unknown() -> None:
    clock = RttClock(REFERRAL, [Pause(d("2026-03-02"), "patient wants to wait")])
    status = rtt_status(clock, d("2026-04-01"))
    assert status.breach_date is None and status.paused
    assert status.waited_days == 56


def test_an_open_pause_after_the_breach_does_not_hide_it() -> None:
    clock = RttClock(REFERRAL, [Pause(d("2026-06-01"), "patient wants to wait")])
    assert rtt_status(clock, d("2026-06-10")).breached


@pytest.mark.parametrize(
    ("pauses", "stop", "words"),
    [
        ([Pause(d("2026-01-01"), "away", d("2026-01-10"))], None, "before the referral"),
        ([Pause(d("2026-02-01"), "", d("2026-02-10"))], None, "needs a reason"),
        ([Pause(d("2026-02-10"), "away", d("2026-02-10"))], None, "end after it starts"),
        (
            [Pause(d("2026-02-01"), "a", d("2026-02-10")), Pause(d("2026-02-05"), "b")],
            None,
            "overlap",
        ),
        ([Pause(d("2026-02-01"), "a"), Pause(d("2026-03-01"), "b")], None, "still be open"),
        ([Pause(d("2026-05-01"), "a")], Stop(d("2026-04-01"), StopKind.TREATMENT), "stopped"),
        ([], Stop(d("2026-01-01"), StopKind.DISCHARGE), "stop before the referral"),
    ],
)
def test_impossible_records_are_refused_in_words(
    pauses: list[Pause], stop: Stop | None, words: str
) -> None:
    with pytest.raises(ValueError, match=words):
        RttClock(REFERRAL, pauses, stop)


def test_the_standard_is_configurable() -> None:
    assert breach_date(RttClock(REFERRAL, standard_days=42)) == d("2026-02-16")
    with pytest.raises(ValueError):
        RttClock(REFERRAL, standard_days=0)


@st.composite
def clocks(draw: st.DrawFn) -> RttClock:
    day = REFERRAL
    pauses: list[Pause] = []
    for _ in range(draw(st.integers(0, 3))):
        start = day + dt.timedelta(days=draw(st.integers(0, 80)))
        length = draw(st.integers(1, 40))
        pauses.append(Pause(start, "patient choice", start + dt.timedelta(days=length)))
        day = start + dt.timedelta(days=length)
    open_last: bool = draw(st.booleans())
    if pauses and open_last:
        last = pauses[-1]
        pauses[-1] = Pause(last.start, last.reason)
    return RttClock(REFERRAL, pauses, standard_days=draw(st.integers(1, 200)))


@PROPERTY
@given(clocks(), st.integers(-10, 600), st.integers(0, 30))
def test_waiting_never_goes_backwards_nor_beyond_the_calendar(
    clock: RttClock, offset: int, step: int
) -> None:
    on = REFERRAL + dt.timedelta(days=offset)
    later = on + dt.timedelta(days=step)
    assert 0 <= waited_days(clock, on) <= waited_days(clock, later)
    assert waited_days(clock, later) - waited_days(clock, on) <= step


@PROPERTY
@given(clocks())
def test_the_breach_day_is_the_first_day_the_wait_reaches_the_standard(clock: RttClock) -> None:
    breach = breach_date(clock)
    if breach is None:
        return
    assert waited_days(clock, breach) == clock.standard_days
    assert waited_days(clock, breach - dt.timedelta(days=1)) < clock.standard_days
    assert rtt_status(clock, breach).breached
    assert not rtt_status(clock, breach - dt.timedelta(days=1)).breached


@PROPERTY
@given(clocks(), st.integers(0, 300), st.integers(1, 30))
def test_a_pause_never_brings_the_breach_earlier(clock: RttClock, start: int, days: int) -> None:
    last_end = max((p.end for p in clock.pauses if p.end), default=REFERRAL)
    if any(p.end is None for p in clock.pauses):
        return
    begin = last_end + dt.timedelta(days=start)
    paused = RttClock(
        REFERRAL,
        [*clock.pauses, Pause(begin, "patient choice", begin + dt.timedelta(days=days))],
        standard_days=clock.standard_days,
    )
    before, after = breach_date(clock), breach_date(paused)
    assert before is not None and after is not None
    assert after >= before


@given(st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)), st.integers(0, 400))
def test_counting_breaches_by_referral_date_agrees_with_the_clock(
    on: dt.date, days_ago: int
) -> None:
    """The dashboard's count by referral date says 'breached' exactly when the clock does."""
    referral = on - dt.timedelta(days=days_ago)
    by_date = referral <= breached_if_referred_by(on)
    assert by_date == rtt_status(RttClock(referral), on).breached


def test_a_referral_breaches_on_its_breach_day_not_the_day_before() -> None:
    on = dt.date(2026, 12, 2)
    assert breached_if_referred_by(on) == on - dt.timedelta(days=126)
    assert rtt_status(RttClock(on - dt.timedelta(days=126)), on).breached
    assert not rtt_status(RttClock(on - dt.timedelta(days=125)), on).breached
