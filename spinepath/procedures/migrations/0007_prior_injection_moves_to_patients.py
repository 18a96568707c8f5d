# PriorInjection now lives in the patients app (state only; the table stays).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0006_procedure_complications'),
        ('patients', '0004_prior_injection_moves_here'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='PriorInjection',
                ),
            ],
        ),
    ]
