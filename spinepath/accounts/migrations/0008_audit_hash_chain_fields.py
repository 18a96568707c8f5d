"""The audit log's hash chain, step 1: the columns (empty until 0007 fills them)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_apitoken_expires_at")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="written_at",
            field=models.DateTimeField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(max_length=64, default="", editable=False),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64, default="", editable=False),
            preserve_default=False,
        ),
    ]
