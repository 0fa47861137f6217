from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeserve.audit.digests import check_digest, read_digests
from safeserve.audit.verification import verify_and_record


class Command(BaseCommand):
    help = (
        "Recompute every audit hash chain; print OK or the first broken link per chain. With "
        "--against FILE, also check the chains against signed digests kept outside the "
        "database (from the county office's downloads or a backup): events removed from the "
        "end or rewritten since a digest are found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--against",
            metavar="FILE",
            help="a file of signed digests (one JSON object, a list, or one per line)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results = verify_and_record()
        broken = 0
        for result in results:
            if result.ok:
                self.stdout.write(f"OK      {result.key}: {result.events} events")
            else:
                broken += 1
                self.stdout.write(
                    f"BROKEN  {result.key}: first broken link at seq {result.seq} "
                    f"(event id {result.event_id}): {result.problem}"
                )
        if not results:
            self.stdout.write("OK      no audit events yet")
        if options["against"]:
            path = Path(options["against"])
            try:
                documents = read_digests(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the digests in {path}: {exc}") from None
            for document in documents:
                check = check_digest(document)
                if check.ok:
                    self.stdout.write(f"DIGEST  {check.chain}: matches at seq {check.seq}")
                else:
                    broken += 1
                    self.stdout.write(f"TAMPERED {check.chain}: {check.problem}")
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken or not matching their digests")
