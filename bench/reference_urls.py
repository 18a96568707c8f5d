"""The reference views' addresses, mounted only by ``bench/load_settings.py`` (never in
``spinepath.urls``): production URLs do not change. The product's own addresses follow, because
the reads the reference repeats build links to product pages (the steroid ledger's rows)."""

from django.urls import include, path

from bench import reference_views

urlpatterns = [
    path("ref/patients/<uuid:patient_id>/", reference_views.patient_reads, name="ref_patient"),
    path("ref/f/check", reference_views.submit, name="ref_submit"),
    path("", include("spinepath.urls")),
]
