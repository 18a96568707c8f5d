"""The API's cost in one process: µs of CPU and queries per request, beside the login page.

Run against a database already seeded by ``bench/web.py`` (DEBUG off, the same settings)::

    .venv/bin/python bench/api_inprocess.py --database-url sqlite:///var/bench/bench.sqlite3
    .venv/bin/python bench/api_inprocess.py --database-url … --profile evaluate   # cProfile top 30

Each request goes through Django's test client (the whole middleware stack, no socket), so the
figures say what the application costs, apart from the HTTP server and the load on the machine:
CPU time (``time.process_time``) per request, median of rounds, and queries per request.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default="", help="login, read or evaluate: print cProfile")
    args = parser.parse_args()

    import web  # bench/web.py: the same environment and targets as the wrk bench

    os.environ.update(web.environment(args.database_url))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from spinepath.accounts.models import ApiToken, User
    from spinepath.clinical.examples import evaluate_example
    from spinepath.patients.models import Patient

    user = User.objects.get(username="clinician-a")
    _, token = ApiToken.objects.issue(user, name="inprocess bench")
    patient = Patient.objects.filter(clinic=user.clinic).order_by("pk").first()
    assert patient is not None
    client = Client(HTTP_HOST="127.0.0.1")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = json.dumps(evaluate_example())
    calls = {
        "login": lambda: client.get("/login/"),
        "read": lambda: client.get(f"/api/v1/patients/{patient.pk}", **bearer),
        "evaluate": lambda: client.post(
            "/api/v1/decision-support/evaluate", body, content_type="application/json", **bearer
        ),
    }
    for name, call in calls.items():
        response = call()
        assert response.status_code == 200, (name, response.status_code, response.content[:300])

    if args.profile:
        call = calls[args.profile]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            call()
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return

    for name, call in calls.items():
        per_round = []
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.requests):
                call()
            per_round.append((time.process_time() - started) / args.requests * 1e6)
        with CaptureQueriesContext(connection) as queries:
            call()
        print(
            f"{name:9} {statistics.median(per_round):7.0f} µs CPU a request "
            f"(rounds {min(per_round):.0f}–{max(per_round):.0f}), {len(queries)} queries: "
            + "; ".join(q["sql"].split(" FROM ")[0][:40] for q in queries)
        )


if __name__ == "__main__":
    main()
