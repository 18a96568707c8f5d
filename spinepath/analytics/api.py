"""``GET /api/v1/outcomes/summary`` (api.md): the dashboard's figures as JSON.

Thin: the query parameters become ``queries.OutcomeFilters``, the caller's role becomes a
``queries.Scope``, and ``queries.summary`` answers. Unknown codes, bad dates or booleans are a 422
naming each parameter; the request is audited (who asked for which figures, not the figures).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import ConfigDict, model_validator

from spinepath.accounts.models import User
from spinepath.analytics.audit import record_figures
from spinepath.analytics.queries import OutcomeFilters, scope_for, summary
from spinepath.clinical.vocab import Condition, Imaging, Procedure

router = Router(tags=["outcomes"])

ConditionCode = Literal[tuple(c.value for c in Condition)]  # type: ignore[valid-type]
ProcedureCode = Literal[tuple(p.value for p in Procedure)]  # type: ignore[valid-type]
ImagingCode = Literal[tuple(i.value for i in Imaging)]  # type: ignore[valid-type]


class SummaryQuery(Schema):
    """api.md's filters; all optional, combined with AND."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    date_from: date | None = Field(None, alias="from", description="Procedures on or after.")
    date_to: date | None = Field(None, alias="to", description="Procedures on or before.")
    condition: ConditionCode | None = None
    procedure: ProcedureCode | None = None
    imaging: ImagingCode | None = None
    clinic: str | None = Field(None, max_length=20, pattern=r"^[-a-zA-Z0-9_]+$")
    steroid: Literal["true", "false"] | None = None
    repeat: Literal["true", "false"] | None = Field(
        None, description="true = not the patient's first injection in this episode."
    )
    startback: Literal["low", "medium", "high"] | None = None
    clinician: int | None = Field(
        None, ge=1, description="The operator's user id (not for analysts: they see pseudonyms)."
    )

    @model_validator(mode="after")
    def period_in_order(self) -> SummaryQuery:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("'to' is before 'from'")
        return self

    def filters(self) -> OutcomeFilters:
        def flag(value: str | None) -> bool | None:
            return None if value is None else value == "true"

        return OutcomeFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            condition=self.condition,
            procedure=self.procedure,
            imaging=self.imaging,
            clinic=self.clinic,
            steroid=flag(self.steroid),
            repeat=flag(self.repeat),
            startback=self.startback,
            clinician=self.clinician,
        )


class ResponderOut(Schema):
    timepoint: str
    completed: int | None
    meaningful: int | None
    rate: float | None
    ci95: list[float] | None
    substantial: int | None
    substantial_rate: float | None
    substantial_ci95: list[float] | None


class CompletionOut(Schema):
    timepoint: str
    due: int | None
    completed: int | None


class ReliefDurationOut(Schema):
    responders: int | None
    events: int | None
    median_days: int | None
    median_ci95: list[int | None] | None


class ComplicationOut(Schema):
    code: str
    count: int | None


class SummaryOut(Schema):
    procedures: int | None
    patients: int | None
    responders: list[ResponderOut]
    completion: list[CompletionOut]
    relief_duration: ReliefDurationOut
    complications: list[ComplicationOut]
    suppressed: bool


@router.get(
    "/outcomes/summary",
    response=SummaryOut,
    summary="The outcomes dashboard's figures (api.md), scoped to the caller's clinic",
)
def outcomes_summary(request: HttpRequest, query: Query[SummaryQuery]) -> Any:
    user: User = request.user  # type: ignore[assignment]
    scope = scope_for(user)
    filters = query.filters()
    if scope.pseudonymised and filters.clinician is not None:
        raise ValidationError(
            [
                {
                    "loc": ["query", "clinician"],
                    "msg": "Analysts filter by clinician pseudonym on the dashboard, not by id.",
                    "type": "value_error",
                }
            ]
        )
    body = summary(filters, scope, on=timezone.localdate())
    record_figures(request, user, "summary", filters, scope)
    return body
