from django.urls import path

from spinepath.aftercare import programme_views, views

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

urlpatterns += [
    path(
        "episodes/<uuid:episode_id>/programme/new/",
        programme_views.programme_new,
        name="programme_new",
    ),
    path(
        "programmes/<int:programme_id>/", programme_views.programme_detail, name="programme_detail"
    ),
    path(
        "programmes/<int:programme_id>/edit/", programme_views.programme_edit, name="programme_edit"
    ),
    path(
        "programmes/<int:programme_id>/print/",
        programme_views.programme_print,
        name="programme_print",
    ),
    path(
        "programmes/<int:programme_id>/adherence/",
        programme_views.programme_adherence,
        name="programme_adherence",
    ),
]
