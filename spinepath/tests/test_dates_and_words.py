"""Dates read one way everywhere ("4 Dec 2026"), and consent status in words, not FHIR codes."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template
from django.urls import reverse

from spinepath.lib.dates import day, moment
from spinepath.procedures.consent import consent_mark_entered_in_error, consent_withdraw
from spinepath.procedures.models import Consent
from spinepath.testing import assess, take_consent

LONDON = ZoneInfo("Europe/London")


def test_a_day_has_no_leading_zero_and_a_short_month():
    assert day(date(2026, 12, 4)) == "4 Dec 2026"
    assert moment(datetime(2026, 12, 4, 14, 30, tzinfo=LONDON)) == "4 Dec 2026, 14:30"
    # A moment just after midnight in London is still that day, not the day before in UTC.
    assert day(datetime(2026, 7, 1, 0, 30, tzinfo=LONDON)) == "1 Jul 2026"


def test_templates_use_the_same_format_by_default():
    rendered = Template("{{ d|date }} / {{ t|date:'DATETIME_FORMAT' }}").render(
        Context({"d": date(2026, 12, 4), "t": datetime(2026, 12, 4, 9, 5, tzinfo=LONDON)})
    )
    assert rendered == "4 Dec 2026 / 4 Dec 2026, 09:05"


def test_records_name_their_day_the_same_way(episode_a):
    assert str(episode_a) == "Sciatica (referred 1 Oct 2026)"


def test_the_episode_page_writes_every_date_as_a_day(client, clinician_a, episode_a):
    client.force_login(clinician_a)
    page = client.get(reverse("episode_detail", args=[episode_a.pk])).content.decode()
    assert "1 Oct 2026" in page
    assert "01 Oct" not in page and "Oct. 1" not in page and "2026-10-01<" not in page


def test_consent_status_is_shown_in_words(client, clinician_a, episode_a):
    decided = assess(episode_a, clinician_a)
    given = take_consent(decided, clinician_a)
    declined = take_consent(decided, clinician_a, decision="deny")
    client.force_login(clinician_a)

    def shown(consent):
        return client.get(reverse("consent_detail", args=[consent.pk])).content.decode()

    assert given.status_words == "Consent given" and "Consent given" in shown(given)
    assert declined.status_words == "Declined" and "Declined" in shown(declined)
    episode_page = client.get(reverse("episode_detail", args=[episode_a.pk])).content.decode()
    assert "Consent given" in episode_page and "Declined" in episode_page
    assert "— Active" not in episode_page and "Inactive" not in episode_page

    consent_withdraw(None, consent=given, by=clinician_a, reason="Changed her mind")
    assert given.status_words == "Withdrawn" and "Withdrawn" in shown(given)
    consent_mark_entered_in_error(None, consent=declined, by=clinician_a, reason="Wrong patient")
    assert declined.status_words == "Entered in error"
    page = shown(declined)
    assert "Entered in error" in page and ">Inactive<" not in page


def test_every_status_has_words():
    for status in Consent.Status.values:
        for decision in Consent.Decision.values:
            words = Consent(status=status, decision=decision).status_words
            assert words[0].isupper() and "-" not in words and words.lower() != status
