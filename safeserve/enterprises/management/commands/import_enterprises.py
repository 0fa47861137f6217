from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from safeserve.accounts.models import User
from safeserve.common.choices import ImportStatus
from safeserve.common.exceptions import ApplicationError
from safeserve.enterprises.importing import import_job_create, import_job_run


class Command(BaseCommand):
    help = (
        "Import an enterprise spreadsheet (.xlsx) as the given user: the same checks and "
        "all-or-nothing write as the web page. Prints the row report on refusal."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="username of the importing county-office or township user"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        user = User.objects.select_related("organization").filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        with path.open("rb") as handle:
            try:
                job = import_job_create(
                    actor=user, upload=handle, filename=path.name, size=path.stat().st_size
                )
            except ApplicationError as exc:
                raise CommandError(str(exc.message)) from None
            except PermissionDenied as exc:
                raise CommandError(str(exc)) from None
        job = import_job_run(job.pk)
        if job.status == ImportStatus.SUCCEEDED:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Imported {job.total_rows} rows: {job.created_count} created, "
                    f"{job.updated_count} updated (job {job.pk})."
                )
            )
            return
        for error in job.errors:
            self.stdout.write(
                f"row {error['row']}\t{error['column']}\t{error['value']}\t{error['reason']}"
            )
        raise CommandError(f"Nothing imported: {job.error_count} problem(s) (job {job.pk}).")
