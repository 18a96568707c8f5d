"""The reference list parses, and citations in text resolve to it."""

from spinepath.clinical.sources import all_sources, cited, cited_keys, parse_sources


def test_it_reads_every_numbered_source_in_order() -> None:
    sources = all_sources()
    assert sources["1"].citation.startswith("ebi.aomrc.org.uk")
    assert sources["19"].citation.startswith("Narouze")
    assert "R1" in sources and "56b" in sources
    assert list(sources)[0] == "1"


def test_it_splits_two_entries_that_share_a_line() -> None:
    parsed = parse_sources("- [74b] first.org/62323 [74c] second.org/64495\n")
    assert parsed["74b"].citation == "first.org/62323"
    assert parsed["74c"].citation == "second.org/64495"


def test_it_ignores_lines_that_are_not_entries() -> None:
    assert parse_sources("# Sources\nReferences cited as [n].\n") == {}


def test_citations_resolve_in_order_without_repeats() -> None:
    assert cited_keys("ASRA 2018 [19][21], again [19]") == ["19", "21"]
    assert [s.key for s in cited("Red-flag pathway [14][15]")] == ["14", "15"]
    assert cited("no citation here") == []


def test_a_source_knows_its_anchor_on_the_references_page() -> None:
    assert all_sources()["R1"].anchor == "source-R1"


def test_local_additions_use_s_keys_and_keep_the_specifications_numbers() -> None:
    sources = all_sources()
    assert sources["S1"].citation.startswith("Juch JNS")
    assert "JAMA 2017" in sources["S1"].citation
    assert [key for key in sources if key.startswith("S")] == [f"S{n}" for n in range(1, 11)]
    assert sources["104"].citation.startswith("formative.jmir.org")  # the list above is intact
    assert [s.key for s in cited("MINT [S1], FDA [27]")] == ["S1", "27"]


def test_a_citation_line_splits_into_words_and_known_sources() -> None:
    from spinepath.clinical.sources import split_citations

    pieces = split_citations("ASRA 2018 [19][9999] (verify)")
    assert [(text, source.key if source else None) for text, source in pieces] == [
        ("ASRA 2018 ", None),
        ("[19]", "19"),
        ("[9999]", None),
        (" (verify)", None),
    ]
