"""Notices issued before documents existed get what they need to be signed, as
notice_document_create gives a new one: the lead expert's signature, and the provider's seal
when its staff issued the notice."""

import secrets

from django.db import migrations

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def forward(apps, schema_editor):
    Notice = apps.get_model("hazards", "Notice")
    SignedDocument = apps.get_model("documents", "SignedDocument")
    DocumentSignature = apps.get_model("documents", "DocumentSignature")
    TaskAssignment = apps.get_model("fieldwork", "TaskAssignment")
    for notice in Notice.objects.filter(document__isnull=True).select_related(
        "contract", "issued_by"
    ):
        document = SignedDocument.objects.create(
            county_id=notice.county_id,
            provider_id=notice.contract.provider_id,
            kind="notice",
            number=notice.number,
            check_code="".join(secrets.choice(ALPHABET) for _ in range(8)),
            notice=notice,
        )
        lead = (
            TaskAssignment.objects.filter(task_id=notice.task_id, role="lead")
            .select_related("expert")
            .first()
        )
        position = 0
        if lead is not None and lead.expert.user_id is not None:
            position += 1
            DocumentSignature.objects.create(
                document=document,
                position=position,
                role="expert",
                signer_id=lead.expert.user_id,
                signer_name=lead.expert.name,
            )
        if position == 0 or notice.issued_by.role != "expert":
            DocumentSignature.objects.create(
                document=document, position=position + 1, role="seal"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
        ("hazards", "0003_hazardfile_original_name_alter_hazardfile_file"),
        ("fieldwork", "0003_enterprisedocument_original_name_and_more"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
