"""What ``generate_registry`` keeps between its statements: the indexes it took down for a load."""

from __future__ import annotations

from django.db import models


class DroppedIndex(models.Model):
    """A secondary index ``generate_registry`` dropped before copying the library, with the
    statement that makes it again. Written in the same transaction as the ``DROP INDEX``, so the
    database never lacks an index without a row here saying so; deleted in the transaction that
    makes the index again. Rows left by an interrupted build are restored by the next build, or by
    ``generate_registry --repair-indexes``."""

    table = models.CharField(max_length=200)
    name = models.CharField(max_length=200, unique=True)
    definition = models.TextField()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.table}.{self.name}"
