from django.urls import path

from spinepath.fhir import views

urlpatterns = [
    path("fhir", views.import_bundle, name="fhir_import"),
    path("fhir/", views.import_bundle),
    path("fhir/metadata", views.metadata, name="fhir_metadata"),
    path(
        "fhir/Patient/<str:patient_id>/$everything",
        views.patient_everything,
        name="fhir_patient_everything",
    ),
    path("fhir/<str:resource_type>/<str:resource_id>", views.read_resource, name="fhir_read"),
]
