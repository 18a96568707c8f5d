"""In-process cost of the hot staff pages: ms of CPU per request through Django's test client.

Run against the bench's seeded database (``bench/web.py --seed-only`` first)::

    .venv/bin/python bench/pages_profile.py            # ms per request, queries per page
    .venv/bin/python bench/pages_profile.py --profile patient   # cProfile top functions

Less noisy than wrk on a shared machine: CPU time (``time.process_time``) of the same requests
the bench makes (the clinic's patient with the longest timeline, that patient's longest episode,
the worklists, the audited floor and the login page), DEBUG off, the production settings
otherwise (with the floor's address added, ``bench/web_settings.py``).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Python put this script's folder first; bench/fhir.py there would hide the fhir.resources
# package, so the folder goes and bench/web.py is loaded by its path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
_spec = importlib.util.spec_from_file_location("web", ROOT / "bench" / "web.py")
assert _spec is not None and _spec.loader is not None
web = importlib.util.module_from_spec(_spec)  # the same environment and targets
sys.modules["web"] = web
_spec.loader.exec_module(web)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", f"sqlite:///{web.BENCH_VAR / 'bench.sqlite3'}"),
    )
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--profile", default="", help="audited, patient, episode, worklists or login"
    )
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--queries", action="store_true", help="print each page's SQL too")
    args = parser.parse_args()
    env = web.environment(args.database_url)
    env["ALLOWED_HOSTS"] += ",testserver"
    os.environ.update(env)
    targets, _ = web.prepare_targets()
    from django.db import connection
    from django.test import Client

    pages = {t.name.split()[0]: t for t in targets if t.method == "GET" and "api" not in t.path}
    clients = {}
    for key, target in pages.items():
        client = Client()
        cookie = target.headers.get("Cookie", "")
        for part in filter(None, cookie.split("; ")):
            name, value = part.split("=", 1)
            client.cookies[name] = value
        clients[key] = client

    def get(key: str) -> None:
        response = clients[key].get(pages[key].path)
        assert response.status_code == 200, (key, response.status_code)

    if args.profile:
        get(args.profile)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            get(args.profile)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)
        return
    for key in pages:
        get(key)  # warm: templates compiled, caches filled
        queries: list[str] = []

        def count(run, sql, *rest, queries=queries):  # type: ignore[no-untyped-def]
            queries.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(count):
            get(key)
        if args.queries:
            for sql in queries:
                short = sql if len(sql) < 200 else f"{sql[:90]} … {sql[sql.find(' FROM ') :][:260]}"
                print(f"  {short}")
        times = []
        for _ in range(args.requests):
            started = time.process_time()
            get(key)
            times.append((time.process_time() - started) * 1000)
        print(
            f"{pages[key].name:14} {statistics.median(times):6.1f} ms CPU (median of "
            f"{args.requests}, min {min(times):.1f})  {len(queries)} queries"
        )


if __name__ == "__main__":
    main()
