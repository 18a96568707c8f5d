from django.urls import path

from spinepath.patients import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("patients/search/", views.patient_search, name="patient_search"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<uuid:patient_id>/episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<uuid:episode_id>/", views.episode_detail, name="episode_detail"),
    path("episodes/<uuid:episode_id>/edit/", views.episode_edit, name="episode_edit"),
    path(
        "episodes/<uuid:episode_id>/discharge/",
        views.episode_discharge_page,
        name="episode_discharge",
    ),
    path("episodes/<uuid:episode_id>/reopen/", views.episode_reopen_page, name="episode_reopen"),
]
