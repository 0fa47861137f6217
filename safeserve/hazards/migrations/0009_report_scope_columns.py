import django.db.models.deletion
from django.db import migrations, models


def copy_parties(apps, schema_editor):
    """The hazard's two parties onto each major-hazard report (issue 15: data scope)."""
    from django.db.models import OuterRef, Subquery

    report = apps.get_model("hazards", "MajorHazardReport")
    hazard = apps.get_model("hazards", "Hazard")
    parties = hazard.objects.filter(pk=OuterRef("hazard_id"))
    report.objects.update(
        purchaser_id=Subquery(parties.values("purchaser_id")[:1]),
        provider_org_id=Subquery(parties.values("provider_org_id")[:1]),
    )


def party(null: bool) -> models.ForeignKey:
    return models.ForeignKey(
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="organizations.organization",
    )


def order(*fields: str, name: str) -> migrations.AddIndex:
    return migrations.AddIndex(
        model_name="majorhazardreport",
        index=models.Index(fields=[*fields, "-created_at", "-id"], name=name),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0008_notice_scope_columns"),
        ("organizations", "0003_alter_organization_contact_phone"),
    ]

    operations = [
        migrations.AddField(model_name="majorhazardreport", name="purchaser", field=party(True)),
        migrations.AddField(
            model_name="majorhazardreport", name="provider_org", field=party(True)
        ),
        migrations.RunPython(copy_parties, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="majorhazardreport", name="purchaser", field=party(False)
        ),
        migrations.AlterField(
            model_name="majorhazardreport", name="provider_org", field=party(False)
        ),
        migrations.AlterModelOptions(
            name="majorhazardreport",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "major-hazard report",
                "verbose_name_plural": "major-hazard reports",
            },
        ),
        order(name="mhr_order_idx"),
        order("county", name="mhr_county_order_idx"),
        order("purchaser", name="mhr_purchaser_order_idx"),
        order("provider_org", name="mhr_provider_order_idx"),
    ]
