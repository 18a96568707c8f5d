"""Django's database sessions, read with SQL written once per database vendor.

Every staff request reads its session first. The ORM compiles ``Session.objects.get(session_key=…,
expire_date__gt=now)`` afresh each time, which costs far more CPU than running it; this store asks
the same question (same table, same two conditions, the same "now") with the statement built once
from the model's own names. Everything else is ``django.contrib.sessions.backends.db``: sessions
stay in the database, so signing out or an expiry ends a session at once for every worker —
nothing is cached in a process (a per-process cache would let a signed-out session live on in the
other workers).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_SQL: dict[str, str] = {}


def _sql(connection: Any, model: Any) -> str:
    sql = _SQL.get(connection.vendor)
    if sql is None:
        quote = connection.ops.quote_name
        meta = model._meta
        sql = _SQL[connection.vendor] = (
            # SQL names from the models, quoted (bandit B608).
            f"SELECT {quote(meta.get_field('session_data').column)} "  # nosec B608
            f"FROM {quote(meta.db_table)} "
            f"WHERE {quote(meta.get_field('session_key').column)} = %s "
            f"AND {quote(meta.get_field('expire_date').column)} > %s"
        )
    return sql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_sql(connection, self.model), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:  # none, or expired: as Django's store, forget the key
            self._session_key = None
            return None
        return self.model(session_key=self.session_key, session_data=row[0])
