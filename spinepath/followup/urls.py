from django.urls import path

from spinepath.followup import views

urlpatterns = [
    path("follow-up/", views.worklist, name="followup_worklist"),
    path(
        "follow-up/time-points/<int:time_point_id>/answers/",
        views.enter_answers,
        name="followup_enter_answers",
    ),
    path(
        "procedures/<int:procedure_id>/next-step/",
        views.next_step,
        name="followup_next_step",
    ),
]
