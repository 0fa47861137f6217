from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from safeserve.audit.services import audit_record
from safeserve.fieldwork.checklists import load_shipped
from safeserve.fieldwork.models import ChecklistItem, ChecklistTemplate, InspectionAnswer


class Command(BaseCommand):
    help = "Load or refresh the shipped checklist templates (national major-hazard criteria)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            count = load_shipped(ChecklistTemplate, ChecklistItem, InspectionAnswer)
            audit_record(
                action="checklists.loaded", actor="load_checklists", after={"items": count}
            )
        self.stdout.write(f"{count} checklist items loaded")
