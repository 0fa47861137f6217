from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from safeserve.audit.services import audit_record
from safeserve.common.fields import EncryptedCharField


class Command(BaseCommand):
    help = (
        "Seal every encrypted value (ID numbers, phones) again under the newest key of "
        "FIELD_ENCRYPTION_KEYS. Rotate by putting a new key first, running this, then dropping "
        "the old key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealed: dict[str, int] = {}
        for model in apps.get_models():
            fields = [f.name for f in model._meta.fields if isinstance(f, EncryptedCharField)]
            if not fields:
                continue
            count = 0
            with transaction.atomic():
                for row in model._default_manager.all().only("pk", *fields).iterator():
                    values = {name: getattr(row, name) for name in fields}
                    if any(values.values()):
                        model._default_manager.filter(pk=row.pk).update(**values)
                        count += 1
            label = model._meta.label
            sealed[label] = count
            self.stdout.write(f"{label}: {count} rows sealed under the newest key")
        audit_record(action="data.resealed", after={"rows": sealed})
