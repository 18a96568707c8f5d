"""The time-point facts carry their procedure's filter columns (``models.PROCEDURE_COLUMNS``).

The columns are added with placeholder defaults (no table rewrite on PostgreSQL) and filled from
the procedure facts in one set-based ``UPDATE … FROM``; from then on ``facts.rebuild_outcomes``
writes them with the rest of the row.
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

COLUMNS = (
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


def fill(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    assignments = ", ".join(f"{quote(c)} = o.{quote(c)}" for c in COLUMNS)
    # Names from this migration, quoted; nothing from a request (bandit B608).
    schema_editor.execute(
        f"UPDATE analytics_timepointoutcome AS t SET {assignments} "  # nosec B608
        "FROM analytics_procedureoutcome AS o WHERE o.procedure_id = t.outcome_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("analytics", "0005_pending_answers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="timepointoutcome",
            name="clinic",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="accounts.clinic",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="operator",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                default=0,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="procedure_date",
            field=models.DateField(default=datetime.date(1900, 1, 1)),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="condition",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="procedure",
            field=models.CharField(default="", max_length=40),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="imaging",
            field=models.CharField(default="", max_length=20),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="steroid",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="repeat",
            field=models.BooleanField(default=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="timepointoutcome",
            name="startback_risk",
            field=models.CharField(blank=True, default="", max_length=10),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="timepointoutcome",
            index=models.Index(fields=["operator"], name="analytics_tp_operator"),
        ),
    ]
