"""Two (here: six) submissions of the same questionnaire at once store one response.

Each in its own thread with its own connection, as web workers would be; the patient's lock
serialises them and the first completes the time point, so the others are refused as already
submitted and store nothing. Run on PostgreSQL too:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest <this>``.
"""

from __future__ import annotations

import pytest

from spinepath.followup.models import FollowUpAnswer, TimePoint
from spinepath.followup.responses import AlreadySubmitted, time_point_submit
from spinepath.followup.tests.helpers import on_day, point, treated
from spinepath.procedures.tests.test_concurrent_recording import in_threads, worker_database

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_submits_store_one_response(tmp_path, episode_a, clinician_a):
    record = treated(episode_a, clinician_a)
    tp = point(record, "2w")

    def submit(i: int) -> TimePoint:
        mine = TimePoint.objects.get(pk=tp.pk)
        return time_point_submit(
            None,
            mine,
            answers={"nrs_leg": {"score": i}, "pgic": {"score": 1 + i % 7}},
            at=on_day(mine),
        )

    with worker_database(tmp_path) as database:
        results = in_threads(database, submit, n=6)
        stored = in_threads(
            database,
            lambda _: (
                TimePoint.objects.get(pk=tp.pk).scores,
                list(
                    FollowUpAnswer.objects.filter(time_point_id=tp.pk).values_list(
                        "value", flat=True
                    )
                ),
            ),
            n=1,
        )[0]

    done = [r for r in results if isinstance(r, TimePoint)]
    assert len(done) == 1, results
    assert all(isinstance(r, AlreadySubmitted) for r in results if r not in done), results
    scores, values = stored
    winner = done[0].scores
    assert scores == winner and sorted(values) == sorted([winner["nrs_leg"], winner["pgic"]])
