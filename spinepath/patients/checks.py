"""Start-up checks: a broken coding file must stop the app, not mislabel a patient."""

from typing import Any

from django.core import checks

from spinepath.clinical.coding import check_codebook, load_codebook


@checks.register()
def coding_file_is_complete(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        problems = check_codebook(load_codebook())
    except (OSError, KeyError, ValueError) as exc:
        problems = [f"the coding file cannot be read: {exc}"]
    return [checks.Error(p, id="spinepath.E001") for p in problems]


@checks.register()
def static_files_are_collected(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from spinepath.lib.static_files import missing_manifest

    problem = missing_manifest()
    return [checks.Error(problem, id="spinepath.E002")] if problem else []
