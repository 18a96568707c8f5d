from django.urls import path

from spinepath.accounts import views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
]
