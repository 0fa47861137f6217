import django.db.models.deletion
from django.db import migrations, models


def copy_parties(apps, schema_editor):
    """The task's two parties onto each notice (issue 15: data scope reads them)."""
    from django.db.models import OuterRef, Subquery

    notice = apps.get_model("hazards", "Notice")
    task = apps.get_model("fieldwork", "ServiceTask")
    parties = task.objects.filter(pk=OuterRef("task_id"))
    notice.objects.update(
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


class Migration(migrations.Migration):
    dependencies = [
        ("fieldwork", "0005_tallies"),
        ("hazards", "0007_tallies"),
        ("organizations", "0003_alter_organization_contact_phone"),
    ]

    operations = [
        migrations.AddField(model_name="notice", name="purchaser", field=party(True)),
        migrations.AddField(model_name="notice", name="provider_org", field=party(True)),
        migrations.RunPython(copy_parties, migrations.RunPython.noop),
        migrations.AlterField(model_name="notice", name="purchaser", field=party(False)),
        migrations.AlterField(model_name="notice", name="provider_org", field=party(False)),
        migrations.AlterModelOptions(
            name="notice",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "notice",
                "verbose_name_plural": "notices",
            },
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(fields=["-created_at", "-id"], name="notice_order_idx"),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                fields=["county", "-created_at", "-id"], name="notice_county_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                fields=["purchaser", "-created_at", "-id"], name="notice_purchaser_order_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="notice",
            index=models.Index(
                fields=["provider_org", "-created_at", "-id"], name="notice_provider_order_idx"
            ),
        ),
    ]
