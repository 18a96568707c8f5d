from django.urls import path

from spinepath.assessment import ruleset_views, views

urlpatterns = [
    path(
        "episodes/<uuid:episode_id>/assess/",
        views.assessment_create,
        name="assessment_create",
    ),
    path("decisions/<int:decision_id>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:decision_id>/rerun/", views.decision_rerun, name="decision_rerun"),
    path("rulesets/", ruleset_views.rulesets, name="rulesets"),
    path("rulesets/propose/", ruleset_views.ruleset_propose_page, name="ruleset_propose"),
    path("rulesets/leads/", ruleset_views.clinical_leads, name="clinical_leads"),
    path("rulesets/<int:number>/", ruleset_views.ruleset_detail, name="ruleset_detail"),
    path("rulesets/<int:number>/decide/", ruleset_views.ruleset_decide, name="ruleset_decide"),
]
