from django.urls import path

from spinepath.analytics import views

urlpatterns = [
    path("outcomes/", views.outcomes, name="outcomes"),
    path("outcomes/procedures/", views.procedures, name="outcomes_procedures"),
    path("outcomes/research-extract.zip", views.research_extract, name="outcomes_extract"),
]
