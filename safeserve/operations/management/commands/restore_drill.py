from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.drill import restore_drill


class Command(BaseCommand):
    help = (
        "Back up the database and storage, restore them into a fresh database and storage "
        "with `manage.py restore` in another process, and compare row counts, file checksums "
        "and audit chains. Exits non-zero on any difference. Needs CREATEDB on PostgreSQL."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--latest",
            action="store_true",
            help="restore the newest backup in BACKUP_DIR instead of making a new one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_drill(latest=options["latest"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        for line in report.lines:
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                _("The restore drill failed: %(count)d check(s) did not match (see above).")
                % {"count": len(report.problems)}
            )
        self.stdout.write(self.style.SUCCESS(_("Restore drill passed.")))
