"""The decision page speaks to people: the plain message first, the rule code small and after it,
sources as links to the references page, thresholds in words and units (issue 7 item 9)."""

import html
import re

import pytest

from spinepath.assessment.presentation import source_parts
from spinepath.assessment.tests.helpers import DEFER_PLAN
from spinepath.clinical.ruleset import THRESHOLDS, UNVERIFIED, RuleSetConfig
from spinepath.clinical.vocab import Antithrombotic
from spinepath.testing import make_decision


@pytest.fixture
def alice(client, clinician_a):
    client.force_login(clinician_a)
    return client


def page(client, decision):
    r = client.get(f"/decisions/{decision.pk}/")
    assert r.status_code == 200
    return r.content.decode()


def text(markup):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def test_the_message_comes_first_and_the_code_is_small_and_after_it(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, **DEFER_PLAN)
    markup = page(alice, decision)
    [item] = re.findall(r'<li class="reason[^"]*">(.*?)</li>', markup, re.S)
    message = "Red flags have not been screened"
    assert message in item
    code = re.search(r"<small>Rule <code>RED_FLAGS_NOT_SCREENED</code></small>", item)
    assert code, item
    assert item.index(message) < code.start()
    assert item.index("What to do:") < code.start()
    # The code appears nowhere else in the reason.
    assert item.count("RED_FLAGS_NOT_SCREENED") == 1


def test_sources_link_to_the_references_page(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, red_flags=["saddle_anaesthesia"])
    markup = page(alice, decision)
    for key in ("11", "12", "13"):
        assert f'<a href="/references/#source-{key}"' in markup
    references = alice.get("/references/").content.decode()
    assert 'id="source-11"' in references and "cauda-equina-warning-signs" in references


def test_an_unconfirmed_source_reads_as_not_yet_confirmed(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, platelets=60)  # PLATELETS_LOW, local default
    shown = text(page(alice, decision))
    assert "Source: local default (source not yet confirmed)" in shown
    assert "(verify" not in shown


def test_red_flags_and_actions_read_as_words(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, red_flags=["iv_drug_use"])
    shown = text(page(alice, decision))
    assert "Possible spinal infection (IV drug use): do not inject." in shown
    assert "What to do: Emergency, same day: refer for assessment of spinal infection" in shown
    assert "iv_drug_use" not in shown


def test_the_rerun_page_puts_the_message_before_the_code(alice, episode_a, clinician_a):
    decision = make_decision(episode_a, clinician_a, bleeding_disorder=None)
    decision.reasons = []  # as if stored before BLEEDING_NOT_ASSESSED existed
    decision.outcome = "suitable"
    decision.save()
    markup = alice.get(f"/decisions/{decision.pk}/rerun/").content.decode()
    message = markup.index("Whether the patient has a bleeding disorder has not been recorded")
    assert message < markup.index("<small>Rule <code>BLEEDING_NOT_ASSESSED</code></small>")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "ASRA 2018 [19][21] (verify)",
            [
                ("ASRA 2018 ", ""),
                ("[19]", "19"),
                ("[21]", "21"),
                (" (source not yet confirmed)", ""),
            ],
        ),
        ("NICE NG59 1.3.2 (verify wording)", [("NICE NG59 1.3.2 (wording not yet confirmed)", "")]),
        (
            "Steroids and glucose [23][24] (verify threshold)",
            [
                ("Steroids and glucose ", ""),
                ("[23]", "23"),
                ("[24]", "24"),
                (" (threshold not yet confirmed)", ""),
            ],
        ),
        ("no citation [999]", [("no citation ", ""), ("[999]", "")]),
    ],
)
def test_source_parts(source, expected):
    assert [(part.text, part.key) for part in source_parts(source)] == expected


def test_every_threshold_has_words_and_every_unconfirmed_one_is_among_them():
    not_thresholds = ("name", "version", "disabled_rules")
    keys = {name for name in RuleSetConfig.model_fields if name not in not_thresholds}
    keys.discard("antithrombotic_hold_hours")
    keys |= {f"antithrombotic_hold_hours.{drug.value}" for drug in Antithrombotic}
    assert keys <= set(THRESHOLDS)
    assert set(UNVERIFIED) <= set(THRESHOLDS)
    for words in THRESHOLDS.values():
        assert "_" not in words.label
