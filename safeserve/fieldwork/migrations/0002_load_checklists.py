from django.db import migrations


def load(apps, schema_editor):
    from safeserve.fieldwork.checklists import load_shipped

    load_shipped(apps.get_model("fieldwork", "ChecklistTemplate"), apps.get_model("fieldwork", "ChecklistItem"))


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
