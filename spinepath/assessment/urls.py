from django.urls import path

from spinepath.assessment import views

urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/assess/",
        views.assessment_create,
        name="assessment_create",
    ),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:decision_id>/rerun/", views.decision_rerun, name="decision_rerun"),
]
