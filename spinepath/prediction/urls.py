from django.urls import path

from spinepath.prediction import views

urlpatterns = [
    path("outcomes/prediction/", views.prediction_models, name="prediction_models"),
]
