"""The relief model's page among the outcomes pages: every version with its training window,
features and cross-validated figures, and the newest version's calibration plot.

Aggregates only (each calibration group holds a tenth of at least ``MIN_ROWS`` procedures), so
every outcomes role may see it, analysts included; the look is audited like any figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from spinepath.accounts import access
from spinepath.accounts.models import User
from spinepath.analytics.audit import record_figures
from spinepath.analytics.queries import OutcomeFilters, scope_for
from spinepath.lib.charts.calibration import CalibrationPoint, calibration_plot
from spinepath.prediction.models import PredictionModel
from spinepath.prediction.people import minimum


@require_safe
@login_required
def prediction_models(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access.ensure_may(user, access.Task.OUTCOMES)
    scope = scope_for(user)
    versions = list(PredictionModel.objects.defer("fitted")[:20])
    current = versions[0] if versions else None
    chart = None
    if current is not None:
        chart = calibration_plot(
            [
                CalibrationPoint(b["n"], b["mean_predicted"], b["observed"])
                for b in current.calibration_bins
            ],
            slope=current.calibration_slope,
            intercept=current.calibration_intercept,
            title=f"Calibration of relief model version {current.version}",
        )
    record_figures(request, user, "prediction_models", OutcomeFilters(), scope)
    return render(
        request,
        "prediction/models.html",
        {"versions": versions, "current": current, "chart": chart, "minimum": minimum()},
    )
