from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

from spinepath.api import api
from spinepath.clinical.sources import all_sources

# A minimal references page so decision pages can link their sources (h4); h6's full page
# replaces this view at merge, keeping the URL name ``references`` and ``id="source-<key>"``.
_REFERENCES = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}References{% endblock %}{% block content %}'
    '<h2>References</h2><ol class="references">{% for s in sources %}'
    '<li id="{{ s.anchor }}" value="{{ forloop.counter }}">{{ s.label }} {{ s.citation }}</li>'
    "{% endfor %}</ol>{% endblock %}"
)


@login_required
def references(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        _REFERENCES.render({"sources": all_sources().values()}, request)  # type: ignore[arg-type]
    )


urlpatterns = [
    path("", include("spinepath.patients.urls")),
    path("", include("spinepath.accounts.urls")),
    path("", include("spinepath.assessment.urls")),
    path("", include("spinepath.procedures.urls")),
    path("", include("spinepath.onward.urls")),
    path("", include("spinepath.questionnaires.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(success_url="/"),
        name="password_change",
    ),
    path("references/", references, name="references"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "spinepath.accounts.views.permission_denied"
