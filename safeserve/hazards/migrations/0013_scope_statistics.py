from django.db import migrations

from safeserve.common.db.statistics import scope_statistics


class Migration(migrations.Migration):
    dependencies = [("hazards", "0012_open_index_found_at")]

    operations = [
        scope_statistics(
            "hazards_hazard",
            ["purchaser_id", "provider_org_id", "routed_department_id", "routed_township_id"],
        ),
        scope_statistics("hazards_notice", ["purchaser_id", "provider_org_id"]),
        scope_statistics(
            "hazards_majorhazardreport",
            ["purchaser_id", "provider_org_id", "department_id", "copied_township_id"],
        ),
    ]
