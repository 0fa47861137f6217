"""The notification tests build on the fieldwork world (safeserve/fieldwork/tests/conftest.py)."""

from safeserve.fieldwork.tests.conftest import (  # noqa: F401 — fixtures
    contract,
    hengfeng,
    neighbours,
    on_site,
    task,
    users,
)
