from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from safeserve.common.db.tally import differences, rebuild
from safeserve.fieldwork.models import ServiceTask
from safeserve.hazards.models import Hazard

TALLIED = (Hazard, ServiceTask)


class Command(BaseCommand):
    help = (
        "Check that the hazard and task tallies (the totals of lists past 10,000 rows and "
        "the dashboards' figures) equal the rows they count; with --rebuild, count them "
        "again from the rows (after a bulk load outside the services). Exits non-zero when a "
        "tally is wrong and was not rebuilt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rebuild", action="store_true", help="count every tally again from its rows"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        wrong = 0
        for model, tally in [(counted, t) for counted in TALLIED for t in counted.tallies]:
            name = f"{model.__name__} ({tally.__name__})"
            if options["rebuild"]:
                groups = rebuild(tally, model._base_manager.all())
                self.stdout.write(f"REBUILT {name}: {groups} groups")
                continue
            found = differences(tally, model._base_manager.all())
            if not found:
                self.stdout.write(f"OK      {name}")
                continue
            wrong += 1
            self.stdout.write(f"WRONG   {name}: {len(found)} groups differ")
            for key, (tallied, counted) in sorted(found.items(), key=str)[:20]:
                self.stdout.write(f"        {key}: tallied {tallied}, counted {counted}")
        if wrong:
            raise CommandError("Some tallies are wrong: run manage.py tallies --rebuild.")
