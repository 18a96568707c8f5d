"""The public patient information pages: no login, no patient data, the same text for everyone.

The words come from ``clinical.patient_info`` (the versioned data file); the templates add only
the page furniture, every string of it marked for translation.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from spinepath.clinical import patient_info


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "patientinfo/index.html",
        {"pages": patient_info.PAGES, "version": patient_info.PATIENT_INFO_VERSION},
    )


@require_safe
def information_page(request: HttpRequest, slug: str) -> HttpResponse:
    page = patient_info.page(slug)
    if page is None:
        raise Http404("No such information page")
    pages = patient_info.PAGES
    position = pages.index(page)
    return render(
        request,
        "patientinfo/page.html",
        {
            "page": page,
            "pages": pages,
            "previous": pages[position - 1] if position > 0 else None,
            "next": pages[position + 1] if position + 1 < len(pages) else None,
            "version": patient_info.PATIENT_INFO_VERSION,
        },
    )
