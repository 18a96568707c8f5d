"""How long the server-side charts take to draw (matplotlib → SVG), in this process.

Run with ``DEBUG=1 .venv/bin/python bench/charts.py``. It prints, for steroid ledgers of a few
sizes, the time to work out the chart's numbers (``_chart_data``: the clinical core's step series
and running totals; the reference, measured in the same run), to draw each layout cold (drawing
cache cleared) and to fetch it warm (the content-keyed cache), with ratios to the reference; then
each outcomes chart drawn cold. Medians of ``REPEATS`` runs; no assertion, figures only.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from spinepath.clinical.facts import InjectionSite  # noqa: E402
from spinepath.clinical.funnel import Unit, funnel  # noqa: E402
from spinepath.clinical.ruleset import DEFAULT  # noqa: E402
from spinepath.clinical.steroids import GivenInjection  # noqa: E402
from spinepath.clinical.vocab import Steroid  # noqa: E402
from spinepath.lib.charts import ledger as ledger_chart  # noqa: E402
from spinepath.lib.charts import outcomes  # noqa: E402
from spinepath.procedures.ledger import _chart_data  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "5"))
TODAY = dt.date(2026, 12, 2)


def median_ms(run: Callable[[], object], *, before: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(REPEATS):
        if before:
            before()
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def history(count: int) -> list[GivenInjection]:
    """``count`` injections spread over the last three years, 40 mg triamcinolone each."""
    step = max(1, 1090 // max(count, 1))
    return [
        GivenInjection(
            date=TODAY - dt.timedelta(days=1090 - i * step),
            procedure=InjectionSite("interlaminar_epidural"),
            steroid=Steroid("triamcinolone"),
            steroid_dose_mg=40,
        )
        for i in range(count)
    ]


def ledger() -> None:
    print("Steroid ledger chart (ms; ratio to working out its numbers)")
    print(f"{'injections':>10} {'numbers':>9} {'wide cold':>10} {'narrow cold':>12} {'warm':>8}")
    start = TODAY - dt.timedelta(days=DEFAULT.window_36m_days)
    for count in (4, 20, 200):
        given = history(count)
        data = _chart_data(given, DEFAULT, start=start, end=TODAY)
        numbers = median_ms(lambda g=given: _chart_data(g, DEFAULT, start=start, end=TODAY))
        clear = ledger_chart._drawn.cache_clear
        wide = median_ms(lambda d=data: ledger_chart.steroid_ledger(d, layout="wide"), before=clear)
        narrow = median_ms(
            lambda d=data: ledger_chart.steroid_ledger(d, layout="narrow"), before=clear
        )
        warm = median_ms(lambda d=data: ledger_chart.steroid_ledger(d, layout="wide"))
        print(
            f"{count:>10} {numbers:>9.2f} {wide:>6.0f} ×{wide / numbers:<4.0f}"
            f"{narrow:>7.0f} ×{narrow / numbers:<4.0f} {warm:>8.3f}"
        )


def dashboard() -> None:
    p = outcomes.Proportion
    charts: dict[str, Callable[[], object]] = {
        "responder rates": lambda: outcomes.responder_rates(
            [
                outcomes.ResponderPoint(label, p(50, 100, 0.5, 0.4, 0.6), p(30, 100, 0.3, 0.2, 0.4))
                for label in ("2 weeks", "6 weeks", "3 months", "6 months", "12 months")
            ]
        ),
        "relief duration (KM)": lambda: outcomes.relief_duration(
            outcomes.SurvivalCurve(
                days=list(range(0, 366, 5)),
                estimate=[max(0.2, 1 - d / 500) for d in range(0, 366, 5)],
                low=[max(0.1, 0.95 - d / 500) for d in range(0, 366, 5)],
                high=[min(1, 1.05 - d / 500) for d in range(0, 366, 5)],
                at_risk=[(0, 1000), (90, 700), (180, 400), (365, 150)],
                n=1000,
                events=600,
                median=250,
            )
        ),
        "score change": lambda: outcomes.score_change(
            [
                outcomes.ChangeSeries(
                    name,
                    unit,
                    [outcomes.MeanPoint(t, -2.0, -2.5, -1.5, 100) for t in ("2 weeks", "3 months")],
                )
                for name, unit in (("Back", "NRS"), ("Leg", "NRS"), ("ODI", "ODI points"))
            ]
        ),
        "PGIC": lambda: outcomes.pgic_distribution(
            [outcomes.PgicRow(t, [5, 20, 20, 30, 10, 10, 5]) for t in ("2 weeks", "3 months")]
        ),
        "complications": lambda: outcomes.complication_rates(
            [outcomes.RateRow(f"type {i}", p(i, 1000, i / 1000, 0, 2 * i / 1000)) for i in range(6)]
        ),
        "completion": lambda: outcomes.questionnaire_completion(
            [outcomes.RateRow(t, p(80, 100, 0.8)) for t in ("2 weeks", "6 weeks", "3 months")]
        ),
        "funnel (40 clinicians)": lambda: outcomes.funnel_plot(
            funnel([Unit(f"C{i}", 20 + i, 50 + 5 * i) for i in range(40)])
        ),
    }
    print("\nOutcomes charts, drawn cold (ms)")
    for name, draw in charts.items():
        draw()  # the first drawing in a process also loads fonts
        print(f"{name:>24} {median_ms(draw):>8.0f}")


if __name__ == "__main__":
    print(f"{time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, load {os.getloadavg()}")
    ledger()
    dashboard()
