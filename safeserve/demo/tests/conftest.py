"""The province fixture's small county, for the tests of the chain and its tallies."""

from __future__ import annotations

from typing import Any

import pytest

from safeserve.demo.enterprises import seed_enterprises
from safeserve.organizations.models import Organization, OrganizationKind, Region, RegionLevel


@pytest.fixture
def province_county(world: Any) -> Region:
    city = Region.objects.get(level=RegionLevel.CITY)
    county = Region.objects.create(
        code="990299", name="试点县", level=RegionLevel.COUNTY, parent=city
    )
    for n, name in enumerate(["东镇", "西镇"]):
        Region.objects.create(
            code=f"990299{100 + n}", name=name, level=RegionLevel.TOWNSHIP, parent=county
        )
    Organization.objects.create(
        county=county, region=county, kind=OrganizationKind.COUNTY_OFFICE, name="试点县安委办"
    )
    seed_enterprises(county, 60, seed=7)
    return county
