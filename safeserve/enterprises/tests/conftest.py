"""The places and a few enterprises the directory's tests read."""

from __future__ import annotations

from typing import Any

import pytest

from safeserve.accounts.models import User
from safeserve.demo.testing import without_directory
from safeserve.enterprises.models import Enterprise
from safeserve.enterprises.tests.helpers import make_enterprise
from safeserve.organizations.models import Region


@pytest.fixture
def world(world: dict[str, User]) -> dict[str, User]:
    """The directory's tests count the enterprises they make: the world without the seeded
    directory."""
    return without_directory(world)


@pytest.fixture
def places(world: dict[str, User]) -> dict[str, Any]:
    county = world["county_officer"].organization.county
    return {
        "county": county,
        "chengguan": Region.objects.get(code="990121100"),
        "qingshi": Region.objects.get(code="990121101"),
        "other_county": Region.objects.get(code="990122"),
        "other_township": Region.objects.get(code="990122100"),
    }


@pytest.fixture
def sample(places: dict[str, Any]) -> dict[str, Enterprise]:
    from safeserve.common.lib.pinyin import initials_index

    def make(name: str, **kw: Any) -> Enterprise:
        return make_enterprise(places, name, pinyin_initials=initials_index(name), **kw)

    return {
        "textile": make("安平县恒丰纺织有限公司", serial=1, contact_phone="13912345678"),
        "chemical": make(
            "安平县长城化工有限公司", serial=2, code="C2614", sector="hazardous_goods"
        ),
        "builder": make(
            "安平县青石建设工程有限公司",
            serial=3,
            township="qingshi",
            code="E4710",
            sector="construction",
        ),
        "other": make(
            "长宁县某纺织有限公司", serial=4, township="other_township", county="other_county"
        ),
    }
