from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from safeserve.common.exceptions import ApplicationError
from safeserve.operations.backups import backup_create


class Command(BaseCommand):
    help = (
        "Write a dated backup of the database and the uploaded files, with a checksum "
        "manifest, into BACKUP_DIR; keep the newest BACKUP_KEEP backups there. The keys "
        "(SECRET_KEY, …) are not in it: only their fingerprints."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, help="write here instead of BACKUP_DIR")
        parser.add_argument("--keep", type=int, help="keep this many instead of BACKUP_KEEP")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["keep"] is not None and options["keep"] < 1:
            raise CommandError(_("--keep must be at least 1."))
        try:
            result = backup_create(directory=options["dir"], keep=options["keep"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from None
        manifest = result.manifest
        size = sum(p.stat().st_size for p in result.path.rglob("*") if p.is_file())
        self.stdout.write(
            _(
                "Backup written to %(path)s: %(tables)d tables, %(rows)d rows, "
                "%(files)d files, %(mb).1f MB"
            )
            % {
                "path": result.path,
                "tables": len(manifest["row_counts"]),
                "rows": sum(manifest["row_counts"].values()),
                "files": len(manifest["files"]) - 1,
                "mb": size / 1024 / 1024,
            }
        )
        for path in result.removed:
            self.stdout.write(_("Removed the old backup %(path)s") % {"path": path})
        for key, chain in sorted(manifest["audit"].items()):
            if not chain["ok"]:
                # Still a backup worth keeping (it preserves the evidence), but say so.
                self.stderr.write(
                    _("Warning: audit chain %(key)s is broken; run verify_audit.") % {"key": key}
                )
