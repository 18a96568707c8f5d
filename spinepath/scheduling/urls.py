from django.urls import path

from spinepath.scheduling import views

urlpatterns = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/day-list/", views.day_list, name="day_list"),
    path("bookings/<int:booking_id>/<slug:change>/", views.booking_change, name="booking_change"),
    path("waiting-list/", views.waiting, name="waiting_list"),
    path("waiting-list/<uuid:episode_id>/pause/<slug:change>/", views.rtt_pause, name="rtt_pause"),
]
