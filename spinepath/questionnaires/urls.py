from django.urls import path

from spinepath.questionnaires import views

urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/baseline/",
        views.baseline_questionnaires,
        name="baseline_questionnaires",
    ),
]
