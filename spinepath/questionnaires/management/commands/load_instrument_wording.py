import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from spinepath.clinical.instruments import check_wording
from spinepath.questionnaires.models import LicensedWording


class Command(BaseCommand):
    help = (
        "Load a clinic's licensed questionnaire wording (ODI, RMDQ, STarT Back) from a JSON file "
        'shaped {"odi": {"s1": {"text": "...", "options": ["...", ...]}, ...}, ...}. '
        "The wording is stored in the database, never in the repository."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{file} is not valid JSON: {exc}") from exc
        problems = check_wording(data)
        if problems:
            raise CommandError(
                "The wording does not fit the questionnaires; nothing was loaded:\n- "
                + "\n- ".join(problems)
            )
        with transaction.atomic():
            for code, items in data.items():
                LicensedWording.objects.update_or_create(
                    instrument=code,
                    defaults={
                        "wording": items,
                        "source_name": file.name,
                        "loaded_at": timezone.now(),
                    },
                )
                self.stdout.write(f"Loaded wording for {code}: {len(items)} items.")
