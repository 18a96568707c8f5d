"""Each trained version of the relief prediction model, with what it was trained on and how well
it predicted in cross-validation. Rows are only added (by ``training.train_model``); the newest
is the one in use. The fitted scikit-learn pipeline is stored pickled: only the training task
writes it, from this service's own data, and only this service reads it back."""

from __future__ import annotations

from django.db import models


class PredictionModel(models.Model):
    version = models.PositiveIntegerField(unique=True)
    outcome = models.CharField(
        max_length=30, default="relief_6w", help_text="What it predicts: meaningful relief at 6w."
    )
    algorithm = models.CharField(max_length=200)
    calibration_method = models.CharField(
        max_length=20, help_text="isotonic or sigmoid (Platt), fitted in cross-validation."
    )
    trained_at = models.DateTimeField()
    window_from = models.DateField(help_text="Procedures on or after this date were used.")
    window_to = models.DateField(help_text="... up to this date, with 6-week answers by then.")
    n_train = models.PositiveIntegerField(help_text="Procedures with a complete 6-week answer.")
    n_events = models.PositiveIntegerField(help_text="Of those, meaningful relief at 6 weeks.")
    features = models.JSONField(help_text="Input columns, in order.")
    folds = models.PositiveSmallIntegerField()
    auc = models.FloatField(null=True, help_text="Cross-validated area under the ROC curve.")
    brier = models.FloatField(help_text="Cross-validated Brier score.")
    calibration_slope = models.FloatField(null=True)
    calibration_intercept = models.FloatField(null=True)
    calibration_in_the_large = models.FloatField()
    calibration_bins = models.JSONField(
        help_text="[{n, mean_predicted, observed}] of the cross-validated predictions."
    )
    library_version = models.CharField(max_length=20, help_text="scikit-learn's version.")
    fitted = models.BinaryField(help_text="The fitted pipeline (pickle), for predictions.")

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Relief model v{self.version}"
