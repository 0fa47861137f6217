"""Fixtures shared by every app's tests: the demo world with its personas, and API clients."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from safeserve.accounts.models import User
from safeserve.accounts.otp import mark_verified
from safeserve.common.tests.browser import browser  # noqa: F401 — the browser tests' fixture
from safeserve.common.tests.clock import FROZEN_AT
from safeserve.demo.seed import seed
from safeserve.demo.testing import without_directory


@pytest.fixture(autouse=True)
def _frozen_clock() -> Any:
    """Every test runs on the same "today" (safeserve/common/tests/clock.py)."""
    with time_machine.travel(FROZEN_AT, tick=True):
        yield


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _stays_on_the_test_database(request: pytest.FixtureRequest) -> Any:
    """No test that uses the test database may leave the connection pointing anywhere else:
    the next test would read and write the real one (or fail where it does not exist). The
    production smoke tests use no test database and are left alone."""
    from django.db import connection

    yield
    if "django_db_setup" not in request.fixturenames:
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor == "postgresql":
        assert name.startswith("test_"), f"the connection now points at {name!r}"


@pytest.fixture(autouse=True)
def _tallies_agree(request: pytest.FixtureRequest) -> Any:
    """Whatever a test did through the services, the hazard and task tallies still equal the
    rows they count (common/db/tally.py): a verb that moved a row without its tally fails
    here, in the test that exercised it."""
    using = {"db", "transactional_db"} & set(request.fixturenames)
    if using:  # set up first, so this check runs before the rollback or flush
        request.getfixturevalue("transactional_db" if "transactional_db" in using else "db")
    yield
    if not using:
        return
    from safeserve.common.db.tally import differences
    from safeserve.fieldwork.models import ServiceTask
    from safeserve.hazards.models import Hazard

    for model in (Hazard, ServiceTask):
        for tally in model.tallies:
            wrong = differences(tally, model.objects.all())
            assert not wrong, f"{tally.__name__} (tallied, counted): {wrong}"


@pytest.fixture(autouse=True)
def _reference_data(request: pytest.FixtureRequest) -> None:
    """The flush after a transactional (browser) test also empties the tables data
    migrations fill; put the GB/T 4754 reference data and the shipped checklists back for
    the tests that use the db."""
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        from safeserve.enterprises.reference import ensure_gbt4754

        request.getfixturevalue(
            "transactional_db" if "transactional_db" in request.fixturenames else "db"
        )
        ensure_gbt4754()
        from safeserve.fieldwork.checklists import load_shipped
        from safeserve.fieldwork.models import ChecklistItem, ChecklistTemplate

        if not ChecklistTemplate.objects.exists():  # the shipped checklists, likewise
            load_shipped(ChecklistTemplate, ChecklistItem)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The demo counties, logins and directory (providers, experts, enterprises), seeded once
    per test database on the frozen clock and committed; each test runs in a transaction
    rolled back to it. After a transactional test flushes the database, ``world`` seeds it
    again."""
    with django_db_blocker.unblock(), time_machine.travel(FROZEN_AT, tick=False):
        seed(enterprises=DEMO_ENTERPRISES, procurement=False)


DEMO_ENTERPRISES = (40, 10)


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return "transactional_db" in fixtures or bool(marker and marker.kwargs.get("transaction"))


def _blocker(item: pytest.Item) -> Any:
    from pytest_django.plugin import blocking_manager_key

    return item.config.stash[blocking_manager_key]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test's own flush, the seeded world is committed again, once,
    so the tests after it roll back to it instead of seeding it each. Not after the last
    test: its teardown has already destroyed the test database, and the connection points at
    the real one again (seeding there filled a developer's database with the demo)."""
    result = yield
    if _is_transactional(item) and nextitem is not None:
        with _blocker(item).unblock(), time_machine.travel(FROZEN_AT, tick=False):
            seed(enterprises=DEMO_ENTERPRISES, procurement=False)
    return result


def _personas() -> dict[str, User]:
    if not User.objects.filter(username="admin").exists():  # a transactional test's own
        seed(enterprises=DEMO_ENTERPRISES, procurement=False)
    return {u.username: u for u in User.objects.select_related("organization")}


@pytest.fixture
def world(db: Any) -> dict[str, User]:
    """The demo counties and every demo login of DESIGN.md §6 by username, with the
    directory (``bare_world`` leaves it out)."""
    return _personas()


@pytest.fixture
def directory(world: dict[str, User]) -> dict[str, User]:
    """The demo world with its providers, experts and a few dozen enterprises per county."""
    return world


@pytest.fixture
def bare_world(world: dict[str, User]) -> dict[str, User]:
    """The demo counties and logins without the directory (for tests that count what they
    make)."""
    return without_directory(world)


@pytest.fixture
def demo(world: dict[str, User]) -> dict[str, User]:
    """The demo chain up to an awarded project (tests draft and sign its contract)."""
    seed(enterprises=DEMO_ENTERPRISES, contracts=False)
    return world


@pytest.fixture
def province_county(world: Any) -> Any:
    """A small county for the province fixture's chain (demo/province.py)."""
    from safeserve.demo.enterprises import seed_enterprises
    from safeserve.organizations.models import (
        Organization,
        OrganizationKind,
        Region,
        RegionLevel,
    )

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


@pytest.fixture
def login(client: Client) -> Any:
    def _login(user: User) -> Client:
        client.force_login(user)
        session = client.session
        import time

        from safeserve.accounts.middleware import LAST_SEEN, LOGIN_AT

        session[LOGIN_AT] = time.time()
        session[LAST_SEEN] = time.time()
        mark_verified(session, user)
        session.save()
        return client

    return _login


@pytest.fixture
def api() -> Any:
    def _api(user: User | None = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return _api
