"""Every chart: valid SVG, an accessible image with its words, denominators shown, the same bytes
for the same numbers, different bytes for different numbers, and ids that cannot clash on a page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import replace
from xml.etree import ElementTree

import pytest

from spinepath.clinical.funnel import Unit, funnel
from spinepath.lib.charts import Chart
from spinepath.lib.charts.ledger import LedgerChartData, _drawn, steroid_ledger, y_ticks
from spinepath.lib.charts.outcomes import (
    ChangeSeries,
    FunnelLabels,
    MeanPoint,
    PgicRow,
    Proportion,
    RateRow,
    ResponderPoint,
    SurvivalCurve,
    complication_rates,
    funnel_plot,
    pgic_distribution,
    questionnaire_completion,
    relief_duration,
    responder_rates,
    score_change,
)
from spinepath.lib.charts.svg import presentation_attributes

SVG = "{http://www.w3.org/2000/svg}"

RESPONDERS = [
    ResponderPoint(
        "2 weeks", Proportion(60, 120, 0.5, 0.41, 0.59), Proportion(36, 120, 0.3, 0.23, 0.39)
    ),
    ResponderPoint(
        "3 months", Proportion(40, 100, 0.4, 0.31, 0.5), Proportion(20, 100, 0.2, 0.13, 0.29)
    ),
    ResponderPoint("12 months", Proportion(None, 4, None), Proportion(None, 4, None)),
]
CURVE = SurvivalCurve(
    days=[0, 14, 42, 90, 180],
    estimate=[1, 0.9, 0.7, 0.5, 0.35],
    low=[1, 0.85, 0.62, 0.41, 0.26],
    high=[1, 0.95, 0.78, 0.59, 0.44],
    at_risk=[(0, 100), (90, 61), (180, 29)],
    n=100,
    events=65,
    median=90,
    median_low=60,
    median_high=140,
)
CHANGES = [
    ChangeSeries(
        "Back pain",
        "NRS points, 0–10",
        [MeanPoint("2 weeks", -2.1, -2.6, -1.6, 120), MeanPoint("3 months", -1.2, -1.7, -0.7, 97)],
    ),
    ChangeSeries(
        "Disability (ODI)",
        "ODI points, 0–100",
        [MeanPoint("2 weeks", -10, -13, -7, 118), MeanPoint("3 months", -5, -8, -2, 97)],
    ),
]
PGIC = [PgicRow("2 weeks", [10, 30, 25, 30, 10, 8, 7]), PgicRow("3 months", None)]
COMPLICATIONS = [
    RateRow("Vasovagal", Proportion(12, 1000, 0.012, 0.007, 0.021)),
    RateRow("Dural puncture", Proportion(None, 1000, None)),
]
COMPLETION = [
    RateRow("2 weeks", Proportion(100, 120, 100 / 120)),
    RateRow("3 months", Proportion(70, 121, 70 / 121)),
]
UNITS = [Unit("Dr A", 30, 50), Unit("Dr B", 10, 50), Unit("Dr C", 60, 100), Unit("Dr D", 7, 12)]

# name -> (draw, draw with different numbers, words and denominators the chart must show)
CASES: dict[str, tuple[Callable[[], Chart], Callable[[], Chart], list[str]]] = {
    "responders": (
        lambda: responder_rates(RESPONDERS),
        lambda: responder_rates(
            [
                replace(RESPONDERS[0], meaningful=Proportion(70, 120, 0.58, 0.49, 0.67)),
                *RESPONDERS[1:],
            ]
        ),
        ["Responders at each follow-up", "Patients with relief (%)", "n=120", "n=100", "n=4"],
    ),
    "km": (
        lambda: relief_duration(CURVE),
        lambda: relief_duration(replace(CURVE, median=None, median_low=None, median_high=None)),
        ["Kaplan–Meier", "Days since injection", "Still relieved (%)", "At risk", "61", "n=100"],
    ),
    "change": (
        lambda: score_change(CHANGES),
        lambda: score_change(CHANGES[:1]),
        ["Mean change", "NRS points, 0–10", "ODI points, 0–100", "n=120", "n=97"],
    ),
    "pgic": (
        lambda: pgic_distribution(PGIC),
        lambda: pgic_distribution([PgicRow("2 weeks", [11, 30, 25, 30, 10, 8, 7]), PGIC[1]]),
        ["impression of change", "Patients answering (%)", "n=120", "Very much worse"],
    ),
    "complications": (
        lambda: complication_rates(COMPLICATIONS),
        lambda: complication_rates(COMPLICATIONS[:1]),
        ["Complications by type", "Procedures with the complication (%)", "12/1,000"],
    ),
    "completion": (
        lambda: questionnaire_completion(COMPLETION),
        lambda: questionnaire_completion(COMPLETION[::-1]),
        ["Questionnaires answered", "Answered of those due (%)", "100/120", "70/121"],
    ),
    "funnel": (
        lambda: funnel_plot(funnel(UNITS)),
        lambda: funnel_plot(funnel(UNITS, target=0.3)),
        [
            "funnel plot",
            "Responder rate (%)",
            "95% limits",
            "99.8% limits",
            "Overall rate",
            "n=212",
        ],
    ),
}


def texts(chart: Chart) -> str:
    root = ElementTree.fromstring(chart.svg)
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_chart_is_an_accessible_svg_with_its_labels_and_denominators(name: str) -> None:
    draw, _, words = CASES[name]
    chart = draw()
    root = ElementTree.fromstring(chart.svg)  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("width") is None and root.get("viewBox")  # scales to its box
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text == chart.title
    assert desc is not None and desc.text == chart.summary and len(chart.summary) > 20
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("aria-describedby") == desc.get("id")
    shown = texts(chart)
    for word in words:
        assert word in shown or word in chart.summary, (name, word, shown)
    assert "<metadata>" not in chart.svg and not re.search(r"\d{4}-\d{2}-\d{2}", chart.svg)
    # Every id carries the chart's own prefix, and every reference points inside the chart.
    ids = re.findall(r'\bid="([^"]+)"', chart.svg)
    prefix = title.get("id", "").removesuffix("-title")
    assert ids and all(i.startswith(prefix + "-") for i in ids)
    for ref in re.findall(r'(?:href="#|url\(#)([^")]+)', chart.svg):
        assert ref in ids
    # No inline CSS, which the pages' Content-Security-Policy would block.
    assert "<style" not in chart.svg and " style=" not in chart.svg


def test_css_becomes_presentation_attributes() -> None:
    raw = (
        '<svg viewBox="0 0 1 1">\n <defs>\n  <style type="text/css">*{stroke-linejoin: round;'
        ' stroke-linecap: butt}</style>\n </defs>\n <path d="M 0 0" style="fill: #ffffff;'
        ' stroke: #000; stroke-width: 0.8"/>\n <text style="font-size: 10px; font-family:'
        " 'DejaVu Sans'; text-anchor: middle\">a</text>\n</svg>"
    )
    assert presentation_attributes(raw) == (
        '<svg stroke-linejoin="round" stroke-linecap="butt" viewBox="0 0 1 1">\n'
        ' <path d="M 0 0" fill="#ffffff" stroke="#000" stroke-width="0.8"/>\n'
        ' <text font-size="10px" font-family="\'DejaVu Sans\'" text-anchor="middle">a</text>\n'
        "</svg>"
    )
    assert presentation_attributes('<svg><path d="M 0 0"/></svg>') == '<svg><path d="M 0 0"/></svg>'


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_numbers_same_bytes_other_numbers_other_bytes(name: str) -> None:
    draw, other, _ = CASES[name]
    first, second, different = draw(), draw(), other()
    assert first.svg == second.svg
    assert different.svg != first.svg
    ids = set(re.findall(r'\bid="([^"]+)"', first.svg))
    assert not ids & set(re.findall(r'\bid="([^"]+)"', different.svg))  # never clash on a page


def test_suppressed_values_are_said_not_drawn_as_zero() -> None:
    assert "suppressed" in texts(responder_rates(RESPONDERS))
    assert "12 months: suppressed" in responder_rates(RESPONDERS).summary
    assert "suppressed" in texts(complication_rates(COMPLICATIONS))
    assert "3 months: suppressed" in pgic_distribution(PGIC).summary


def test_the_funnel_names_the_units_outside_its_limits() -> None:
    chart = funnel_plot(funnel(UNITS), labels=FunnelLabels(unit="clinic"))
    assert "Dr B" in texts(chart) and "Dr A" not in texts(chart)
    assert "Dr B below 99.8%" in chart.summary and "4 clinics" in chart.summary
    quiet = funnel_plot(funnel(UNITS[2:]))
    assert "every clinician is within the 95% limits" in quiet.summary


# --- The steroid ledger ------------------------------------------------------------------------

START = dt.date(2023, 12, 3)
END = dt.date(2026, 12, 2)
LEDGER = LedgerChartData(
    start=START,
    end=END,
    series=(
        (START, 0.0),
        (dt.date(2025, 7, 20), 80.0),
        (dt.date(2026, 11, 2), 120.0),
        (END, 120.0),
    ),
    markers=(
        (dt.date(2025, 7, 20), 80.0, "20 Jul 2025: 80 mg MPE"),
        (dt.date(2026, 11, 2), 120.0, "2 Nov 2026: 40 mg MPE"),
    ),
    warn_mg=200,
    limit_mg=400,
    title="Rolling 12-month steroid total (mg methylprednisolone-equivalent), 3 Dec 2023 to today",
    description="The highest 12-month total was 120 mg; today it is 120 mg.",
)


@pytest.mark.parametrize("layout", ["wide", "narrow"])
def test_the_ledger_chart_draws_the_total_limits_and_a_dot_per_injection(layout: str) -> None:
    chart = steroid_ledger(LEDGER, layout=layout)  # type: ignore[arg-type]
    root = ElementTree.fromstring(chart.svg)
    assert f"chart-{layout}" in root.get("class", "")
    shown = texts(chart).splitlines()
    for words in ("caution 200 mg", "limit 400 mg", "today", "2025", "0", "500"):
        assert words in shown
    marks = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [g.findtext(f"{SVG}title") for g in marks] == [m[2] for m in LEDGER.markers]
    assert y_ticks(LEDGER) == [0, 100, 200, 300, 400, 500]
    assert y_ticks(replace(LEDGER, series=((START, 700.0), (END, 700.0))))[-1] == 800


def test_the_ledger_chart_is_kept_by_its_content_only() -> None:
    _drawn.cache_clear()
    wide = steroid_ledger(LEDGER, layout="wide")
    assert steroid_ledger(LEDGER, layout="wide") is wide and _drawn.cache_info().hits == 1
    narrow = steroid_ledger(LEDGER, layout="narrow")
    ids = set(re.findall(r'\bid="([^"]+)"', wide.svg))
    assert not ids & set(re.findall(r'\bid="([^"]+)"', narrow.svg))  # both are on one page
    other = steroid_ledger(replace(LEDGER, limit_mg=300), layout="wide")
    assert other.svg != wide.svg and "limit 300 mg" in texts(other)
    _drawn.cache_clear()
    assert steroid_ledger(LEDGER, layout="wide").svg == wide.svg  # drawn again: the same bytes


def test_the_same_svg_prints_in_a_weasyprint_pdf() -> None:
    from io import BytesIO

    from pypdf import PdfReader
    from weasyprint import HTML  # type: ignore[import-untyped]

    charts = [steroid_ledger(LEDGER, layout="wide"), funnel_plot(funnel(UNITS))]
    body = "".join(f"<figure style='width:16cm'>{c.svg}</figure>" for c in charts)
    pdf = HTML(string=f"<html><body>{body}</body></html>").write_pdf()
    assert pdf is not None
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    squashed = re.sub(r"\s+", "", text)  # the PDF's text runs lose their spaces
    for words in ("limit 400 mg", "caution 200 mg", "today", "99.8% limits", "Dr B"):
        assert words.replace(" ", "") in squashed, words


def test_loading_the_pages_does_not_import_matplotlib() -> None:
    """matplotlib takes seconds to import: it waits for the first chart drawn, so a worker's first
    request (the login page, the API) does not pay for it."""
    import os
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup(); import spinepath.urls, spinepath.lib.charts.outcomes; "
        # every template tag library too (the follow-up tags reach the episode chart's module)
        "from django.template import engines; engines['django'].engine.template_libraries; "
        "sys.exit('matplotlib' in sys.modules)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spinepath.settings", "DEBUG": "1"}
    assert subprocess.run([sys.executable, "-c", code], env=env, check=False).returncode == 0


def test_a_time_point_nobody_has_answered_is_not_called_suppressed() -> None:
    nobody = [ResponderPoint("6 months", Proportion(0, 0, None), Proportion(0, 0, None))]
    chart = responder_rates(nobody)
    assert "no answers yet" in texts(chart) and "suppressed" not in texts(chart)
    assert "6 months: no answers yet" in chart.summary
