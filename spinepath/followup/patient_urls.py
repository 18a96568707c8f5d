"""Addresses a patient uses: ``/f/<token>`` once, then token-free pages (fixed names first);
and the staff pages about the messages sent to them."""

from django.urls import path

from spinepath.followup import message_views, patient_views

urlpatterns = [
    path("follow-up/messages/", message_views.message_log, name="followup_messages"),
    path(
        "follow-up/time-points/<int:time_point_id>/resend/",
        message_views.resend,
        name="followup_resend",
    ),
    path("f/date-of-birth", patient_views.date_of_birth, name="followup_patient_dob"),
    path("f/questions/<int:step>", patient_views.question, name="followup_patient_question"),
    path("f/check", patient_views.check_answers, name="followup_patient_check"),
    path("f/done", patient_views.done, name="followup_patient_done"),
    path("f/<str:token>", patient_views.open_link, name="followup_patient_link"),
]
