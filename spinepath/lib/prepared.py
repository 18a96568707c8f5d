"""A hot page's query compiled once per process and database vendor, then run with new values.

Django compiles a queryset to SQL afresh every time it runs it; for the short queries of the pages
clinicians live on, compiling costs several times what running costs (≈ 1 ms against 0.1 ms).
``Prepared`` builds the queryset once, from the same ORM code, with two sets of example values,
finds where each value lands among the SQL parameters by comparing the two, and checks that the
field named for it turns each example into exactly the parameter the ORM wrote. Later calls put
the new values in those places and read the rows through the ORM's own converters, as
``values_list()`` tuples or, for a model queryset, as the model objects the ORM would make
(``Model.from_db``; deferred fields stay deferred; ``select_related`` objects made and cached on
them by the ORM's own ``RelatedPopulator``s, as a queryset's iteration does).

Only the values change between calls: the query's shape (joins, columns, order, limit) is fixed
when it is first compiled, so a builder must not branch on its arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import Field, Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)


class _Compiled:
    def __init__(self, sql: str, params: list[Any], slots: list[tuple[int, str]], readers: Any):
        self.sql, self.params, self.slots, self.readers = sql, params, slots, readers


class Prepared:
    """``Prepared(build, name=(field, example_a, example_b), …)``; call it with ``name=value``.

    ``build(**values)`` returns the queryset; each value is compared with ``field`` in it (a
    primary key, a date…), and the two examples must differ from each other and from any
    constant in the query.
    """

    def __init__(
        self, build: Callable[..., QuerySet[Any]], **values: tuple[Field[Any, Any], Any, Any]
    ):
        self.build = build
        self.values = values
        self._compiled: dict[str, _Compiled] = {}
        probe = build(**{name: example for name, (_f, example, _b) in values.items()})
        self.model: type[Model] = probe.model
        self.flat = probe._iterable_class is FlatValuesListIterable
        self.as_tuples = self.flat or probe._iterable_class is ValuesListIterable
        if not self.as_tuples and (
            probe._iterable_class is not ModelIterable
            or probe.query.annotation_select
            or probe._known_related_objects  # type: ignore[attr-defined]
        ):
            raise ValueError("Prepared reads values_list() or model querysets only")

    def _prep(self, name: str, value: Any, connection: Any) -> Any:
        field = self.values[name][0]
        return field.get_db_prep_value(field.to_python(value), connection, prepared=False)

    def _compile(self, connection: Any) -> _Compiled:
        runs = []
        for which in (1, 2):
            queryset = self.build(**{name: example[which] for name, example in self.values.items()})
            compiler = queryset.query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            runs.append((queryset, compiler, sql, list(params)))
        (queryset, compiler, sql, params), (_q, _c, sql_b, params_b) = runs
        if sql != sql_b or len(params) != len(params_b):
            raise ValueError("the query's shape depends on its values")
        slots: list[tuple[int, str]] = []
        for index, (a, b) in enumerate(zip(params, params_b, strict=True)):
            if a == b:
                continue
            names = [
                name
                for name, (_f, ex_a, ex_b) in self.values.items()
                if self._prep(name, ex_a, connection) == a
                and self._prep(name, ex_b, connection) == b
            ]
            if len(names) != 1:
                raise ValueError(f"cannot tell which value parameter {index} is")
            slots.append((index, names[0]))
        if {name for _i, name in slots} != set(self.values):
            raise ValueError("a value does not reach the SQL as its field writes it")
        columns = compiler.select[: compiler.col_count]
        expressions = [column[0] for column in columns]
        converters = compiler.get_converters(expressions)
        if self.as_tuples:
            readers: Any = converters
        else:
            klass_info = compiler.klass_info
            assert klass_info is not None
            positions = klass_info["select_fields"]
            names = [expressions[i].target.attname for i in positions]
            # select_related: the ORM's populators, which read their columns from the full row
            # and cache each related object on its parent (they hold no row state).
            populators = get_related_populators(  # type: ignore[call-arg]  # stubs are 6.0's
                klass_info, compiler.select, connection.alias
            )
            readers = (converters, positions, names, populators)
        return _Compiled(sql, params, slots, readers)

    def __call__(self, **values: Any) -> list[Any]:
        connection = connections[router.db_for_read(self.model)]
        compiled = self._compiled.get(connection.vendor)
        if compiled is None:
            compiled = self._compiled[connection.vendor] = self._compile(connection)
        params = list(compiled.params)
        for index, name in compiled.slots:
            params[index] = self._prep(name, values[name], connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if self.as_tuples:
            converters = compiled.readers
            rows = [self._convert(row, converters, connection) for row in rows]
            return [row[0] for row in rows] if self.flat else [tuple(row) for row in rows]
        converters, positions, names, populators = compiled.readers
        objects = []
        for row in rows:
            converted = self._convert(row, converters, connection)
            obj = self.model.from_db(connection.alias, names, [converted[i] for i in positions])
            for populator in populators:
                populator.populate(converted, obj)
            objects.append(obj)
        return objects

    def first(self, **values: Any) -> Any:
        """The first row or object, or ``None`` (the builder slices, as ``.first()`` would)."""
        found = self(**values)
        return found[0] if found else None

    def get(self, **values: Any) -> Any:
        """The one object, as ``QuerySet.get`` (``DoesNotExist``, ``MultipleObjectsReturned``)."""
        found = self(**values)
        if len(found) == 1:
            return found[0]
        if not found:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        raise self.model.MultipleObjectsReturned(
            f"get() returned more than one {self.model._meta.object_name}"
        )

    def refresh(self, instance: Model, **values: Any) -> None:
        """``instance.refresh_from_db(from_queryset=…)`` with this query: every loaded field and
        each ``select_related`` object copied onto ``instance``, its other cached relations
        dropped (as Django's own ``refresh_from_db`` does for a full reload)."""
        fresh = self.get(**values)
        instance._prefetched_objects_cache = {}  # type: ignore[attr-defined]
        not_loaded = fresh.get_deferred_fields()
        field: Any
        for field in instance._meta.concrete_fields:
            if field.attname in not_loaded:
                continue
            setattr(instance, field.attname, getattr(fresh, field.attname))
            if field.is_relation:
                if field.is_cached(fresh):
                    field.set_cached_value(instance, field.get_cached_value(fresh))
                elif field.is_cached(instance):
                    field.delete_cached_value(instance)
        for relation in instance._meta.related_objects:
            if relation.is_cached(instance):
                relation.delete_cached_value(instance)
        private: Any
        for private in instance._meta.private_fields:
            if private.is_relation and private.is_cached(instance):
                private.delete_cached_value(instance)
        instance._state.db = fresh._state.db

    @staticmethod
    def _convert(row: Any, converters: Any, connection: Any) -> list[Any]:
        values = list(row)
        for position, (convs, expression) in converters.items():
            value = values[position]
            for converter in convs:
                value = converter(value, expression, connection)
            values[position] = value
        return values
