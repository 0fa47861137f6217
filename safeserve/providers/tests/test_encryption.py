"""ID numbers and phones are encrypted at rest: a dump of the database alone shows none of
them, exact look-ups and uniqueness go through the blind index, masking is as before, and the
keys rotate with reencrypt_fields."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from safeserve.accounts.models import User
from safeserve.audit.models import AuditEvent
from safeserve.common.lib import crypto
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import Organization
from safeserve.providers.models import Expert, Provider


def _dump() -> str:
    """Every row of every table, as text: what a stolen database dump holds."""
    lines: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 — names from the schema
            lines.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(lines)


def _secrets() -> set[str]:
    values = set()
    for expert in Expert.objects.all():
        values |= {expert.id_number, expert.phone}
    values |= set(User.objects.values_list("phone", flat=True))
    values |= set(Enterprise.objects.values_list("contact_phone", flat=True))
    values |= set(Organization.objects.values_list("contact_phone", flat=True))
    values |= set(Provider.objects.values_list("contact_phone", flat=True))
    return {v for v in values if v}


def test_a_database_dump_holds_no_id_number_or_phone_in_clear(directory):
    secrets = _secrets()
    assert len(secrets) > 50  # the directory's experts, users, enterprises
    dump = _dump()
    leaked = sorted(value for value in secrets if value in dump)
    assert leaked == []


def test_the_orm_reads_them_back_and_the_column_is_sealed(directory):
    expert = Expert.objects.exclude(phone="").first()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM providers_expert WHERE id = %s", [expert.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id.startswith("enc1:") and stored_phone.startswith("enc1:")
    assert crypto.decrypt(stored_id) == expert.id_number
    assert len(expert.id_number) == 18


def test_one_expert_per_id_number_through_the_blind_index(directory):
    expert = Expert.objects.first()
    clone = Expert(name="重复", id_number=expert.id_number, employer=expert.employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_an_expert_is_found_by_exact_id_number_on_the_page_and_in_the_api(directory, login, api):
    expert = Expert.objects.filter(employer__name="安平安科安全技术咨询有限公司").first()
    officer = directory["county_officer"]
    listed = api(officer).get(f"/api/v1/experts/?id_number={expert.id_number}")
    assert [row["id"] for row in listed.json()["results"]] == [expert.pk]
    township = api(directory["township_officer"]).get(
        f"/api/v1/experts/?id_number={expert.id_number}"
    )
    assert [row["id"] for row in township.json()["results"]] == [expert.pk]
    assert expert.id_number not in township.content.decode()  # masked as before
    page = login(officer).get(f"/providers/experts/?id_number={expert.id_number.lower()}")
    assert [e.pk for e in page.context["page"].object_list] == [expert.pk]


def test_an_encrypted_column_cannot_be_searched_by_mistake(directory):
    with pytest.raises(Exception, match="blind index"):
        list(Expert.objects.filter(id_number="110101199003074514"))
    assert Expert.objects.filter(phone="").exists() in (True, False)  # empty still works


def test_keys_rotate_with_reencrypt_fields(directory, settings):
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    expert = Expert.objects.first()
    number = expert.id_number
    new = "rotated-field-encryption-key-" + "n" * 32
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        assert Expert.objects.get(pk=expert.pk).id_number == number  # old key still reads
        call_command("reencrypt_fields", stdout=open("/dev/null", "w"))  # noqa: SIM115
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number FROM providers_expert WHERE id = %s", [expert.pk])
            stored = cursor.fetchone()[0]
        assert crypto.under_newest_key(stored)
        resealed = AuditEvent.objects.get(action="data.resealed")
        assert resealed.after["rows"]["providers.Expert"] == Expert.objects.count()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old key dropped
        assert Expert.objects.get(pk=expert.pk).id_number == number
