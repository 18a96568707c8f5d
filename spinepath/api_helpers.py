"""What every API router shares: request-body rules and errors that name the field.

The API promises a 422 naming each bad field (``shared/clinical/api.md``); routers raise through
these helpers so model validation, workflow refusals and schema errors all read the same.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from ninja import Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, field_validator

NUL_MESSAGE = "must not contain NUL (\\x00) characters"
NOT_FINITE_MESSAGE = "must be a finite number (not NaN or Infinity)"


def unstorable(value: Any) -> str | None:
    """Why ``value`` (or anything inside a list or dict in it) cannot be stored, or ``None``.

    PostgreSQL refuses NUL in text and JSON; JSON has no NaN or Infinity (Python's json module
    reads them anyway), and no clinical number is either.
    """
    if isinstance(value, str):
        return NUL_MESSAGE if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else NOT_FINITE_MESSAGE
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        return None
    for item in items:
        problem = unstorable(item)
        if problem:
            return problem
    return None


class Input(Schema):
    """Request bodies: no NUL characters, which PostgreSQL cannot store, and no NaN or Infinity,
    at any depth (free-form ``dict`` fields included). Every API body is an ``Input`` or one of
    the core's models, which refuse NaN and Infinity themselves."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def no_nul_characters(cls, value: Any) -> Any:
        problem = unstorable(value)
        if problem:
            raise ValueError(problem)
        return value


def field_error(field: str, message: str) -> ValidationError:
    """A 422 for one field; ``field`` may be a dotted path (``baseline.odi.s3``)."""
    return field_errors({field: [message]})


def field_errors(errors: dict[str, list[str]]) -> ValidationError:
    return ValidationError(
        [
            {
                "loc": ["body", "payload", *([] if field == "__all__" else field.split("."))],
                "msg": str(message),
                "type": "value_error",
            }
            for field, messages in errors.items()
            for message in messages
        ]
    )


def from_model_errors(exc: DjangoValidationError) -> ValidationError:
    """A model's ``full_clean`` errors as the API's 422."""
    return field_errors({field: list(messages) for field, messages in exc.message_dict.items()})


def full_clean(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """``full_clean``, raising the API's 422 that names each field instead of Django's error."""
    try:
        instance.full_clean(exclude=exclude)
    except DjangoValidationError as exc:
        raise from_model_errors(exc) from None
