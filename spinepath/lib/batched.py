"""Append-only rows written together: one INSERT per table for a run of workflow calls.

The audit log and the episode timeline are written by every workflow and never read back by
one. A caller that runs many workflows in one transaction (the demo replays thousands of
patients' stories) wraps each run in :func:`batched_inserts`; inside it, :func:`insert` collects
the rows and they are written with ``bulk_create`` when the block ends, in the order they were
made, inside the caller's transaction. Outside such a block :func:`insert` saves at once, so a
page or an API request writes exactly as before.

Rows that record a look rather than a change (the audit log's reads, lists and refusals) need
no transaction of their own: :func:`defer` holds them until the end of a
:func:`deferred_inserts` block (the audit middleware opens one around each request) and the
block writes them in one INSERT per table before it returns; a failure to write them is raised,
never swallowed. Outside such a block :func:`defer` is :func:`insert`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import models, transaction

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


_deferred: ContextVar[list[models.Model] | None] = ContextVar(
    "spinepath_deferred_inserts", default=None
)


def defer(instance: M) -> M:
    """Save the new ``instance`` when the open :func:`deferred_inserts` block ends, or as
    :func:`insert` does when none is open."""
    pending = _deferred.get()
    if pending is None:
        return insert(instance)
    pending.append(instance)
    return instance


@contextmanager
def deferred_inserts() -> Iterator[None]:
    """Collect :func:`defer` rows and write them when the block ends, even when it ends with an
    error (the rows record what happened before it): one ``bulk_create`` per table, in the
    order they were made, in one transaction. An error writing them is raised."""
    if _deferred.get() is not None:  # already deferring: the outer block writes them
        yield
        return
    pending: list[models.Model] = []
    token = _deferred.set(pending)
    try:
        yield
    finally:
        _deferred.reset(token)
        if pending:
            _write(pending)


def _write(rows: list[models.Model]) -> None:
    if len(rows) == 1:  # one row: a plain INSERT (bulk_create would add BEGIN and COMMIT)
        rows[0].save(force_insert=True)
        return
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    if len(by_model) == 1:  # one INSERT (bulk_create splits a long batch in a transaction)
        [(model, same)] = by_model.items()
        model._default_manager.bulk_create(same)
        return
    with transaction.atomic():
        for model, same in by_model.items():
            model._default_manager.bulk_create(same)
