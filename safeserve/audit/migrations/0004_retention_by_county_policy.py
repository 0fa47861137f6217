"""Audit events are kept for the county policy's retention period on both databases: the
PostgreSQL trigger reads the policy instead of a fixed 190 days, and SQLite gets the DELETE
trigger it lacked (its flush lifts it: safeserve/common/db/sqlite3)."""

from django.db import migrations

from safeserve.common.db.retention import (
    POSTGRESQL,
    SQLITE_DELETE_TRIGGER,
    SQLITE_DROP_DELETE_TRIGGER,
)

PG_BACKWARD = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.created_at > now() - interval '190 days' THEN
        RAISE EXCEPTION 'audit events younger than 190 days cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DELETE_TRIGGER)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP_DELETE_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_auditdigest"),
        ("common", "0005_countypolicy_audit_retention_days"),
    ]

    operations = [migrations.RunPython(forward, backward)]
