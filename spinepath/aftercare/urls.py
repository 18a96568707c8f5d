from django.urls import path

from spinepath.aftercare import views

urlpatterns = [
    path(
        "consents/<int:consent_id>/patient-information/",
        views.plan_information,
        name="plan_information",
    ),
    path(
        "consents/<int:consent_id>/patient-information/pdf/",
        views.plan_information_pdf,
        name="plan_information_pdf",
    ),
    path("procedures/<int:pk>/aftercare/", views.aftercare_leaflet, name="aftercare_leaflet"),
    path(
        "procedures/<int:pk>/aftercare/pdf/",
        views.aftercare_leaflet_pdf,
        name="aftercare_leaflet_pdf",
    ),
]
