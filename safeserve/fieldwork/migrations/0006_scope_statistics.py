from django.db import migrations

from safeserve.common.db.statistics import scope_statistics


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0005_tallies")]

    operations = [
        scope_statistics("fieldwork_servicetask", ["purchaser_id", "provider_org_id"]),
    ]
