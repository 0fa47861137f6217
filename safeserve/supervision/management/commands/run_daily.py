from typing import Any

from django.core.management.base import BaseCommand

from safeserve.contracts.services import start_due_contracts


class Command(BaseCommand):
    help = (
        "The daily time-based transitions (schedule with cron or a systemd timer): signed "
        "contracts whose service period has begun start service."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = start_due_contracts()
        self.stdout.write(f"contracts started: {started}")
