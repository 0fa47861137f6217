from typing import Any

from django.core.management.base import BaseCommand, CommandError

from safeserve.audit.verification import verify_all


class Command(BaseCommand):
    help = "Recompute every audit hash chain; print OK or the first broken link per chain."

    def handle(self, *args: Any, **options: Any) -> None:
        results = verify_all()
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
        if broken:
            raise CommandError(f"{broken} audit chain(s) broken")
