from django.urls import path

from spinepath.fhir import emergency, pages, record_pdf, views

urlpatterns = [
    path("exports/fhir/", pages.exports, name="fhir_exports"),
    path("emergency-access/", emergency.emergency_access, name="emergency_access"),
    path("emergency-access/<uuid:grant_id>/", emergency.emergency_record, name="emergency_record"),
    path(
        "patients/<uuid:patient_id>/record.pdf",
        record_pdf.patient_record_pdf,
        name="patient_record_pdf",
    ),
    path("fhir", views.import_bundle, name="fhir_import"),
    path("fhir/", views.import_bundle),
    path("fhir/metadata", views.metadata, name="fhir_metadata"),
    path("fhir/$export", views.export_kickoff, name="fhir_export"),
    path("fhir/$export-status/<str:job_id>", views.export_status, name="fhir_export_status"),
    path("fhir/$export-file/<str:job_id>/<str:name>", views.export_file, name="fhir_export_file"),
    path(
        "fhir/Patient/<str:patient_id>/$everything",
        views.patient_everything,
        name="fhir_patient_everything",
    ),
    path("fhir/<str:resource_type>/<str:resource_id>", views.read_resource, name="fhir_read"),
]
