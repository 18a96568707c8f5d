"""A PostgreSQL registry of N × k procedures' outcome facts, made from a generated one of N.

    .venv/bin/python bench/scale_facts.py --from 100000 --times 10   # → analytics_bench_1000000

``generate_registry`` and the facts' rebuild take about an hour for a million procedures on this
shared machine (docs/performance.md), more than a benchmark run can spend. The dashboard reads
only the outcome facts, the procedure records and their complication rows (and the summary tables
built from those), so this copies the database of N (``CREATE DATABASE … TEMPLATE``) and adds
k − 1 copies of those three tables' rows with shifted ids and, for the facts, new patient and
episode ids (so a copy is a different patient). Foreign-key triggers are off while it inserts
(``session_replication_role = replica``, as a restore runs): the copies' questionnaires, consents
and follow-up rows are not copied. Every figure then scales by k (rates, means and medians stay
those of N), which the DuckDB reference in ``bench/analytics.py`` checks all the same.
"""

from __future__ import annotations

import argparse
import time

import psycopg

SHIFT = 10_000_000
"""Added to a copy's procedure ids per copy: above any generated id."""


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--from", dest="source", type=int, default=100_000)
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    source = f"analytics_bench_{args.source}"
    target = f"analytics_bench_{args.source * args.times}"
    base = args.pg.rstrip("/")
    started = time.perf_counter()
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {target}")
        conn.execute(f"CREATE DATABASE {target} TEMPLATE {source}")
    print(f"copied {source} to {target} in {time.perf_counter() - started:.0f} s", flush=True)
    with psycopg.connect(f"{base}/{target}") as conn:
        conn.execute("SET session_replication_role = replica")
        record_columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'procedures_procedurerecord' ORDER BY ordinal_position"
            )
        ]
        shifted = {
            "id": "id + %(shift)s",
            "submission_id": "CASE WHEN submission_id = '' THEN '' "
            "ELSE submission_id || '-' || %(copy)s END",
        }
        outcome_columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'analytics_procedureoutcome' ORDER BY ordinal_position"
            )
        ]
        outcome_shifted = {
            "procedure_id": "procedure_id + %(shift)s",
            "patient_id": "md5(patient_id::text || %(copy)s)::uuid",
            "episode_id": "md5(episode_id::text || %(copy)s)::uuid",
        }
        point_columns = [
            row[0]
            for row in conn.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'analytics_timepointoutcome' AND column_name <> 'id' "
                "ORDER BY ordinal_position"
            )
        ]
        for copy in range(1, args.times):
            step = time.perf_counter()
            values = {"shift": copy * SHIFT, "copy": str(copy)}
            select = ", ".join(shifted.get(c, f'"{c}"') for c in record_columns)
            conn.execute(
                f"INSERT INTO procedures_procedurerecord ({_names(record_columns)}) "
                f"SELECT {select} FROM procedures_procedurerecord WHERE id < {SHIFT}",
                values,
            )
            conn.execute(
                "INSERT INTO procedures_procedurecomplication (code, late, recorded_at, "
                "procedure_id) SELECT code, late, recorded_at, procedure_id + %(shift)s "
                f"FROM procedures_procedurecomplication WHERE procedure_id < {SHIFT}",
                values,
            )
            select = ", ".join(outcome_shifted.get(c, f'"{c}"') for c in outcome_columns)
            conn.execute(
                f"INSERT INTO analytics_procedureoutcome ({_names(outcome_columns)}) "
                f"SELECT {select} FROM analytics_procedureoutcome WHERE procedure_id < {SHIFT}",
                values,
            )
            select = ", ".join(
                "outcome_id + %(shift)s" if c == "outcome_id" else f'"{c}"' for c in point_columns
            )
            conn.execute(
                f"INSERT INTO analytics_timepointoutcome ({_names(point_columns)}) "
                f"SELECT {select} FROM analytics_timepointoutcome WHERE outcome_id < {SHIFT}",
                values,
            )
            conn.commit()
            print(f"copy {copy}: {time.perf_counter() - step:.0f} s", flush=True)
        if conn.execute("SELECT to_regclass('analytics_summarychange')").fetchone()[0]:
            conn.execute("INSERT INTO analytics_summarychange DEFAULT VALUES")
        conn.commit()
    with psycopg.connect(f"{base}/{target}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(f"{target}: done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
