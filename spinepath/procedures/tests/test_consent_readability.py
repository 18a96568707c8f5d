"""The readability report (bench/readability.py) and its patient-page hook."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings

from spinepath.clinical.readability import SMOG_TARGET, reading_scores


def _report() -> ModuleType:
    path = Path(settings.BASE_DIR) / "bench" / "readability.py"
    spec = importlib.util.spec_from_file_location("bench_readability", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_page_text_keeps_each_block_and_leaves_out_citations() -> None:
    report = _report()
    html = (
        "<section><h4>Risks</h4><p>It may hurt.</p><p class='meta'>Sources: [27]</p>"
        "<ul class='consent-references'><li>[27] fda.gov</li></ul><ul><li>Rest</li></ul></section>"
    )
    assert report.page_texts(html) == ["Risks", "It may hurt.", "Rest"]


@pytest.mark.parametrize("index", range(len(_report().PATIENT_PAGES)))
def test_every_patient_facing_page_is_within_the_smog_target(index: int) -> None:
    name, render = _report().PATIENT_PAGES[index]
    texts = _report().page_texts(render())
    scores = reading_scores(*texts)
    assert scores.words > 500, name  # the page rendered its information, not an empty shell
    assert scores.smog_grade <= SMOG_TARGET, (name, scores)
