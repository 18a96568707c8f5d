# Moves PriorInjection from procedures to patients without touching the table: the injection
# history belongs beside the patient. State only; the table keeps its name (Meta.db_table).

import django.db.models.deletion
import django.utils.timezone
import spinepath.patients.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('patients', '0003_episode_worklist_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('procedures', '0006_procedure_complications'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='PriorInjection',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('given_on', models.DateField(verbose_name='date given')),
                    ('site', models.CharField(choices=[('transforaminal_epidural', 'Transforaminal epidural'), ('interlaminar_epidural', 'Interlaminar epidural'), ('caudal_epidural', 'Caudal epidural'), ('facet_joint_injection', 'Facet joint injection'), ('medial_branch_block', 'Medial branch block'), ('radiofrequency_denervation', 'Radiofrequency denervation'), ('sacroiliac_joint_injection', 'Sacroiliac joint injection'), ('other_joint', 'Other joint')], max_length=40)),
                    ('steroid', models.CharField(blank=True, choices=[('methylprednisolone', 'Methylprednisolone'), ('triamcinolone', 'Triamcinolone'), ('dexamethasone', 'Dexamethasone'), ('betamethasone', 'Betamethasone'), ('prednisolone', 'Prednisolone'), ('hydrocortisone', 'Hydrocortisone')], max_length=30)),
                    ('steroid_dose_mg', models.FloatField(blank=True, null=True, verbose_name='steroid dose (mg)')),
                    ('relief_percent', models.PositiveSmallIntegerField(blank=True, help_text='Best relief the patient reports, 0–100.', null=True, verbose_name='relief (%)')),
                    ('where', models.CharField(blank=True, help_text='Hospital or clinic.', max_length=200)),
                    ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('entered_in_error', models.BooleanField(default=False)),
                    ('patient', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='prior_injections', to='patients.patient')),
                    ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'procedures_priorinjection',
                    'ordering': ['-given_on'],
                    'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('steroid', ''), ('steroid_dose_mg__isnull', True)), models.Q(models.Q(('steroid', ''), _negated=True), ('steroid_dose_mg__gt', 0)), _connector='OR'), name='prior_injection_steroid_has_positive_dose', violation_error_message='Give the steroid dose with the steroid (and only then).'), models.CheckConstraint(condition=models.Q(('relief_percent__isnull', True), ('relief_percent__lte', 100), _connector='OR'), name='prior_injection_relief_is_percent', violation_error_message='Relief is a percentage from 0 to 100.')],
                },
                bases=(spinepath.patients.models.PatientRecord, models.Model),
            ),
            ],
        ),
    ]
