"""Test worlds built from the session's seeded demo."""

from __future__ import annotations

from safeserve.accounts.models import User
from safeserve.enterprises.models import Enterprise
from safeserve.organizations.models import Organization
from safeserve.providers import models as p


def without_directory(world: dict[str, User]) -> dict[str, User]:
    """Removes, inside the test's transaction, what the directory seeded: every enterprise,
    and every provider record beyond the two organizations with logins."""
    for model in (
        p.ExpertPoolMembership,
        p.ExpertCertificate,
        p.ExpertSpecialty,
        p.Expert,
        p.Debarment,
        p.ViolationRecord,
        p.ProviderAdmission,
        p.Qualification,
        p.ProviderEquipment,
        p.Provider,
        Enterprise,
    ):
        model.objects.all().delete()
    with_logins = {u.organization_id for u in world.values() if u.organization_id}
    Organization.objects.filter(kind="provider").exclude(pk__in=with_logins).delete()
    return world
