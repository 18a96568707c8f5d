from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from spinepath import patient_aftercare, views
from spinepath.accounts import mfa
from spinepath.api import api, api_docs

urlpatterns = [
    # Pages that show every stage of the pathway (see spinepath/views.py).
    path("", views.dashboard, name="dashboard"),
    path("worklists/<slug:stage>/", views.stage_worklist_page, name="stage_worklist"),
    path("patients/<uuid:patient_id>/", views.patient_detail, name="patient_detail"),
    path("episodes/<uuid:episode_id>/", views.episode_detail, name="episode_detail"),
    path("", include("spinepath.patients.urls")),
    path("", include("spinepath.assessment.urls")),
    path("", include("spinepath.procedures.urls")),
    path("", include("spinepath.onward.urls")),
    path("", include("spinepath.questionnaires.urls")),
    path("", include("spinepath.followup.urls")),
    path("", include("spinepath.patientinfo.urls")),
    path("", include("spinepath.aftercare.urls")),
    path("", include("spinepath.fhir.urls")),
    path("", include("spinepath.analytics.urls")),
    path("", include("spinepath.prediction.urls")),
    path("", include("spinepath.scheduling.urls")),
    # The patient's aftercare page, in their follow-up session (before /f/<token> catches it).
    path("f/aftercare", patient_aftercare.aftercare_page, name="patient_aftercare"),
    path("f/aftercare/log", patient_aftercare.log_exercise, name="patient_aftercare_log"),
    path("f/aftercare/advice.pdf", patient_aftercare.aftercare_pdf, name="patient_aftercare_pdf"),
    path("f/aftercare/your-procedure.pdf", patient_aftercare.plan_pdf, name="patient_plan_pdf"),
    path("", include("spinepath.scheduling.patient_urls")),
    path("", include("spinepath.followup.patient_urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/", mfa.mfa, name="mfa"),
    path("mfa/recovery-codes/", mfa.recovery_codes, name="mfa_recovery_codes"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("references/", views.references, name="references"),
    path("api/v1/docs", api_docs, name="api_docs"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "spinepath.accounts.views.permission_denied"
