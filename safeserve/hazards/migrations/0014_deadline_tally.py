import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, DateField, F, Q, When
from django.db.models.functions import TruncMonth

from safeserve.common.db.tally import Derived, rebuild


def _month_while_open(status, deadline):
    return None if status == "closed" else deadline.replace(day=1)


def _month_while_open_sql():
    open_deadline = Case(
        When(~Q(status="closed"), then=F("deadline")), default=None, output_field=DateField()
    )
    return TruncMonth(open_deadline, output_field=DateField())


def fill(apps, schema_editor):
    """Counts what is already there (common/db/tally.py), with this migration's own copy of
    the model's rule: a migration must not change when the model does."""
    rebuild(
        apps.get_model("hazards", "HazardDeadlineTally"),
        apps.get_model("hazards", "Hazard").objects.all(),
        (
            "county_id",
            "purchaser_id",
            "provider_org_id",
            "routed_department_id",
            "routed_township_id",
            "open_month",
        ),
        {"open_month": Derived(("status", "deadline"), _month_while_open, _month_while_open_sql)},
    )


def _dimension(null=False, to="organizations.organization"):
    return models.ForeignKey(
        db_constraint=False,
        null=null,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0013_scope_statistics"),
        ("organizations", "0003_alter_organization_contact_phone"),
    ]

    operations = [
        migrations.CreateModel(
            name="HazardDeadlineTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(editable=False, max_length=200, unique=True)),
                ("n", models.BigIntegerField(default=0)),
                ("open_month", models.DateField(null=True)),
                ("county", _dimension(to="organizations.region")),
                ("provider_org", _dimension()),
                ("purchaser", _dimension()),
                ("routed_department", _dimension(null=True)),
                ("routed_township", _dimension(null=True)),
            ],
            options={
                "verbose_name": "hazard tally by deadline month",
                "verbose_name_plural": "hazard tallies by deadline month",
            },
        ),
        migrations.AddIndex(
            model_name="hazard",
            index=models.Index(
                condition=models.Q(("status", "closed"), _negated=True),
                fields=["deadline"],
                name="hazard_open_deadline_idx",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
