"""The pseudonymised research extract (api.md "Research extract"): Parquet + CSV + dictionary.

Researchers get every procedure's outcome without anything that identifies a person: patients,
clinics, clinicians and procedures appear only as keyed hashes (HMAC-SHA256 with
``RESEARCH_PSEUDONYM_KEY``, which defaults to a key derived from ``SECRET_KEY``), stable within
an installation so extracts can be linked over time, and meaningless without the key. Dates are
reduced to the month of the procedure and days after it; no name, NHS number, MRN, email,
phone, postcode, exact date, database id or free text is ever read into the extract.

The rows come from the outcome facts, the same rows the dashboard counts, so the summary API and
the extract agree (a test checks it). Columns beyond api.md's (responder, relief duration,
meaningful/substantial at each response, the decision received) are added at the end, as api.md
allows, so researchers need not restate the relief definitions.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from spinepath.analytics.models import ProcedureOutcome, TimePointOutcome
from spinepath.clinical.relief import DEFINITION

PROCEDURE_COLUMNS: dict[str, tuple[str, str]] = {
    "procedure_key": ("string", "Pseudonym of the procedure (keyed hash); links to responses."),
    "patient_pseudonym": ("string", "Pseudonym of the patient, stable across extracts."),
    "clinic_pseudonym": ("string", "Pseudonym of the clinic."),
    "operator_pseudonym": ("string", "Pseudonym of the clinician who performed it."),
    "procedure_month": ("string", "Month of the procedure, YYYY-MM (never the exact date)."),
    "condition": ("string", "Condition code of the episode (coding.md)."),
    "procedure": ("string", "Procedure code (coding.md)."),
    "imaging": ("string", "Imaging guidance: ultrasound, fluoroscopy or ct."),
    "steroid": ("bool", "A steroid was injected."),
    "steroid_mpe_mg": (
        "float64",
        "Steroid dose as methylprednisolone equivalent (mg); null: none.",
    ),
    "repeat": ("bool", "Not the patient's first injection in this episode."),
    "startback_risk": (
        "string",
        "STarT Back risk at baseline: low, medium, high; null: not asked.",
    ),
    "primary": ("string", "Primary pain measure of the episode: nrs_back or nrs_leg."),
    "baseline_nrs_back": ("int64", "Back pain NRS 0-10 before the procedure; null: missing."),
    "baseline_nrs_leg": ("int64", "Leg pain NRS 0-10 before the procedure; null: missing."),
    "baseline_odi": ("float64", "Oswestry Disability Index 0-100 before; null: missing."),
    "complication_codes": ("string", "Complication codes, ';'-joined (immediate and late)."),
    "responder": ("bool", "Meaningful relief at one follow-up or more (definition below)."),
    "relief_duration_days": ("int64", "Days of relief (responders only; see censored)."),
    "relief_censored": ("bool", "Relief still meaningful at the last follow-up answered."),
    "decision_outcome": ("string", "Decision-support outcome on the assessment consented on."),
    "overridden": ("bool", "A clinician proceeded against the advice with a written reason."),
}

RESPONSE_COLUMNS: dict[str, tuple[str, str]] = {
    "procedure_key": ("string", "The procedure (procedures.procedure_key)."),
    "timepoint": ("string", "Follow-up time point: 2w, 6w, 3m, 6m or 12m."),
    "days_after_procedure": ("int64", "Days from the procedure to the time point's due date."),
    "nrs_back": ("int64", "Back pain NRS 0-10; null: not answered."),
    "nrs_leg": ("int64", "Leg pain NRS 0-10; null: not answered."),
    "odi": ("float64", "Oswestry Disability Index 0-100; null: not asked or not answered."),
    "pgic": ("int64", "PGIC 1 (very much improved) to 7 (very much worse); null: not answered."),
    "late": ("bool", "Answered after the reminders' window."),
    "meaningful": ("bool", "Meaningful relief of the primary measure; null: not measurable."),
    "substantial": ("bool", "Substantial (≥ 50%) relief; null: not measurable."),
}


def research_key() -> bytes:
    """The pseudonym key: ``RESEARCH_PSEUDONYM_KEY``, else derived from ``SECRET_KEY`` (so the
    pseudonyms are stable per installation yet differ from any other use of the secret)."""
    configured = getattr(settings, "RESEARCH_PSEUDONYM_KEY", "") or ""
    if configured:
        return configured.encode()
    return hmac.new(
        settings.SECRET_KEY.encode(), b"spinepath research pseudonyms", hashlib.sha256
    ).digest()


def pseudonym(kind: str, value: object, *, key: bytes) -> str:
    """``kind``'s first letter and 16 hex digits of HMAC-SHA256(key, "kind:value")."""
    digest = hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind[0]}{digest[:16]}"


def _columns(names: dict[str, tuple[str, str]]) -> dict[str, list[Any]]:
    return {name: [] for name in names}


def extract_tables(clinic: str | None = None) -> tuple[Any, Any]:
    """``(procedures, responses)`` as pyarrow tables, rows ordered by pseudonym (not by id or
    date, which would leak the order of treatment)."""
    import pyarrow as pa

    key = research_key()
    # A restricted record (patients/rights.py) is processed for no secondary purpose while it
    # lasts: it leaves the research extract. The dashboard's aggregate counts keep it.
    facts = ProcedureOutcome.objects.filter(patient__restricted_at__isnull=True)
    points = TimePointOutcome.objects.filter(
        completed_on__isnull=False, outcome__patient__restricted_at__isnull=True
    )
    if clinic is not None:
        facts = facts.filter(clinic__code=clinic)
        points = points.filter(outcome__clinic__code=clinic)
    keys: dict[int, str] = {}
    procedures = _columns(PROCEDURE_COLUMNS)
    rows = facts.values_list(
        "record_id",
        "patient_id",
        "clinic_id",
        "operator_id",
        "procedure_date",
        "condition",
        "procedure",
        "imaging",
        "steroid",
        "steroid_mpe_mg",
        "repeat",
        "startback_risk",
        "primary",
        "baseline_nrs_back",
        "baseline_nrs_leg",
        "baseline_odi",
        "complication_codes",
        "responder",
        "duration_days",
        "censored",
        "decision_outcome",
        "overridden",
    )
    for row in sorted(
        rows.iterator(chunk_size=5000), key=lambda r: pseudonym("procedure", r[0], key=key)
    ):
        procedure_key = keys[row[0]] = pseudonym("procedure", row[0], key=key)
        values = [
            procedure_key,
            pseudonym("patient", row[1], key=key),
            pseudonym("clinic", row[2], key=key),
            pseudonym("operator", row[3], key=key),
            row[4].strftime("%Y-%m"),
            *row[5:11],
            row[11] or None,
            *row[12:17],
            row[17],
            row[18],
            row[19] if row[17] else None,
            row[20] or None,
            row[21],
        ]
        for name, value in zip(PROCEDURE_COLUMNS, values, strict=True):
            procedures[name].append(value)
    responses = _columns(RESPONSE_COLUMNS)
    point_rows = points.values_list(
        "outcome_id",
        "label",
        "days",
        "nrs_back",
        "nrs_leg",
        "odi",
        "pgic",
        "late",
        "meaningful",
        "substantial",
    )
    order = {label: n for n, label in enumerate(("2w", "6w", "3m", "6m", "12m"))}
    for row in sorted(
        (r for r in point_rows.iterator(chunk_size=5000) if r[0] in keys),
        key=lambda r: (keys[r[0]], order.get(r[1], 9)),
    ):
        for name, value in zip(RESPONSE_COLUMNS, (keys[row[0]], *row[1:]), strict=True):
            responses[name].append(value)
    return _table(pa, procedures, PROCEDURE_COLUMNS), _table(pa, responses, RESPONSE_COLUMNS)


def _table(pa: Any, columns: dict[str, list[Any]], spec: dict[str, tuple[str, str]]) -> Any:
    kinds = {
        "string": pa.string(),
        "bool": pa.bool_(),
        "int64": pa.int64(),
        "float64": pa.float64(),
    }
    schema = pa.schema([(name, kinds[kind]) for name, (kind, _) in spec.items()])
    return pa.table(
        {name: pa.array(columns[name], type=kinds[spec[name][0]]) for name in spec}, schema=schema
    )


def data_dictionary() -> str:
    """``data_dictionary.md``: every column, its type and meaning, and the relief definition."""
    lines = [
        "# spinepath research extract: data dictionary",
        "",
        "One row per procedure that stands (records entered in error are left out) in",
        "`procedures`, and one row per answered follow-up in `responses`. Identifiers are",
        "pseudonyms (keyed hashes, stable in this installation); dates are months or day counts.",
        "Empty CSV cells and Parquet nulls mean missing.",
        "",
    ]
    for title, spec in (("procedures", PROCEDURE_COLUMNS), ("responses", RESPONSE_COLUMNS)):
        lines += [
            f"## {title}.parquet / {title}.csv",
            "",
            "| column | type | meaning |",
            "| --- | --- | --- |",
        ]
        lines += [f"| `{name}` | {kind} | {meaning} |" for name, (kind, meaning) in spec.items()]
        lines.append("")
    lines += ["## Relief", "", DEFINITION, ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class ExtractFiles:
    directory: Path
    procedures: int
    responses: int
    files: tuple[Path, ...]


def write_extract(out: Path, *, clinic: str | None = None) -> ExtractFiles:
    """Write the extract's five files into ``out`` (created if need be)."""
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    procedures, responses = extract_tables(clinic)
    written: list[Path] = []
    for name, table in (("procedures", procedures), ("responses", responses)):
        pq.write_table(table, out / f"{name}.parquet")
        pa_csv.write_csv(table, out / f"{name}.csv")
        written += [out / f"{name}.parquet", out / f"{name}.csv"]
    (out / "data_dictionary.md").write_text(data_dictionary(), encoding="utf-8")
    written.append(out / "data_dictionary.md")
    return ExtractFiles(out, procedures.num_rows, responses.num_rows, tuple(written))
