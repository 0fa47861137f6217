"""Experts' ID numbers and phones, and providers' contact phones, encrypted at rest; experts
found and kept unique by a blind index of the ID number (safeserve/common/lib/crypto.py)."""

from django.db import migrations, models

import safeserve.common.fields
from safeserve.common.lib.crypto import blind_index


def seal(apps, schema_editor):
    Expert = apps.get_model("providers", "Expert")
    Provider = apps.get_model("providers", "Provider")
    for expert in Expert.objects.all().iterator():
        Expert.objects.filter(pk=expert.pk).update(
            id_number=expert.id_number,  # sealed on the way in (EncryptedCharField)
            id_number_index=blind_index(expert.id_number),
            phone=expert.phone,
        )
    for provider in Provider.objects.exclude(contact_phone="").iterator():
        Provider.objects.filter(pk=provider.pk).update(contact_phone=provider.contact_phone)


class Migration(migrations.Migration):
    dependencies = [("providers", "0002_alter_provider_attestation_file_and_more")]

    operations = [
        migrations.AlterField(
            model_name="expert",
            name="id_number",
            field=safeserve.common.fields.EncryptedCharField(max_length=18, verbose_name="ID number"),
        ),
        migrations.AlterField(
            model_name="expert",
            name="phone",
            field=safeserve.common.fields.EncryptedCharField(
                blank=True, max_length=20, verbose_name="phone"
            ),
        ),
        migrations.AlterField(
            model_name="provider",
            name="contact_phone",
            field=safeserve.common.fields.EncryptedCharField(
                blank=True, max_length=30, verbose_name="contact phone"
            ),
        ),
        migrations.AddField(
            model_name="expert",
            name="id_number_index",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(seal, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="expert",
            name="id_number_index",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
