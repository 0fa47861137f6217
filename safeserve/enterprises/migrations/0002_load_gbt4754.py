"""Loads the GB/T 4754-2017 divisions and the default industry → sector mapping shipped in
``safeserve/enterprises/data`` (copied from shared/domain). Counties edit their own rows."""

from django.db import migrations

from safeserve.enterprises.reference import load_gbt4754


def load(apps, schema_editor):
    load_gbt4754(apps.get_model("enterprises", "IndustryDivision"),
                 apps.get_model("enterprises", "SectorRule"))


def unload(apps, schema_editor):
    apps.get_model("enterprises", "SectorRule").objects.filter(county__isnull=True).delete()
    apps.get_model("enterprises", "IndustryDivision").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
