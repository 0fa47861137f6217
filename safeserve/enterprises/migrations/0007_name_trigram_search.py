"""Name and pinyin search by substring served by trigram indexes on PostgreSQL (issue 15:
``LIKE '%…%'`` over a province's enterprises otherwise reads them all). SQLite keeps its
plain scan; the search itself is the same query on both."""

from django.db import migrations

INDEXES = {
    "enterprise_name_trgm_idx": "name",
    "enterprise_pinyin_trgm_idx": "pinyin_initials",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON enterprises_enterprise "
            f"USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0006_alter_enterprise_contact_phone")]

    operations = [migrations.RunPython(create, drop)]
