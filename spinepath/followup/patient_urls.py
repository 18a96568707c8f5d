"""Addresses a patient uses: ``/f/<token>`` once, then token-free pages (fixed names first)."""

from django.urls import path

from spinepath.followup import patient_views

urlpatterns = [
    path("f/date-of-birth", patient_views.date_of_birth, name="followup_patient_dob"),
    path("f/questions/<int:step>", patient_views.question, name="followup_patient_question"),
    path("f/check", patient_views.check_answers, name="followup_patient_check"),
    path("f/done", patient_views.done, name="followup_patient_done"),
    path("f/<str:token>", patient_views.open_link, name="followup_patient_link"),
]
