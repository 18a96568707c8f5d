"""Django's own username/password backend, with the signed-in user's clinic read alongside them.

Every staff page needs the user's clinic (scoping, the header's clinic name), so the user and the
clinic come in one statement instead of two. The statement is what
``User.objects.select_related("clinic").filter(pk=…).first()`` asks, written once per database
vendor from the models' own names (the ORM would compile it afresh on every request), and every
column is read through the converters the ORM applies, so the objects are the ORM's (a test
compares them). Nothing else differs from ``ModelBackend``: the same password check, the same
refusal of an inactive user.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connections, router

from spinepath.accounts.models import Clinic, User


class _UserLookup:
    def __init__(self) -> None:
        self._compiled: dict[str, tuple[str, list[tuple[Any, list[Any]]]]] = {}

    def _compile(self, connection: Any) -> tuple[str, list[tuple[Any, list[Any]]]]:
        quote = connection.ops.quote_name
        columns: list[str] = []
        readers: list[tuple[Any, list[Any]]] = []
        for alias, model in (("u", User), ("c", Clinic)):
            for field in model._meta.concrete_fields:
                col = field.get_col(alias)
                columns.append(f"{quote(alias)}.{quote(field.column)}")
                readers.append(
                    (col, connection.ops.get_db_converters(col) + col.get_db_converters(connection))
                )
        sql = (
            # SQL names from the models, quoted (bandit B608).
            f"SELECT {', '.join(columns)} FROM {quote(User._meta.db_table)} {quote('u')} "  # nosec B608
            f"LEFT OUTER JOIN {quote(Clinic._meta.db_table)} {quote('c')} "
            f"ON ({quote('u')}.{quote(User._meta.get_field('clinic').column)} = "
            f"{quote('c')}.{quote(Clinic._meta.pk.column)}) "
            f"WHERE {quote('u')}.{quote(User._meta.pk.column)} = %s"
        )
        return sql, readers

    def find(self, user_id: Any) -> User | None:
        connection = connections[router.db_for_read(User)]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        sql, readers = compiled
        try:
            pk = User._meta.pk.get_db_prep_value(  # type: ignore[union-attr]
                User._meta.pk.to_python(user_id),  # type: ignore[union-attr]
                connection,
            )
        except (ValidationError, ValueError, TypeError):  # no valid key: nobody
            return None
        with connection.cursor() as cursor:
            cursor.execute(sql, [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for (col, converters), value in zip(readers, row, strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            values.append(value)
        n_user = len(User._meta.concrete_fields)
        user = User.from_db(connection.alias, None, values[:n_user])
        clinic = (
            None
            if user.clinic_id is None
            else Clinic.from_db(connection.alias, None, values[n_user:])
        )
        User._meta.get_field("clinic").set_cached_value(user, clinic)  # type: ignore[union-attr]
        return user


_USER_LOOKUP = _UserLookup()


class StaffBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        user = _USER_LOOKUP.find(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
