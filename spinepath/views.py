"""Pages that belong to no one app: the reference list that every cited source links to."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spinepath.clinical.sources import all_sources


@login_required
def references(request: HttpRequest) -> HttpResponse:
    return render(request, "references.html", {"sources": list(all_sources().values())})
