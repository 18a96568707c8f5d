"""Model validation without the round trips that cannot change its answer.

``full_clean`` asks the database two kinds of question it already knows the answer to:

* a check constraint is evaluated by a ``SELECT … WHERE <condition>`` inside a savepoint (three
  statements), even when the condition only compares the record's own field values; so is a
  partial unique constraint, even when its condition is false for the record (nothing to find);
* a foreign key is checked by ``SELECT 1 FROM <target> WHERE id = …`` even when the record holds
  the target object, loaded from the database a moment ago in the same transaction.

A partial unique constraint whose condition holds for the record is checked by Django with the
condition evaluated once more in SQL on the record's own values (``Q.check``: a savepoint, a
query and a release); when Python has decided the condition, the same duplicate search is one
``EXISTS`` query with the same error.

Models that mix in :class:`QuickValidation` answer both in Python where the answer is certain:
a condition built only from ``exact``/``in``/``gt``/``gte``/``lt``/``lte``/``isnull`` lookups on
the record's own non-null fields (NULL makes SQL's three-valued logic differ from Python's, so
it goes to the database as before), and a foreign key whose object is loaded, saved and has no
``limit_choices_to``. Everything else is left to Django, so the errors and messages are Django's.
The database's own constraints still guard every write.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Collection
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models, router

from spinepath.lib.prepared import Prepared

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _AskTheDatabase(Exception):
    """The condition is not one this module can evaluate exactly."""


class _Excluded(Exception):
    """The condition names a field excluded from validation: Django skips the constraint."""


def _field_value(instance: models.Model, name: str, exclude: Collection[str]) -> Any:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:
        raise _AskTheDatabase from None
    if field.is_relation or not field.concrete:
        raise _AskTheDatabase
    if field.name in exclude:
        raise _Excluded
    try:
        return field.to_python(getattr(instance, field.attname))
    except ValidationError:
        raise _AskTheDatabase from None


def _leaf(instance: models.Model, key: str, wanted: Any, exclude: Collection[str]) -> bool:
    name, _, lookup = key.partition("__")
    lookup = lookup or "exact"
    if hasattr(wanted, "resolve_expression") or "__" in lookup:
        raise _AskTheDatabase
    value = _field_value(instance, name, exclude)
    if lookup == "isnull" and isinstance(wanted, bool):
        return (value is None) is wanted
    if value is None or wanted is None:
        raise _AskTheDatabase
    if lookup == "in":
        choices = list(wanted)
        if not choices or any(choice is None for choice in choices):
            raise _AskTheDatabase
        return value in choices
    compare = _COMPARE.get(lookup)
    if compare is None:
        raise _AskTheDatabase
    try:
        return compare(value, wanted)
    except TypeError:
        raise _AskTheDatabase from None


def _holds(instance: models.Model, condition: models.Q, exclude: Collection[str]) -> bool:
    if condition.connector not in (models.Q.AND, models.Q.OR):
        raise _AskTheDatabase
    wanted_all = condition.connector == models.Q.AND
    result = wanted_all
    for child in condition.children:
        if isinstance(child, models.Q):
            holds = _holds(instance, child, exclude)
        elif isinstance(child, tuple) and len(child) == 2:
            holds = _leaf(instance, child[0], child[1], exclude)
        else:
            raise _AskTheDatabase
        if holds is not wanted_all:  # False in an AND, True in an OR decides it
            result = holds
            break
    return not result if condition.negated else result


def check_passes(
    instance: models.Model, constraint: models.CheckConstraint, exclude: Collection[str]
) -> bool | None:
    """Whether ``instance`` meets ``constraint`` (``True`` also when Django would skip it for
    an excluded field), or ``None`` when only the database can say."""
    condition = constraint.condition
    if not isinstance(condition, models.Q):
        return None
    try:
        return _holds(instance, condition, exclude)
    except _Excluded:
        return True
    except _AskTheDatabase:
        return None


def unique_applies(
    instance: models.Model, constraint: models.UniqueConstraint, exclude: Collection[str]
) -> bool:
    """Whether Django's check of the partial unique ``constraint`` could find anything: not
    when its condition is false for ``instance`` (or names an excluded field, which Django
    skips), which is decided here without the query in a savepoint Django would run."""
    condition = constraint.condition
    if not isinstance(condition, models.Q):
        return True
    try:
        return _holds(instance, condition, exclude)
    except _Excluded:
        return False
    except _AskTheDatabase:
        return True


def _condition_holds(
    instance: models.Model, constraint: models.UniqueConstraint, exclude: Collection[str]
) -> bool | None:
    """``unique_applies`` with the doubtful case told apart: ``None`` when only the database
    can evaluate the condition (or the constraint has none)."""
    condition = constraint.condition
    if not isinstance(condition, models.Q):
        return None
    try:
        return _holds(instance, condition, exclude)
    except _Excluded:
        return False
    except _AskTheDatabase:
        return None


def check_partial_unique(
    model_class: type[models.Model],
    instance: models.Model,
    constraint: models.UniqueConstraint,
    exclude: Collection[str],
    using: str,
) -> bool:
    """Django's check of a partial unique ``constraint`` on plain fields whose condition holds
    for ``instance`` (decided in Python): the duplicate search with the condition, without the
    condition's second evaluation on the instance's values. ``False`` when the constraint is
    not of that kind (Django checks it); raises Django's ``ValidationError`` for a duplicate."""
    if constraint.expressions or not constraint.fields:
        return False
    lookup: dict[str, Any] = {}
    empty_is_null = connections[using].features.interprets_empty_strings_as_nulls
    for name in constraint.fields:
        field = model_class._meta.get_field(name)
        if getattr(field, "generated", False):
            return False
        if name in exclude:
            return True  # Django skips it
        value = getattr(instance, field.attname)  # type: ignore[union-attr]
        if (constraint.nulls_distinct is not False and value is None) or (
            value == "" and empty_is_null
        ):
            return True  # NULL is never equal to NULL: no duplicate to find
        lookup[field.name] = value
    meta = model_class._meta
    other_than = instance._get_pk_val(meta)
    exclude_self = not instance._state.adding and instance._is_pk_set(meta)  # type: ignore[attr-defined]
    search = None
    if None not in lookup.values() and router.db_for_read(model_class) == using:
        search = _duplicate_search(model_class, constraint, exclude_self)
    if search is not None:  # the same search, compiled once (lib/prepared.py)
        values = {f"v{i}": value for i, value in enumerate(lookup.values())}
        duplicate = bool(search(**values, pk=other_than) if exclude_self else search(**values))
    else:
        found = model_class._default_manager.using(using).filter(constraint.condition, **lookup)
        if exclude_self:
            found = found.exclude(pk=other_than)
        duplicate = found.exists()
    if duplicate:
        raise ValidationError(
            constraint.get_violation_error_message(), code=constraint.violation_error_code
        )
    return True


def _examples(field: Any) -> tuple[Any, Any] | None:
    """Two values of ``field``'s type unlike any a constraint's condition names (for
    ``Prepared``, which checks that each lands in the SQL where it should)."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in {"CharField", "TextField", "SlugField", "EmailField"}:
        return "\u2060prepared-a", "\u2060prepared-b"
    if kind in {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField"}:
        return 1_000_000_007, 1_000_000_009
    if kind == "UUIDField":
        return uuid.UUID(int=1), uuid.UUID(int=2)
    if kind == "DateField":
        return date(1901, 1, 1), date(1902, 2, 2)
    return None


_SEARCHES: dict[tuple[Any, ...], Prepared | None] = {}


def _duplicate_search(
    model_class: type[models.Model], constraint: models.UniqueConstraint, exclude_self: bool
) -> Prepared | None:
    """The duplicate search of ``check_partial_unique`` as a ``Prepared`` query, or ``None``
    when a field's values cannot be told apart in the SQL (the ORM then asks as before)."""
    key = (model_class, constraint.name, exclude_self)
    if key in _SEARCHES:
        return _SEARCHES[key]
    meta = model_class._meta
    fields = [meta.get_field(name) for name in constraint.fields]
    specs: dict[str, Any] = {}
    for index, field in enumerate([*fields, meta.pk] if exclude_self else fields):
        examples = _examples(field)
        if examples is None:
            _SEARCHES[key] = None
            return None
        specs["pk" if index == len(fields) else f"v{index}"] = (field, *examples)
    names = [field.name for field in fields]

    def build(**values: Any) -> Any:
        lookup = {name: values[f"v{i}"] for i, name in enumerate(names)}
        found = model_class._default_manager.filter(constraint.condition, **lookup)
        if exclude_self:
            found = found.exclude(pk=values["pk"])
        return found.order_by().values_list("pk", flat=True)[:1]

    search: Prepared | None
    try:
        search = Prepared(build, **specs)
        connection = connections[router.db_for_read(model_class)]
        # Compiled now, so a refusal leaves the search to the ORM from the start.
        search._compiled[connection.vendor] = search._compile(connection)
    except ValueError:
        search = None
    _SEARCHES[key] = search
    return search


def _loaded_foreign_keys(instance: models.Model, exclude: Collection[str]) -> set[str]:
    """Foreign keys whose target is the saved object the record already holds."""
    known = set()
    for field in instance._meta.concrete_fields:
        if not field.many_to_one or field.name in exclude or field.validators:
            continue
        remote = field.remote_field
        if remote is None or remote.limit_choices_to or not field.is_cached(instance):  # type: ignore[attr-defined]
            continue
        target = field.get_cached_value(instance)  # type: ignore[attr-defined]
        value = getattr(instance, field.attname)
        if target is not None and not target._state.adding and target.pk == value is not None:
            known.add(field.name)
    return known


class QuickValidation:
    """Mixin for a model: ``full_clean`` without database round trips that cannot change its
    answer (see the module's docstring)."""

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        exclude = set(exclude or ())
        instance: models.Model = self  # type: ignore[assignment]
        super().clean_fields(exclude=exclude | _loaded_foreign_keys(instance, exclude))  # type: ignore[misc]

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        """Django's loop over the constraints, with plain check constraints decided here."""
        instance: models.Model = self  # type: ignore[assignment]
        exclude = set(exclude or ())
        using = router.db_for_write(type(instance), instance=instance)
        errors: dict[str, Any] = {}
        for model_class, constraints in instance.get_constraints():
            for constraint in constraints:
                if isinstance(constraint, models.CheckConstraint):
                    passes = check_passes(instance, constraint, exclude)
                    if passes is True:
                        continue
                    if passes is False:
                        error = ValidationError(
                            constraint.get_violation_error_message(),
                            code=constraint.violation_error_code,
                        )
                        errors = error.update_error_dict(errors)
                        continue
                quick: models.UniqueConstraint | None = None
                if isinstance(constraint, models.UniqueConstraint):
                    holds = _condition_holds(instance, constraint, exclude)
                    if holds is False:
                        continue
                    quick = constraint if holds else None
                try:
                    if not (
                        quick and check_partial_unique(model_class, instance, quick, exclude, using)
                    ):
                        constraint.validate(model_class, instance, exclude=exclude, using=using)
                except ValidationError as error:
                    fields: tuple[str, ...] = tuple(getattr(constraint, "fields", ()))
                    if getattr(error, "code", None) == "unique" and len(fields) == 1:
                        errors.setdefault(fields[0], []).append(error)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
