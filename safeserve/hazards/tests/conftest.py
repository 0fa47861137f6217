"""The hazard tests build on the fieldwork world: the fixtures are defined once, in
safeserve/fieldwork/tests/conftest.py, and made available here."""

from safeserve.fieldwork.tests.conftest import (  # noqa: F401 — fixtures
    contract,
    department_contracts,
    hengfeng,
    neighbours,
    on_site,
    task,
    training_contract,
    uncovered,
    users,
)
