from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.restores import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory (made by `manage.py backup`) into the configured database "
        "and storage, which must both be empty. Refuses, having written nothing, a damaged "
        "backup, one from a newer version or another database vendor, or one made with other "
        "keys."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup_path", type=Path, help="a backup directory")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_restore(options["backup_path"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(
            _(
                "Restored %(tables)d tables (%(rows)d rows) and %(files)d files from the backup "
                "of %(when)s."
            )
            % {
                "tables": result.tables,
                "rows": result.rows,
                "files": result.files,
                "when": result.manifest["created_at"],
            }
        )
