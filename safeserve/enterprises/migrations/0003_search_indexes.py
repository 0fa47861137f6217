"""Trigram indexes for substring search of names and pinyin initials on PostgreSQL
(pg_trgm); SQLite scans, which is fast enough for one county."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS enterprise_name_trgm ON enterprises_enterprise "
    "USING gin (name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS enterprise_pinyin_trgm ON enterprises_enterprise "
    "USING gin (pinyin_initials gin_trgm_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS enterprise_name_trgm",
    "DROP INDEX IF EXISTS enterprise_pinyin_trgm",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0002_load_gbt4754")]
    operations = [migrations.RunPython(forward, backward)]
