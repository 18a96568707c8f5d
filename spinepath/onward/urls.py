from django.urls import path

from spinepath.onward import views

urlpatterns = [
    path("episodes/<uuid:episode_id>/onward/", views.onward_record, name="onward_record"),
    path("onward/<int:action_id>/result/", views.onward_result, name="onward_result"),
]
