"""Loads the GB/T 4754-2017 divisions and the default industry → sector mapping shipped in
``safeserve/enterprises/data`` (copied from shared/domain). Counties edit their own rows."""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    IndustryDivision = apps.get_model("enterprises", "IndustryDivision")
    SectorRule = apps.get_model("enterprises", "SectorRule")
    with open(DATA / "gbt4754_2017_divisions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            IndustryDivision.objects.update_or_create(
                code=row["division"],
                defaults={"section": row["section"], "section_name": row["section_name"],
                          "name": row["division_name"]},
            )
            if row["suggested_high_risk_sector"]:
                SectorRule.objects.update_or_create(
                    county=None, prefix=row["division"],
                    defaults={"sector": row["suggested_high_risk_sector"],
                              "name": row["division_name"]},
                )
    with open(DATA / "gbt4754_2017_classes.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            SectorRule.objects.update_or_create(
                county=None, prefix=row["code"][1:],
                defaults={"sector": row["suggested_high_risk_sector"], "name": row["name"],
                          "note": row["note"][:200]},
            )


def unload(apps, schema_editor):
    apps.get_model("enterprises", "SectorRule").objects.filter(county__isnull=True).delete()
    apps.get_model("enterprises", "IndustryDivision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
