from django.urls import path

from spinepath.patientinfo import views

urlpatterns = [
    path("information/", views.index, name="information_index"),
    path("information/<slug:slug>/", views.information_page, name="information_page"),
]
