"""The outcome facts analytics aggregates: one row per procedure, one per procedure × time point.

The source tables are normalised for the workflows (answers in JSON, the baseline in another
app's questionnaires, relief computed in Python by ``clinical.relief``). A registry dashboard must
count over a million procedures in SQL, so the relief of each procedure is computed once, through
the core (``followup.outcomes``), and stored here with the columns dashboards filter on. These rows
are derived data: ``facts.rebuild_outcomes`` can always remake them from the source tables, and
the workflows' hooks keep them current in the same transaction as the change they reflect.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ProcedureOutcome(models.Model):
    """A procedure that stands (not entered in error) with its relief, denormalised."""

    record = models.OneToOneField(
        "procedures.ProcedureRecord",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="outcome",
        db_column="procedure_id",
    )
    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("patients.Episode", on_delete=models.CASCADE, related_name="+")

    procedure_date = models.DateField(help_text="Local date the procedure was performed.")
    condition = models.CharField(max_length=40)
    procedure = models.CharField(max_length=40)
    imaging = models.CharField(max_length=20)
    steroid = models.BooleanField()
    steroid_mpe_mg = models.FloatField(null=True, help_text="Methylprednisolone equivalent.")
    repeat = models.BooleanField(help_text="Not the patient's first injection in this episode.")
    startback_risk = models.CharField(max_length=10, blank=True, help_text="At baseline.")
    decision_outcome = models.CharField(
        max_length=30, blank=True, help_text="The latest decision on the assessment consented on."
    )
    overridden = models.BooleanField(
        default=False, help_text="A clinician proceeded against the decision with a reason."
    )

    primary = models.CharField(max_length=10, help_text="nrs_back or nrs_leg.")
    baseline_nrs_back = models.SmallIntegerField(null=True)
    baseline_nrs_leg = models.SmallIntegerField(null=True)
    baseline_odi = models.FloatField(null=True)
    baseline_primary = models.SmallIntegerField(null=True, help_text="The primary measure's.")
    baseline_source = models.CharField(max_length=30)

    measured = models.BooleanField(
        help_text="At least one follow-up measured the primary score against a baseline: the "
        "denominator of the procedure-level responder rate."
    )
    responder = models.BooleanField()
    onset_days = models.IntegerField(null=True)
    ended_days = models.IntegerField(null=True)
    duration_days = models.IntegerField(null=True, help_text="Null for a non-responder.")
    censored = models.BooleanField()
    complication_codes = models.CharField(max_length=300, blank=True, help_text="';'-joined.")

    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["procedure_date"]),
            models.Index(fields=["clinic", "procedure_date"]),
            models.Index(fields=["operator", "procedure_date"]),
            models.Index(fields=["condition", "procedure_date"]),
            models.Index(fields=["procedure", "procedure_date"]),
            models.Index(fields=["imaging", "procedure_date"]),
            models.Index(fields=["startback_risk", "procedure_date"]),
            models.Index(fields=["responder", "procedure_date"]),
        ]

    def __str__(self) -> str:
        return f"Outcome of procedure {self.record_id}"


PROCEDURE_COLUMNS: tuple[str, ...] = (
    "clinic_id",
    "operator_id",
    "procedure_date",
    "condition",
    "procedure",
    "imaging",
    "steroid",
    "repeat",
    "startback_risk",
)
"""The procedure's filter columns each of its time points carries too (``TimePointOutcome``):
the same names as on ``ProcedureOutcome``, so the dashboard's filters apply to either table."""


class TimePointOutcome(models.Model):
    """One follow-up time point (2w … 12m) of a procedure, with the core's relief at it.

    It also carries its procedure's filter columns (``PROCEDURE_COLUMNS``), written by the same
    rebuild from the same row: a dashboard counting a million procedures' time points then reads
    one table instead of joining five million rows to the procedures (the join was most of each
    time-point panel's seconds at 1M). Clinic and clinician are keys without a database
    constraint or index of their own: the procedure's row holds the checked ones, and these are
    copies of them.
    """

    outcome = models.ForeignKey(
        ProcedureOutcome, on_delete=models.CASCADE, related_name="time_points"
    )
    clinic = models.ForeignKey(
        "accounts.Clinic",
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    procedure_date = models.DateField()
    condition = models.CharField(max_length=40)
    procedure = models.CharField(max_length=40)
    imaging = models.CharField(max_length=20)
    steroid = models.BooleanField()
    repeat = models.BooleanField()
    startback_risk = models.CharField(max_length=10, blank=True)
    label = models.CharField(max_length=10)
    days = models.IntegerField(help_text="From the procedure to the due date.")
    due_on = models.DateField()
    completed_on = models.DateField(null=True, help_text="Local date the answers were submitted.")
    late = models.BooleanField(default=False)
    nrs_back = models.SmallIntegerField(null=True)
    nrs_leg = models.SmallIntegerField(null=True)
    odi = models.FloatField(null=True)
    pgic = models.SmallIntegerField(null=True)
    completed = models.BooleanField(help_text="The primary pain score was answered.")
    measurable = models.BooleanField(
        help_text="Completed and the procedure has a baseline primary pain score."
    )
    change_points = models.SmallIntegerField(null=True)
    change_percent = models.FloatField(null=True)
    meaningful = models.BooleanField(null=True)
    substantial = models.BooleanField(null=True)
    odi_change_points = models.FloatField(null=True)
    odi_meaningful = models.BooleanField(null=True)
    pgic_meaningful = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["outcome", "label"], name="analytics_one_row_per_time_point"
            )
        ]
        indexes = [
            models.Index(fields=["label", "due_on"]),
            # One clinician's time points (a fraction of a percent of a registry's): read
            # through the index, where the other filters each keep a tenth or more of the rows
            # and a scan of the table is as quick.
            models.Index(fields=["operator"], name="analytics_tp_operator"),
        ]

    def __str__(self) -> str:
        return f"{self.label} of procedure {self.outcome_id}"


class PendingAnswer(models.Model):
    """A follow-up answer the outcome facts have not counted yet: the durable to-do of the
    worker's rebuild (``facts.rebuild_pending``).

    A patient's submission inserts one row in the transaction that stores the answer, beside the
    task that will count it (``tasks.rebuild_pending_outcomes``): both commit with the answer or
    not at all, so nothing is lost while the worker is down. One row per answer, never an
    UPDATE of a shared row, so concurrent submissions do not queue on it; the worker rebuilds each
    procedure once however many rows name it, and deletes exactly the rows it read before
    reading the answers. The rows left are what the dashboard says is "still being counted".
    """

    procedure = models.ForeignKey(
        "procedures.ProcedureRecord", on_delete=models.CASCADE, related_name="+"
    )
    clinic_id = models.IntegerField(help_text="The patient's clinic: whose figures lag.")
    answered_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["clinic_id", "answered_at"])]

    def __str__(self) -> str:
        return f"Answer pending for procedure {self.procedure_id}"


# --- The dashboard's summary: the facts added up by clinic and month (``summary.py``) ---------
#
# A registry's overview (every clinic, or one, over whole months) would otherwise count a million
# procedure rows and five million time-point rows per panel. These tables hold the same counts
# (and sums, for the means) added up by clinic, month of the procedure and, where a panel breaks
# them down, clinician, decision, time point, duration or complication: tens of thousands of rows
# at a million procedures. ``summary.refresh_summary`` rebuilds them from the facts in SQL; the
# worker runs it after the facts change; ``queries`` reads them only when they are current and the
# filters ask for nothing finer than they hold, and the facts otherwise.
#
# Each table holds the overview rows (``dimension`` "") and, for each finer filter the dashboard
# offers (``summary.DIMENSIONS``: condition, procedure, imaging, steroid, first/repeat, STarT Back
# risk, clinician), the same counts split by that filter's value (``dimension`` names it, ``value``
# is its value as text): a view with one finer filter reads its slice, and the index leading with
# (dimension, value, month) finds it without reading the others.


class SliceMixin(models.Model):
    dimension = models.CharField(
        max_length=20, blank=True, default="", help_text="'' (overview) or the filter split by."
    )
    value = models.CharField(
        max_length=100, blank=True, default="", help_text="Its value (a pair's: 'a|b'), as text."
    )

    class Meta:
        abstract = True


class SummaryState(models.Model):
    """One row: whether the summary was ever built, and the day its "due by" counts are as of.
    Only a refresh writes it (under its lock, so two refreshes never interleave); the hooks never
    touch it, so recording a procedure never waits for a refresh or for another recording."""

    built = models.BooleanField(default=False)
    as_of = models.DateField(null=True, help_text="The day 'due' and 'answered' count up to.")
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"SummaryState {self.pk}"


class SummaryChange(models.Model):
    """A change to the facts the summary has not taken in yet: one row inserted per change (an
    INSERT, never an UPDATE of a shared row, so concurrent recordings do not queue on one row);
    a refresh deletes exactly the rows it saw before reading the facts. Any row left means the
    summary is out of date."""

    def __str__(self) -> str:
        return f"SummaryChange {self.pk}"


class SummaryProcedures(SliceMixin):
    clinic_id = models.IntegerField()
    month = models.DateField(help_text="First day of the month of the procedures.")
    operator_id = models.IntegerField()
    decision_outcome = models.CharField(max_length=30, blank=True)
    procedures = models.IntegerField()
    measured = models.IntegerField()
    responders = models.IntegerField(help_text="Measured and a responder.")
    overridden = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["dimension", "value", "month", "clinic_id"])]

    def __str__(self) -> str:
        return f"SummaryProcedures {self.pk}"


class SummaryTimePoints(SliceMixin):
    clinic_id = models.IntegerField()
    month = models.DateField()
    operator_id = models.IntegerField()
    label = models.CharField(max_length=10)
    time_points = models.IntegerField(help_text="Every time point (due or not, answered or not).")
    measurable = models.IntegerField()
    meaningful = models.IntegerField(help_text="Measurable and meaningful.")
    substantial = models.IntegerField(help_text="Measurable and substantial.")
    due = models.IntegerField(help_text="Due by SummaryState.as_of.")
    answered = models.IntegerField(help_text="Of those, answered by as_of.")
    nrs_n = models.IntegerField(help_text="Measurable with a change in points.")
    nrs_sum = models.FloatField()
    nrs_squares = models.FloatField()
    nrs_percent_n = models.IntegerField()
    nrs_percent_sum = models.FloatField()
    odi_n = models.IntegerField()
    odi_sum = models.FloatField()
    odi_squares = models.FloatField()
    pgic_1 = models.IntegerField()
    pgic_2 = models.IntegerField()
    pgic_3 = models.IntegerField()
    pgic_4 = models.IntegerField()
    pgic_5 = models.IntegerField()
    pgic_6 = models.IntegerField()
    pgic_7 = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["dimension", "value", "month", "clinic_id"])]

    def __str__(self) -> str:
        return f"SummaryTimePoints {self.pk}"


class SummaryDurations(SliceMixin):
    """Responders' relief durations: the Kaplan–Meier input as counts."""

    clinic_id = models.IntegerField()
    month = models.DateField()
    duration_days = models.IntegerField()
    censored = models.BooleanField()
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["dimension", "value", "month", "clinic_id"])]

    def __str__(self) -> str:
        return f"SummaryDurations {self.pk}"


class SummaryComplications(SliceMixin):
    clinic_id = models.IntegerField()
    month = models.DateField()
    code = models.CharField(max_length=60)
    procedures = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["dimension", "value", "month", "clinic_id"])]

    def __str__(self) -> str:
        return f"SummaryComplications {self.pk}"


class SummaryPatients(SliceMixin):
    """Procedures by the month of the same patient's previous procedure (null: their first).
    The patients with a procedure in months m1…m2 are those procedures of m1…m2 whose previous
    one is before m1 (or none): each patient counted once, by their first procedure there."""

    clinic_id = models.IntegerField()
    month = models.DateField()
    previous_month = models.DateField(null=True)
    procedures = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["dimension", "value", "month", "clinic_id"])]

    def __str__(self) -> str:
        return f"SummaryPatients {self.pk}"
