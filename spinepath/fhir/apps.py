from typing import Any

from django.apps import AppConfig
from django.core import checks


class FhirConfig(AppConfig):
    name = "spinepath.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(canonical_base_check)


def canonical_base_check(**_: Any) -> list[checks.CheckMessage]:
    """``SPINEPATH_FHIR_CANONICAL_BASE`` must be an absolute http(s) URL with nothing after the
    path: every code system and identifier spinepath sends is built on it."""
    from urllib.parse import urlsplit

    from django.conf import settings

    base = settings.SPINEPATH_FHIR_CANONICAL_BASE
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc and not (parts.query or parts.fragment):
        return []
    return [
        checks.Error(
            f"SPINEPATH_FHIR_CANONICAL_BASE is {base!r}: it must be an absolute http(s) URL "
            "without a query or fragment, such as https://fhir.your-trust.nhs.uk/spinepath.",
            id="fhir.E001",
        )
    ]
