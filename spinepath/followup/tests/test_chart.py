"""The outcome chart: an accessible inline SVG, the same bytes for the same data."""

from __future__ import annotations

import re
from datetime import date

from spinepath.followup.chart import ChartData, Observation, _drawn, render_svg, series_rows

DATA = ChartData(
    observations=[
        Observation(date(2026, 2, 21), "6 weeks", {"nrs_back": 4, "nrs_leg": 7, "odi": 40.0}),
        Observation(date(2026, 1, 2), "Baseline", {"nrs_back": 4, "nrs_leg": 8, "odi": 46.0}),
        Observation(date(2026, 1, 24), "2 weeks", {"nrs_leg": 3, "pgic": 2}),
    ],
    injections=[(date(2026, 1, 10), "Injection 10 Jan 2026")],
)


def test_an_inline_svg_image_labelled_by_its_caption() -> None:
    svg = render_svg(DATA, labelled_by="cap")
    assert svg.startswith("<svg") and 'role="img" aria-labelledby="cap"' in svg
    assert not re.search(r'<svg[^>]*\swidth="', svg)  # scales to its box
    assert ">injection <" in svg or "injection" in svg
    for words in ("Back pain", "Leg pain", "Disability (ODI)", "Change (PGIC)"):
        assert words in svg
    assert not re.search(
        r"\d{4}-\d{2}-\d{2}", re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    )


def test_the_same_data_draws_the_same_bytes_once() -> None:
    _drawn.cache_clear()
    first = render_svg(DATA, labelled_by="a")
    second = render_svg(DATA, labelled_by="a")
    assert first == second and _drawn.cache_info().hits == 1
    _drawn.cache_clear()
    assert render_svg(DATA, labelled_by="a") == first  # drawn again: identical


def test_the_table_alternative_is_in_date_order() -> None:
    rows = series_rows(DATA)
    assert [r["label"] for r in rows] == ["Baseline", "2 weeks", "6 weeks"]
    assert rows[1]["nrs_back"] is None and rows[1]["pgic"] == 2
    assert ChartData().empty and not DATA.empty
