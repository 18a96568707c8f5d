from django.urls import path

from spinepath.scheduling import patient_views

# Fixed names first, so a token can never be mistaken for one.
urlpatterns = [
    path("b/date-of-birth", patient_views.date_of_birth, name="booking_patient_dob"),
    path("b/appointment", patient_views.appointment, name="booking_patient_page"),
    path("b/<str:token>", patient_views.open_link, name="booking_patient_link"),
]
