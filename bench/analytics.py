"""The outcomes dashboard at registry scale: every panel cold and warm, against DuckDB.

    .venv/bin/python bench/analytics.py                                  # 10k and 100k, both DBs
    .venv/bin/python bench/analytics.py --sizes 10000 --databases sqlite
    .venv/bin/python bench/analytics.py --sizes 1000000 --databases postgres
    .venv/bin/python bench/analytics.py --sizes 1000000 --databases postgres --dbname registry_db \
        --filter condition=sciatica             # one finer filter (api.md's names, or clinician=ID)

For each database (SQLite file ``var/bench/analytics-N.sqlite3``; PostgreSQL database
``analytics_bench_N`` on ``--pg``) and each size N, the registry is made with
``manage.py generate_registry --procedures N --seed 1`` unless it is already there with N
procedures' outcome facts (``--rebuild`` forces it). The fact tables are then exported to Parquet
(``var/bench/analytics-N-<db>/*.parquet``) and every panel of the dashboard is computed three ways:

* **cold**: each panel alone in a fresh Python process that has imported Django (but not
  lifelines/pandas unless the server would have: see ``--preload``) and opens a new database
  connection (a new PostgreSQL backend: empty catalogue and plan caches). Not cleared, because the
  machine is shared: the operating system's page cache and PostgreSQL's shared buffers (the data
  was read moments before by the export), so "cold" is a new server process, not a rebooted one.
  The import of lifelines (pulling pandas and scipy) is timed on its own in the same way.
* **whole page cold**: every panel in one fresh process and connection, sharing their scans of
  the facts as the page does (``queries.one_page``); the per-panel cold figures do not share.
* **warm**: every panel repeated ``--repeat`` times in one process after one untimed pass; the
  median is printed.
* **DuckDB** (the reference): the same figures from the Parquet files, by equivalent SQL run
  in DuckDB, cold (fresh process, new in-memory connection) and warm, with the same statistics
  (``clinical.outcome_stats``) applied to its counts.

Printed: wall-clock ms (and the process's CPU ms) per panel and for the whole dashboard, the ratio
to DuckDB, and whether every figure agrees with DuckDB's (counts exactly, means to 1e-9). The
"whole dashboard" is the sum of the panels' figures (queries and statistics); drawing the charts
(matplotlib) is timed separately as ``charts`` because the page caches them by their numbers.
Wall times depend on the machine's load, printed before and after; compare the ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "var" / "bench"
PANELS = (
    "totals",
    "time_points",
    "relief",
    "change",
    "pgic",
    "complications",
    "funnel",
    "decision",
)
TIMEPOINT = "6w"


# --- The figures through Django (the dashboard's own queries) ---------------------------------


def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spinepath.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("SECRET_KEY", "bench-analytics-not-secret")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


FILTER: dict[str, str] = {}
"""``--filter NAME=VALUE`` pairs: the dashboard's filters (``OutcomeFilters`` field names)."""
FILTER_COLUMNS = {"startback": "startback_risk", "clinician": "operator_id"}
"""Filter → the facts' column, where the names differ (the Parquet files carry the columns)."""


def _value(name: str, text: str) -> Any:
    if name in ("steroid", "repeat"):
        return text.lower() == "true"
    if name == "clinician":
        return int(text)
    return text


def _filters() -> Any:
    from spinepath.analytics.queries import OutcomeFilters

    return OutcomeFilters(**{name: _value(name, text) for name, text in FILTER.items()})


def _duck_where() -> str:
    """The filters as a DuckDB condition on the procedure facts (values quoted as literals)."""
    parts = ["TRUE"]
    for name, text in FILTER.items():
        value = _value(name, text)
        column = FILTER_COLUMNS.get(name, name)
        if isinstance(value, bool):
            parts.append(f"{column} = {'TRUE' if value else 'FALSE'}")
        elif isinstance(value, int):
            parts.append(f"{column} = {value}")
        else:
            parts.append(f"{column} = '{value.replace(chr(39), chr(39) * 2)}'")
    return " AND ".join(parts)


def _curve(curve: Any) -> dict[str, Any]:
    return {
        "responders": curve.subjects,
        "events": curve.events,
        "median": curve.median,
        "median_ci95": list(curve.median_ci95),
    }


def django_panel(name: str, on: date) -> Any:
    """One panel's figures as the dashboard computes them (registry-wide, no filter)."""
    from spinepath.analytics import queries
    from spinepath.analytics.queries import Scope

    filters, scope = _filters(), Scope(clinic_ids=None, pseudonymised=False)
    if name == "totals":
        found = queries.totals(filters, scope)
        return [found.procedures, found.patients]
    if name == "time_points":
        return [
            [p.timepoint, p.completed, p.meaningful, p.substantial, p.due, p.answered]
            for p in queries.time_point_counts(filters, scope, on=on)
        ]
    if name == "relief":
        return _curve(queries.relief_duration(filters, scope))
    if name == "change":
        return [
            [
                c.timepoint,
                c.nrs_n,
                c.nrs_mean_points,
                c.nrs_mean_percent,
                c.odi_n,
                c.odi_mean_points,
            ]
            for c in queries.mean_change(filters, scope)
        ]
    if name == "pgic":
        found = queries.pgic_distribution(filters, scope)
        return [[label, [found[label][k] for k in range(1, 8)]] for label in queries.LABELS]
    if name == "complications":
        return [list(row) for row in queries.complication_counts(filters, scope)]
    if name == "funnel":
        return [
            [u.unit, u.measured, u.responders]
            for u in queries.responders_at(filters, scope, timepoint=TIMEPOINT)
        ]
    if name == "decision":
        return [
            [r.decision_outcome, r.procedures, r.overridden, r.measured, r.responders]
            for r in queries.by_decision(filters, scope)
        ]
    raise ValueError(name)


def django_charts(on: date) -> None:
    """The whole page's panels with their charts drawn (``dashboard.panels``)."""
    from spinepath.analytics.dashboard import panels
    from spinepath.analytics.queries import Scope

    panels(_filters(), Scope(clinic_ids=None, pseudonymised=False), on=on)


# --- The same figures by DuckDB over the Parquet export ----------------------------------------


LABELS = ("2w", "6w", "3m", "6m", "12m")  # queries.LABELS, without importing Django


def duckdb_panel(con: Any, folder: Path, name: str, on: date) -> Any:
    from spinepath.clinical.outcome_stats import kaplan_meier

    p = f"read_parquet('{folder / 'procedure.parquet'}')"
    t = f"read_parquet('{folder / 'time_point.parquet'}')"
    if FILTER:
        where = _duck_where()
        t = (
            f"(SELECT tp.* FROM {t} tp JOIN {p} f ON f.procedure_id = tp.outcome_id "
            f"WHERE {where.replace('TRUE AND ', '')})"
        )
        p = f"(SELECT * FROM {p} WHERE {where})"
    labels = ", ".join(f"'{label}'" for label in LABELS)

    def rows(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return con.execute(sql, list(params)).fetchall()

    if name == "totals":
        return list(rows(f"SELECT count(*), count(DISTINCT patient_id) FROM {p}")[0])
    if name == "time_points":
        found = {
            r[0]: r
            for r in rows(
                f"""SELECT label, count(*) FILTER (measurable),
                count(*) FILTER (measurable AND meaningful),
                count(*) FILTER (measurable AND substantial),
                count(*) FILTER (due_on <= ?),
                count(*) FILTER (due_on <= ? AND completed AND completed_on <= ?)
                FROM {t} WHERE label IN ({labels}) GROUP BY label""",
                on,
                on,
                on,
            )
        }
        return [list(found.get(label, (label, 0, 0, 0, 0, 0))) for label in LABELS]
    if name == "relief":
        found = rows(
            f"""SELECT duration_days, censored, count(*) FROM {p}
            WHERE responder AND duration_days IS NOT NULL GROUP BY 1, 2"""
        )
        durations = [d for d, _, n in found for _ in range(n)]
        events = [not c for _, c, n in found for _ in range(n)]
        return _curve(kaplan_meier(durations, events))
    if name == "change":
        found = {
            r[0]: r
            for r in rows(
                f"""SELECT label, count(*) FILTER (measurable),
                avg(change_points) FILTER (measurable), avg(change_percent) FILTER (measurable),
                count(odi_change_points), avg(odi_change_points)
                FROM {t} WHERE label IN ({labels}) GROUP BY label"""
            )
        }
        return [list(found.get(label, (label, 0, None, None, 0, None))) for label in LABELS]
    if name == "pgic":
        found = {label: [0] * 7 for label in LABELS}
        for label, pgic, n in rows(
            f"""SELECT label, pgic, count(*) FROM {t}
            WHERE label IN ({labels}) AND pgic IS NOT NULL GROUP BY 1, 2"""
        ):
            found[label][pgic - 1] = n
        return [[label, found[label]] for label in LABELS]
    if name == "complications":
        return [
            list(r)
            for r in rows(
                f"""SELECT code, count(DISTINCT procedure_id) AS n FROM (
                    SELECT procedure_id, unnest(string_split(complication_codes, ';')) AS code
                    FROM {p} WHERE complication_codes <> '')
                GROUP BY code ORDER BY n DESC, code"""
            )
        ]
    if name == "funnel":
        return [
            list(r)
            for r in rows(
                f"""SELECT o.operator_id, count(*) FILTER (tp.measurable),
                count(*) FILTER (tp.measurable AND tp.meaningful)
                FROM {t} tp JOIN {p} o ON o.procedure_id = tp.outcome_id
                WHERE tp.label = ? GROUP BY 1 ORDER BY 1""",
                TIMEPOINT,
            )
        ]
    if name == "decision":
        return [
            list(r)
            for r in rows(
                f"""SELECT decision_outcome, count(*), count(*) FILTER (overridden),
                count(*) FILTER (measured), count(*) FILTER (measured AND responder)
                FROM {p} GROUP BY 1 ORDER BY 1"""
            )
        ]
    raise ValueError(name)


# --- Export ------------------------------------------------------------------------------------


def export_parquet(folder: Path) -> dict[str, int]:
    """Both fact tables, every column, to Parquet (types from the models)."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from django.db import connection, models

    from spinepath.analytics.models import PROCEDURE_COLUMNS, ProcedureOutcome, TimePointOutcome

    folder.mkdir(parents=True, exist_ok=True)
    counts = {}
    for model, name in ((ProcedureOutcome, "procedure"), (TimePointOutcome, "time_point")):
        fields = list(model._meta.concrete_fields)
        if model is TimePointOutcome:  # DuckDB joins the procedures for their filter columns
            fields = [f for f in fields if f.column not in PROCEDURE_COLUMNS]
        if connection.vendor == "postgresql":  # COPY to CSV, read by Arrow: millions of rows
            counts[name] = _copy_to_parquet(model, fields, folder / f"{name}.parquet")
            continue
        columns: dict[str, list[Any]] = {f.column: [] for f in fields}
        for row in (
            model.objects.order_by()
            .values_list(*(f.attname for f in fields))
            .iterator(chunk_size=20_000)
        ):
            for f, value in zip(fields, row, strict=True):
                columns[f.column].append(value)
        schema = []
        for f in fields:
            target = getattr(f, "target_field", f)
            if isinstance(target, models.BooleanField):
                kind = pa.bool_()
            elif isinstance(target, models.DateTimeField):
                kind = pa.timestamp("us", tz="UTC")
            elif isinstance(target, models.DateField):
                kind = pa.date32()
            elif isinstance(target, models.FloatField):
                kind = pa.float64()
            elif isinstance(target, (models.IntegerField, models.AutoField)):
                kind = pa.int64()
            else:
                kind = pa.string()
                columns[f.column] = [None if v is None else str(v) for v in columns[f.column]]
            schema.append(pa.field(f.column, kind))
        table = pa.table(columns, schema=pa.schema(schema))
        pq.write_table(table, folder / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts


def _arrow_type(field: Any) -> Any:
    import pyarrow as pa
    from django.db import models

    target = getattr(field, "target_field", field)
    if isinstance(target, models.BooleanField):
        return pa.bool_()
    if isinstance(target, models.DateTimeField):
        return pa.timestamp("us", tz="UTC")
    if isinstance(target, models.DateField):
        return pa.date32()
    if isinstance(target, models.FloatField):
        return pa.float64()
    if isinstance(target, (models.IntegerField, models.AutoField)):
        return pa.int64()
    return pa.string()


def _copy_to_parquet(model: Any, fields: list[Any], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
    from django.db import connection

    table_name = connection.ops.quote_name(model._meta.db_table)
    names = [f.column for f in fields]
    columns = ", ".join(connection.ops.quote_name(n) for n in names)
    csv_path = path.with_suffix(".csv")
    with connection.cursor() as cursor, csv_path.open("wb") as out:
        sql = f"COPY (SELECT {columns} FROM {table_name}) TO STDOUT (FORMAT csv)"
        with cursor.cursor.copy(sql) as copy:
            for block in copy:
                out.write(block)
    types = {f.column: _arrow_type(f) for f in fields}
    table = pacsv.read_csv(
        csv_path,
        read_options=pacsv.ReadOptions(column_names=names),
        convert_options=pacsv.ConvertOptions(
            column_types=types, true_values=["t"], false_values=["f"], strings_can_be_null=True
        ),
    )
    table = table.cast(pa.schema([pa.field(n, types[n]) for n in names]))
    pq.write_table(table, path)
    csv_path.unlink()
    return int(table.num_rows)


# --- Child processes ---------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Run inside a fresh process; print one JSON line."""
    on = date.fromisoformat(args.on)
    out: dict[str, Any] = {}
    if args.engine == "duckdb":
        sys.path.insert(0, str(ROOT))
        started, cpu = time.perf_counter(), time.process_time()
        import duckdb

        if args.preload:
            import lifelines  # noqa: F401
        out["import_ms"] = (time.perf_counter() - started) * 1000
        con = duckdb.connect()
        folder = Path(args.folder)
        run = lambda name: duckdb_panel(con, folder, name, on)  # noqa: E731
    else:
        _django(args.url)
        if args.preload:
            from spinepath.analytics.apps import preload

            preload()
        if args.export:
            print(json.dumps(export_parquet(Path(args.folder))))
            return
        if args.refresh:
            from spinepath.analytics.summary import refresh_summary

            started, cpu = time.perf_counter(), time.process_time()
            rows = refresh_summary()
            print(
                json.dumps(
                    {
                        "rows": rows,
                        "ms": (time.perf_counter() - started) * 1000,
                        "cpu_ms": (time.process_time() - cpu) * 1000,
                    }
                )
            )
            return
        if args.facts:  # count the facts: the summary tables as if out of date
            from spinepath.analytics import summary

            summary.usable = lambda *a, **k: None
        if args.probe:
            from spinepath.analytics.models import ProcedureOutcome

            try:
                print(json.dumps({"facts": ProcedureOutcome.objects.count()}))
            except Exception:  # noqa: BLE001 - no tables yet
                print(json.dumps({"facts": -1}))
            return
        if args.panel == "import":
            started, cpu = time.perf_counter(), time.process_time()
            import lifelines  # noqa: F401

            out = {"ms": (time.perf_counter() - started) * 1000}
            out["cpu_ms"] = (time.process_time() - cpu) * 1000
            print(json.dumps(out))
            return
        run = lambda name: django_panel(name, on)  # noqa: E731
    names = PANELS if args.panel == "all" else (args.panel,)
    if args.panel == "charts":
        started, cpu = time.perf_counter(), time.process_time()
        django_charts(on)
        out["ms"] = (time.perf_counter() - started) * 1000
        out["cpu_ms"] = (time.process_time() - cpu) * 1000
        print(json.dumps(out))
        return
    if args.repeat:  # warm: one untimed pass, then the median of ``repeat``
        for name in names:
            run(name)
    results, times, cpus = {}, {}, {}
    page = contextlib.nullcontext()
    if args.page and args.engine != "duckdb":
        # The page as the server makes it: its panels share their scans (dashboard.panels).
        from spinepath.analytics.queries import one_page

        page = one_page()
    with page:
        for name in names:
            walls, cpu_times = [], []
            for _ in range(max(args.repeat, 1)):
                started, cpu = time.perf_counter(), time.process_time()
                results[name] = run(name)
                walls.append((time.perf_counter() - started) * 1000)
                cpu_times.append((time.process_time() - cpu) * 1000)
            times[name], cpus[name] = statistics.median(walls), statistics.median(cpu_times)
    out.update(results=results, ms=times, cpu_ms=cpus)
    print(json.dumps(out, default=str))


def _spawn(*extra: str) -> dict[str, Any]:
    passed = [f"--filter={name}={text}" for name, text in FILTER.items()]
    if DBNAME:
        passed.append(f"--dbname={DBNAME}")
    command = [sys.executable, __file__, "--child", *passed, *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    found = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if found.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{found.stderr[-3000:]}")
    return json.loads(found.stdout.strip().splitlines()[-1])


# --- Driver ------------------------------------------------------------------------------------


DBNAME = ""
"""``--dbname``: an existing PostgreSQL registry to measure instead of ``analytics_bench_N``."""


def _url(database: str, size: int, pg: str) -> str:
    if database == "sqlite":
        return f"sqlite:///{BENCH / f'analytics-{size}.sqlite3'}"
    return f"{pg.rstrip('/')}/{DBNAME or f'analytics_bench_{size}'}"


def ensure_registry(database: str, size: int, pg: str, rebuild: bool) -> None:
    url = _url(database, size, pg)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "PYTHONPATH": str(ROOT)}
    manage = [sys.executable, str(ROOT / "manage.py")]
    if not rebuild:
        try:
            if _spawn("--url", url, "--probe")["facts"] == size:
                subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
                return
        except SystemExit:
            pass
    if DBNAME:
        raise SystemExit(f"{DBNAME} does not hold a {size:,}-procedure registry's facts.")
    if database == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{BENCH / f'analytics-{size}.sqlite3'}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(f"{pg.rstrip('/')}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS analytics_bench_{size}")
            conn.execute(f"CREATE DATABASE analytics_bench_{size}")
    print(f"  building the {size:,}-procedure registry on {database} …", flush=True)
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env, cwd=ROOT)
    subprocess.run(
        [*manage, "generate_registry", "--procedures", str(size), "--seed", "1"],
        check=True,
        env=env,
        cwd=ROOT,
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def prepare(database: str, size: int, args: argparse.Namespace) -> None:
    url = _url(database, size, args.pg)
    folder = BENCH / f"analytics-{size}-{database}"
    refreshed = _spawn("--url", url, "--refresh")
    print(
        f"  summary tables refreshed: {refreshed['rows']:,} rows in {refreshed['ms'] / 1000:.1f} s "
        f"(CPU of this process {refreshed['cpu_ms'] / 1000:.1f} s)",
        flush=True,
    )
    started = time.perf_counter()
    exported = _spawn("--url", url, "--export", "--on", args.on, "--folder", str(folder))
    print(
        f"  exported {exported['procedure']:,} procedures, {exported['time_point']:,} time "
        f"points to Parquet in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def measure(database: str, size: int, args: argparse.Namespace, facts: bool) -> dict[str, Any]:
    url = _url(database, size, args.pg)
    folder = BENCH / f"analytics-{size}-{database}"
    common = ["--on", args.on, "--folder", str(folder)]
    preload = ["--preload"] if args.preload else []
    mode = ["--facts"] if facts else []
    found: dict[str, Any] = {"cold": {}, "cold_cpu": {}, "duck_cold": {}}
    imports = [_spawn("--url", url, "--panel", "import", *common)["ms"] for _ in range(args.cold)]
    found["import_lifelines_ms"] = statistics.median(imports)
    for name in PANELS:
        django_runs = [
            _spawn("--url", url, "--panel", name, "--repeat", "0", *common, *preload, *mode)
            for _ in range(args.cold)
        ]
        duck_runs = [
            _spawn("--engine", "duckdb", "--panel", name, "--repeat", "0", *common, *preload)
            for _ in range(args.cold)
        ]
        found["cold"][name] = statistics.median(r["ms"][name] for r in django_runs)
        found["cold_cpu"][name] = statistics.median(r["cpu_ms"][name] for r in django_runs)
        found["duck_cold"][name] = statistics.median(r["ms"][name] for r in duck_runs)
    warm = _spawn("--url", url, "--panel", "all", "--repeat", str(args.repeat), *common, *mode)
    duck = _spawn("--engine", "duckdb", "--panel", "all", "--repeat", str(args.repeat), *common)
    found["warm"], found["warm_cpu"], found["duck_warm"] = warm["ms"], warm["cpu_ms"], duck["ms"]
    # The whole page as a server answers it: every panel in one fresh process, one connection.
    page = ["--panel", "all", "--repeat", "0", "--page"]
    found["cold_page"] = statistics.median(
        sum(_spawn("--url", url, *page, *common, *preload, *mode)["ms"].values())
        for _ in range(args.cold)
    )
    found["duck_cold_page"] = statistics.median(
        sum(
            _spawn("--engine", "duckdb", "--panel", "all", "--repeat", "0", *common, *preload)[
                "ms"
            ].values()
        )
        for _ in range(args.cold)
    )
    found["agree"] = {n: _same(warm["results"][n], duck["results"][n]) for n in PANELS}
    found["differ"] = {
        n: (warm["results"][n], duck["results"][n]) for n in PANELS if not found["agree"][n]
    }
    if args.charts:
        found["charts_cold"] = _spawn("--url", url, "--panel", "charts", *common, *preload, *mode)[
            "ms"
        ]
    return found


def report(database: str, size: int, found: dict[str, Any], facts: bool) -> None:
    source = "the facts, counted directly" if facts else "the summary tables"
    print(f"\n### {database}, {size:,} procedures, {source} (ms; ratio = ÷ DuckDB)\n")
    print(
        "| panel | cold | cold CPU | DuckDB cold | ratio "
        "| warm | warm CPU | DuckDB warm | ratio | agree |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    sums = {k: 0.0 for k in ("cold", "cold_cpu", "duck_cold", "warm", "warm_cpu", "duck_warm")}
    for name in PANELS:
        for key in sums:
            sums[key] += found[key][name]
        print(
            f"| {name} | {found['cold'][name]:.0f} | {found['cold_cpu'][name]:.0f} | "
            f"{found['duck_cold'][name]:.0f} | "
            f"{found['cold'][name] / found['duck_cold'][name]:.1f}× | "
            f"{found['warm'][name]:.1f} | {found['warm_cpu'][name]:.1f} | "
            f"{found['duck_warm'][name]:.1f} | "
            f"{found['warm'][name] / max(found['duck_warm'][name], 0.01):.1f}× | "
            f"{'yes' if found['agree'][name] else 'NO'} |"
        )
    print(
        f"| **whole dashboard** | {sums['cold']:.0f} | {sums['cold_cpu']:.0f} | "
        f"{sums['duck_cold']:.0f} | {sums['cold'] / sums['duck_cold']:.1f}× | {sums['warm']:.0f} | "
        f"{sums['warm_cpu']:.0f} | {sums['duck_warm']:.0f} | "
        f"{sums['warm'] / sums['duck_warm']:.1f}× | "
        f"{'yes' if all(found['agree'].values()) else 'NO'} |"
    )
    print(
        f"\nwhole dashboard cold in one fresh process (one connection): "
        f"{found['cold_page']:.0f} ms; DuckDB {found['duck_cold_page']:.0f} ms "
        f"({found['cold_page'] / found['duck_cold_page']:.2f}×)"
    )
    print(
        "import lifelines (pandas, scipy) in a fresh process: "
        f"{found['import_lifelines_ms']:.0f} ms"
    )
    if "charts_cold" in found:
        print(
            "every panel with its chart drawn (dashboard.panels), cold: "
            f"{found['charts_cold']:.0f} ms"
        )
    for name, (ours, theirs) in found["differ"].items():
        print(f"DIFFER {name}:\n  django {str(ours)[:400]}\n  duckdb {str(theirs)[:400]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="Procedures, comma-separated.")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--rebuild", action="store_true", help="Regenerate the registries.")
    parser.add_argument("--cold", type=int, default=3, help="Fresh processes per cold panel.")
    parser.add_argument("--repeat", type=int, default=5, help="Warm repetitions (median).")
    parser.add_argument(
        "--preload", action="store_true", help="Import lifelines before timing, as a server does."
    )
    parser.add_argument("--charts", action="store_true", help="Also time the charts, cold.")
    parser.add_argument(
        "--sources",
        choices=("both", "summary", "facts"),
        default="both",
        help="Time the panels from the summary tables, from the facts directly, or both.",
    )
    parser.add_argument("--on", default=date.today().isoformat(), help="The day 'due' counts to.")
    parser.add_argument(
        "--filter", action="append", default=[], help="NAME=VALUE: a dashboard filter (repeatable)."
    )
    parser.add_argument("--dbname", default="", help="PostgreSQL registry database to measure.")
    parser.add_argument(
        "--skip-prepare", action="store_true", help="Summary and Parquet already made this size."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="django", help=argparse.SUPPRESS)
    parser.add_argument("--url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--panel", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--folder", default="", help=argparse.SUPPRESS)
    parser.add_argument("--export", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--refresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--facts", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--page", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    global DBNAME
    DBNAME = args.dbname
    for item in args.filter:
        name, _, text = item.partition("=")
        FILTER[name] = text
    if args.child:
        child(args)
        return
    print(
        f"bench/analytics.py on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {date.today()}; load average before "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    for database in args.databases.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            ensure_registry(database, size, args.pg, args.rebuild)
            if not args.skip_prepare:
                prepare(database, size, args)
            if FILTER:
                print(f"\nfilters: {', '.join(args.filter)}")
            for facts in (False, True) if args.sources == "both" else (args.sources == "facts",):
                report(database, size, measure(database, size, args, facts), facts)
            print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
