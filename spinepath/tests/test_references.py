"""The references page lists every cited source with an anchor, and citations link to it."""

from django.template import Context, Template
from django.urls import reverse

from spinepath.clinical.sources import all_sources


def test_the_references_page_needs_a_login(client, db):
    response = client.get("/references/")
    assert response.status_code == 302
    assert response.url.startswith("/login/?next=/references/")


def test_the_references_page_has_an_anchor_for_every_source(client, clinician_a):
    client.force_login(clinician_a)
    assert reverse("references") == "/references/"
    page = client.get("/references/").content.decode()
    sources = all_sources()
    assert len(sources) > 50
    for key in sources:
        assert f'id="source-{key}"' in page, key
    assert "Narouze, Reg Anesth Pain Med 2018" in page  # [19] as the specification cites it


def _render(source: str, **context: object) -> str:
    return Template("{% load wording %}" + source).render(Context(context))


def test_citations_become_links_to_their_entry(db):
    html = _render("{{ text|source_links }}", text="ASRA 2018 [19][21]")
    assert html == (
        'ASRA 2018 <a href="/references/#source-19" title="'
        f'{all_sources()["19"].citation.replace("&", "&amp;")}">[19]</a>'
        f'<a href="/references/#source-21" title="{all_sources()["21"].citation}">[21]</a>'
    )


def test_a_source_dated_by_the_specification_reads_as_a_day(client, clinician_a):
    """[22] is recorded as "asra.com newsletter 2019-08-27": people read "27 Aug 2019"."""
    assert "2019-08-27" in all_sources()["22"].citation
    client.force_login(clinician_a)
    page = client.get("/references/").content.decode()
    assert "asra.com newsletter 27 Aug 2019" in page and "2019-08-27" not in page
    assert "27 Aug 2019" in _render("{{ text|source_links }}", text="ASRA [22]")


def test_an_unknown_citation_stays_text_and_the_rest_is_escaped(db):
    html = _render("{{ text|source_links }}", text="<b>x</b> [9999] [56b]")
    assert html.startswith("&lt;b&gt;x&lt;/b&gt; [9999] ")
    assert '<a href="/references/#source-56b"' in html


def test_unconfirmed_sources_are_said_in_words():
    assert _render("{{ t|unconfirmed }}", t="local default (verify)") == (
        "local default (source not yet confirmed)"
    )
    assert _render("{{ t|unconfirmed }}", t="Steroids and glucose [23] (verify threshold)") == (
        "Steroids and glucose [23] (source of the threshold not yet confirmed)"
    )
    assert _render("{{ t|unconfirmed }}", t="above 10 mmol/L (local default, verify).") == (
        "above 10 mmol/L (local default, source not yet confirmed)."
    )
    # A word that merely contains "verify" is left alone.
    assert _render("{{ t|unconfirmed }}", t="unverifyable") == "unverifyable"


def test_machine_dates_in_messages_read_as_days():
    assert _render("{{ t|plain_dates }}", t="hold apixaban: earliest date 2026-12-04") == (
        "hold apixaban: earliest date 4 Dec 2026"
    )
    assert _render("{{ t|plain_dates }}", t="ref 2026-13-40 stays") == "ref 2026-13-40 stays"
