from django.urls import path

from spinepath.procedures import views

urlpatterns = [
    path("episodes/<uuid:episode_id>/consent/", views.consent_create, name="consent_create"),
    path("consents/<int:consent_id>/", views.consent_detail, name="consent_detail"),
    path("consents/<int:consent_id>/pdf/", views.consent_pdf, name="consent_pdf"),
    path(
        "consents/<int:consent_id>/withdraw/",
        views.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("consents/<int:consent_id>/error/", views.consent_error_view, name="consent_error"),
]

urlpatterns += [
    path("episodes/<uuid:episode_id>/checklist/", views.checklist_create, name="checklist_create"),
    path("episodes/<uuid:episode_id>/procedure/", views.procedure_create, name="procedure_create"),
    path("procedures/<int:pk>/", views.procedure_detail, name="procedure_detail"),
    path("procedures/<int:pk>/error/", views.procedure_error_view, name="procedure_error"),
    path(
        "procedures/<int:pk>/discharge/",
        views.procedure_discharge_view,
        name="procedure_discharge",
    ),
]
