"""Append-only rows written together: one INSERT per table for a run of workflow calls.

The audit log and the episode timeline are written by every workflow and never read back by
one. A caller that runs many workflows in one transaction (the demo replays thousands of
patients' stories) wraps each run in :func:`batched_inserts`; inside it, :func:`insert` collects
the rows and they are written with ``bulk_create`` when the block ends, in the order they were
made, inside the caller's transaction. Outside such a block :func:`insert` saves at once, so a
page or an API request writes exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)

_pending: ContextVar[dict[type[models.Model], list[models.Model]] | None] = ContextVar(
    "spinepath_batched_inserts", default=None
)


def insert(instance: M) -> M:
    """Save the new ``instance`` now, or with its batch when one is open."""
    pending = _pending.get()
    if pending is None:
        instance.save(force_insert=True)
    else:
        pending.setdefault(type(instance), []).append(instance)
    return instance


@contextmanager
def batched_inserts() -> Iterator[None]:
    """Collect :func:`insert` rows and write them when the block ends without an error."""
    if _pending.get() is not None:  # already batching: the outer block writes them
        yield
        return
    pending: dict[type[models.Model], list[models.Model]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for model, rows in pending.items():
        model._default_manager.bulk_create(rows)
