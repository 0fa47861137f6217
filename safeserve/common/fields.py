"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact

from safeserve.common.lib import crypto


class EncryptedCharField(models.CharField):
    """A short text stored encrypted (common/lib/crypto.py): ``max_length`` bounds the text
    as typed, the column holds the longer sealed form. An empty value stays empty. Values are
    sealed with a fresh nonce, so the column cannot be searched: look a value up by a blind
    index kept beside it."""

    def db_type(self, connection: Any) -> str | None:
        return models.TextField().db_type(connection)

    def cast_db_type(self, connection: Any) -> str | None:
        return models.TextField().cast_db_type(connection)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, "") or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, "") or not crypto.is_encrypted(value):
            return value  # written before encryption; reencrypt_fields seals it
        return crypto.decrypt(value)


@EncryptedCharField.register_lookup
class EmptyOnlyExact(Exact):
    """``field=""`` still works; any other value would never match a sealed column."""

    lookup_name = "exact"

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(f"{self.lhs.target.name} is encrypted: look it up by its blind index")
        return super().get_prep_lookup()


def seal_existing(app_label: str, model_name: str, *fields: str) -> Any:
    """A migration step sealing values written before the fields were encrypted."""

    def run(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        for row in model.objects.all().iterator():
            values = {name: getattr(row, name) for name in fields}
            # Saved again through EncryptedCharField: sealed on the way in.
            model.objects.filter(pk=row.pk).update(**values)

    return run
