"""The hash chain: an intact chain verifies; any single change, deletion, insertion or reorder
of rows is found, at the row where it happened."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from spinepath.lib.hashchain import GENESIS, Link, Problem, canonical, row_hash, verify

START = datetime(2026, 1, 1, tzinfo=UTC)

values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(max_size=8),
    st.lists(st.text(max_size=4), max_size=3),
)
rows = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c", "detail"]), values, min_size=1),
    min_size=2,
    max_size=8,
)


def chain(fields: list[dict[str, Any]]) -> list[Link]:
    links, previous = [], GENESIS
    for seq, row in enumerate(fields, start=1):
        digest = row_hash(row, previous)
        written = START + timedelta(seconds=seq)
        links.append(Link(seq, f"id {seq}", row, previous, digest, written))
        previous = digest
    return links


def problems(links: list[Link]) -> list[Problem]:
    return list(verify(links))


@given(rows)
def test_an_intact_chain_verifies(fields: list[dict[str, Any]]) -> None:
    assert problems(chain(fields)) == []


@given(rows, st.data())
def test_changing_any_one_field_of_any_row_is_found_at_that_row(
    fields: list[dict[str, Any]], data: st.DataObject
) -> None:
    links = chain(fields)
    i = data.draw(st.integers(0, len(links) - 1))
    key = data.draw(st.sampled_from(sorted(links[i].fields)))
    new = data.draw(values.filter(lambda v: canonical(v) != canonical(links[i].fields[key])))
    links[i] = replace(links[i], fields={**links[i].fields, key: new})
    found = problems(links)
    assert [(p.seq, p.kind) for p in found] == [(i + 1, "changed")]


@given(rows, st.data())
def test_deleting_any_row_is_found_after_the_gap(
    fields: list[dict[str, Any]], data: st.DataObject
) -> None:
    links = chain(fields)
    i = data.draw(st.integers(0, len(links) - 2))  # the last row's removal needs an anchor
    del links[i]
    found = problems(links)
    assert found and {p.seq for p in found} == {i + 2}
    assert {p.kind for p in found} >= {"missing", "relinked"}


@given(rows, st.data())
def test_inserting_a_row_anywhere_is_found(
    fields: list[dict[str, Any]], data: st.DataObject
) -> None:
    links = chain(fields)
    # Before the last row: a row added after the last is a new row (if not back-dated).
    i = data.draw(st.integers(0, len(links) - 2))
    # A forger who hashes the new row properly after row i, taking its position.
    forged_fields = {"a": "forged"}
    forged = Link(
        links[i].seq + 1,
        "id 99",
        forged_fields,
        links[i].digest,
        row_hash(forged_fields, links[i].digest),
        links[i].written,
    )
    links.insert(i + 1, forged)
    found = problems(links)
    assert found and found[0].seq == i + 2


@given(rows, st.data())
def test_swapping_two_rows_is_found(fields: list[dict[str, Any]], data: st.DataObject) -> None:
    links = chain(fields)
    i = data.draw(st.integers(0, len(links) - 2))
    j = data.draw(st.integers(i + 1, len(links) - 1))
    links[i], links[j] = links[j], links[i]
    assert problems(links)


@given(rows, st.data())
def test_renumbering_rows_to_hide_a_swap_is_found(
    fields: list[dict[str, Any]], data: st.DataObject
) -> None:
    links = chain(fields)
    i = data.draw(st.integers(0, len(links) - 2))
    a, b = links[i], links[i + 1]
    links[i], links[i + 1] = replace(b, seq=a.seq), replace(a, seq=b.seq)
    assert problems(links)


def test_a_row_written_earlier_than_the_one_before_it_is_back_dated() -> None:
    links = chain([{"a": 1}, {"a": 2}, {"a": 3}])
    links[2] = replace(links[2], written=links[0].written - timedelta(seconds=1))
    assert [(p.seq, p.kind) for p in problems(links)] == [(3, "back-dated")]
    same_moment = chain([{"a": 1}, {"a": 2}])
    same_moment[1] = replace(same_moment[1], written=same_moment[0].written)
    assert problems(same_moment) == []


def test_the_hash_reads_stored_json_the_same_way() -> None:
    # What a JSON column gives back: an integral float as an integer, tuples as lists.
    assert row_hash({"n": 2.0, "t": (1, 2)}, GENESIS) == row_hash({"n": 2, "t": [1, 2]}, GENESIS)
    assert row_hash({"n": 2.5}, GENESIS) != row_hash({"n": 2}, GENESIS)
    assert row_hash({"a": 1}, GENESIS) != row_hash({"a": 1}, "1" * 64)
    assert len(row_hash({}, GENESIS)) == 64
