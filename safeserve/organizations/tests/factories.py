from __future__ import annotations

import factory

from safeserve.accounts.models import User
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel, Role


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"98{n:04d}")
    name = factory.Sequence(lambda n: f"测试县{n}")
    level = RegionLevel.COUNTY


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = OrganizationKind.PROVIDER
    county = factory.SubFactory(RegionFactory)
    region = factory.SelfAttribute("county")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.OFFICER
    password = factory.PostGenerationMethodCall("set_password", "demo-Pass-2026")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()
