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
