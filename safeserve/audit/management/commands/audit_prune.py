from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from safeserve.audit.retention import audit_prune


class Command(BaseCommand):
    help = (
        "Remove audit events older than each county's retention period (county policy, at "
        "least 180 days), recording the removal in the chain. --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        results = audit_prune(dry_run=options["dry_run"])
        verb = "would remove" if options["dry_run"] else "removed"
        for result in results:
            self.stdout.write(
                f"{result.chain}: {verb} {result.removed} events through seq "
                f"{result.through_seq} (kept {result.retention_days} days)"
            )
        if not results:
            self.stdout.write("nothing past its retention period")
