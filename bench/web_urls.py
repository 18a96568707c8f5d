"""The product's addresses, then the web bench's reference page (``bench/web_settings.py``).

The reference comes after ``spinepath.urls`` so that no product address is resolved differently
or more slowly than in production; it lives under ``/bench/``, which no product address uses.
"""

from django.urls import include, path

from bench import reference_views

urlpatterns = [
    path("", include("spinepath.urls")),
    path(
        "bench/audited-floor/<uuid:patient_id>/",
        reference_views.audited_floor,
        name="bench_audited_floor",
    ),
]
