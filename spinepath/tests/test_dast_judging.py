"""The DAST step can fail (issue 17, item 7): ``tools/dast.py`` judges wapiti's JSON report.

A medium finding fails; low and info findings pass; a missing, broken or empty report fails, and
so does a scan that crawled too few pages or never reached the pages it exists for (a broken
login, session or server must not pass as a clean scan). The reports here have the shape wapiti
3.2.3 writes with ``-f json -dr 1``. The scan itself runs in ``.ci/run``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools import dast

SCAN = dast.Scan(
    name="staff",
    start=("/",),
    min_pages=3,
    must_reach=("/", f"/patients/{dast.UUID}/"),
)
PATIENT = "/patients/0b8c6a3e-4f1d-4c55-9a57-2f1f3c0d9e11/"


def _page(path: str, status: int = 200) -> dict[str, Any]:
    return {
        "request": {
            "url": f"https://127.0.0.1:8765{path}?tab=1",
            "method": "GET",
            "post_params": "",
            "status_code": status,
        }
    }


def _finding(level: int, path: str = "/patients/search/", module: str = "xss") -> dict[str, Any]:
    return {
        "method": "GET",
        "path": path,
        "info": f"finding of level {level}",
        "level": level,
        "parameter": "q",
        "referer": "",
        "module": module,
        "http_request": f"GET {path}?q=... HTTP/1.1",
        "curl_command": "curl ...",
        "wstg": ["WSTG-INPV-01"],
    }


def _report(
    tmp_path: Path,
    *,
    vulnerabilities: dict[str, list[dict[str, Any]]] | None = None,
    anomalies: dict[str, list[dict[str, Any]]] | None = None,
    additionals: dict[str, list[dict[str, Any]]] | None = None,
    pages: list[dict[str, Any]] | None = None,
) -> Path:
    crawled = pages if pages is not None else [_page("/"), _page(PATIENT), _page("/login/")]
    report = {
        "classifications": {},
        "vulnerabilities": {"Cross Site Scripting": [], **(vulnerabilities or {})},
        "anomalies": {"Internal Server Error": [], **(anomalies or {})},
        "additionals": additionals or {},
        "infos": {
            "target": "https://127.0.0.1:8765/",
            "date": "Thu, 03 Dec 2026 07:00:00 +0000",
            "version": "Wapiti 3.2.3",
            "scope": "folder",
            "auth": None,
            "crawled_pages_nbr": len(crawled),
            "crawled_pages": crawled,
            "detailed_report_level": 1,
        },
    }
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    return path


def test_a_clean_report_passes(tmp_path: Path) -> None:
    verdict = dast.judge(_report(tmp_path), SCAN)
    assert verdict.passed, verdict.failures
    assert verdict.pages == 3
    assert sum(verdict.counts.values()) == 0


@pytest.mark.parametrize("level", [2, 3, 4])
def test_a_vulnerability_of_medium_or_above_fails(tmp_path: Path, level: int) -> None:
    report = _report(tmp_path, vulnerabilities={"Cross Site Scripting": [_finding(level)]})
    verdict = dast.judge(report, SCAN)
    assert not verdict.passed
    assert len(verdict.failures) == 1
    assert "Cross Site Scripting: GET /patients/search/ (q)" in verdict.failures[0]
    assert verdict.counts[dast.LEVELS[level]] == 1


def test_an_anomaly_of_medium_fails_too(tmp_path: Path) -> None:
    # A 500 or a request slower than the timeout is an anomaly in wapiti's report, not a
    # vulnerability; it fails all the same.
    timeout = _finding(2, module="sql")
    verdict = dast.judge(_report(tmp_path, anomalies={"Resource consumption": [timeout]}), SCAN)
    assert not verdict.passed
    assert "Resource consumption" in verdict.failures[0]


def test_low_and_info_findings_are_listed_and_pass(tmp_path: Path) -> None:
    report = _report(
        tmp_path,
        vulnerabilities={"HTTP Secure Headers": [_finding(1, "/", "http_headers")]},
        additionals={"HTTP Methods": [_finding(0, "/", "methods")]},
    )
    verdict = dast.judge(report, SCAN)
    assert verdict.passed, verdict.failures
    assert verdict.counts["low"] == 1
    assert verdict.counts["info"] == 1
    assert len(verdict.findings) == 2


def test_a_missing_report_fails(tmp_path: Path) -> None:
    verdict = dast.judge(tmp_path / "report.json", SCAN)
    assert not verdict.passed
    assert "wapiti did not finish" in verdict.failures[0]


@pytest.mark.parametrize("text", ["", "{", "{}", '{"infos": {}}', "[]"])
def test_an_empty_or_broken_report_fails(tmp_path: Path, text: str) -> None:
    report = tmp_path / "report.json"
    report.write_text(text)
    verdict = dast.judge(report, SCAN)
    assert not verdict.passed


def test_too_few_pages_fails(tmp_path: Path) -> None:
    # What a scan whose session did not work looks like: only the sign-in page answered.
    verdict = dast.judge(_report(tmp_path, pages=[_page("/login/"), _page("/", 302)]), SCAN)
    assert not verdict.passed
    assert any("fewer than 3" in failure for failure in verdict.failures)


def test_enough_pages_but_not_the_ones_the_scan_is_for_fails(tmp_path: Path) -> None:
    # Signed out mid-crawl: plenty of pages, but every patient page was a redirect to sign in.
    pages = [_page("/"), _page(PATIENT, 302), _page("/login/"), _page("/references/")]
    verdict = dast.judge(_report(tmp_path, pages=pages), SCAN)
    assert verdict.failures == [f"the crawl never had a 200 from /patients/{dast.UUID}/"]


def test_every_scan_of_the_ci_step_asks_for_its_pages() -> None:
    # The guard above only works if each real scan names what it must reach.
    assert [scan.name for scan in dast.SCANS] == ["staff", "forms", "records", "patient", "entry"]
    for scan in dast.SCANS:
        assert scan.must_reach, scan.name
        assert scan.min_pages >= len(scan.must_reach), scan.name


def test_a_module_that_never_started_fails(tmp_path: Path) -> None:
    # wapiti logs "[*] Launching module x" for each; one missing means it was skipped (a missing
    # dependency, a crash) and its attacks were never tried.
    scan = dast.Scan(name="staff", start=("/",), min_pages=3, must_reach=("/",), modules="sql,xss")
    log = "[*] Wapiti found 3 URLs and forms during the scan\n[*] Launching module sql\n"
    verdict = dast.judge(_report(tmp_path), scan, log)
    assert verdict.failures == ["wapiti's module xss never started"]
    assert dast.judge(_report(tmp_path), scan, log + "[*] Launching module xss\n").passed
