from django.urls import path

from spinepath.patients import audit_log, views

urlpatterns = [
    path("patients/search/", views.patient_search, name="patient_search"),
    path("patients/new/", views.patient_create, name="patient_create"),
    path("patients/<uuid:patient_id>/edit/", views.patient_edit, name="patient_edit"),
    path("patients/<uuid:patient_id>/rights/", views.patient_rights, name="patient_rights"),
    path("patients/restricted/", views.restricted_records, name="restricted_records"),
    path("patients/<uuid:patient_id>/episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<uuid:episode_id>/edit/", views.episode_edit, name="episode_edit"),
    path(
        "episodes/<uuid:episode_id>/discharge/",
        views.episode_discharge_page,
        name="episode_discharge",
    ),
    path("episodes/<uuid:episode_id>/reopen/", views.episode_reopen_page, name="episode_reopen"),
    path("audit/", audit_log.audit_log, name="audit_log"),
]
