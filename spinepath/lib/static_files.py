"""With DEBUG off, every page names its CSS and scripts through the manifest that
``collectstatic`` writes. Without it each page would fail with a server error, so start-up stops
first with a message that says what to run."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages


def missing_manifest() -> str | None:
    """The problem in words, or None when the static files are ready to serve."""
    storage = storages["staticfiles"]
    if settings.DEBUG or not isinstance(storage, ManifestFilesMixin):
        return None
    manifest = Path(settings.STATIC_ROOT) / storage.manifest_name
    if manifest.is_file():
        return None
    return (
        f"The static files have not been collected: {manifest} is missing, so with DEBUG off "
        "every page would fail. Run `python manage.py collectstatic --no-input` first "
        "(or set DEBUG=1 on a developer's machine)."
    )


def require_collected_static_files() -> None:
    """Raise at start-up (wsgi.py) when the static files are not collected."""
    problem = missing_manifest()
    if problem:
        raise ImproperlyConfigured(problem)
