"""Mixed read load on the province fixture (issue 15), run by ``make loadtest``.

Twenty simulated people of four roles — the county office, a township, a provider's admin,
an expert — each reading what their day holds: the home page (weight 2), the hazard list
with and without filters (3), the task list (2), the enterprise list and a search (2), a
hazard and a contract (or, for the expert, a task) (1 each), the API lists (1). Each logs in
once, through a session made here as ``manage.py bench`` makes its own (password and
authenticator passed), so the measured requests are only the reads.
"""

from __future__ import annotations

import os
import random
from typing import Any

import django
from locust import HttpUser, between, task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup()

from django.conf import settings  # noqa: E402

from safeserve.accounts.models import User  # noqa: E402
from safeserve.contracts.models import Contract  # noqa: E402
from safeserve.fieldwork.models import ServiceTask  # noqa: E402
from safeserve.hazards.models import Hazard  # noqa: E402
from safeserve.supervision.management.commands.bench import _client  # noqa: E402

ROLES = {
    "county office": "p1_county_officer",
    "township": "p1_purchaser0",
    "provider": "p1_provider0",
    "expert": "p1_expert0_0",
}


def _role(username: str) -> dict[str, Any]:
    user = User.objects.get(username=username)
    session = _client(user).cookies[settings.SESSION_COOKIE_NAME].value
    hazards = list(
        Hazard.objects.visible_to(user)
        .order_by("-found_at", "-pk")
        .values_list("pk", flat=True)[:500]
    )
    if user.role == "expert":  # an expert's day: their tasks
        others = [
            f"/tasks/{pk}/"
            for pk in ServiceTask.objects.visible_to(user)
            .order_by("-planned_date")
            .values_list("pk", flat=True)[:200]
        ]
        lists = ["/tasks/", "/tasks/?status=accepted"]
    else:  # the directory is the government's; a provider reads its tasks instead
        directory = user.organization is None or user.organization.kind != "provider"
        others = [
            f"/contracts/{pk}/"
            for pk in Contract.objects.visible_to(user)
            .order_by("-pk")
            .values_list("pk", flat=True)[:200]
        ]
        lists = (
            ["/enterprises/", "/enterprises/?q=纺织"]
            if directory
            else ["/tasks/?status=planned", "/tasks/?status=accepted"]
        )
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
        "hazards": [f"/hazards/{pk}/" for pk in hazards],
        "others": others,
        "lists": lists,
    }


PROFILES = {role: _role(username) for role, username in ROLES.items()}
# which page each simulated person reads next (no secret involved)
PICK = random.Random(15)  # noqa: S311
HAZARD_LISTS = [
    "/hazards/",
    "/hazards/?status=rectifying",
    "/hazards/?open=on&level=general",
    "/hazards/?overdue=on",
]


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.profile = PROFILES[self.role]
        self.client.headers["Cookie"] = self.profile["cookie"]

    def _get(self, url: str, name: str) -> None:
        self.client.get(url, name=f"{self.role}: {name}")

    @task(2)
    def home(self) -> None:
        self._get("/", "home")

    @task(3)
    def hazard_list(self) -> None:
        self._get(PICK.choice(HAZARD_LISTS), "hazard list")

    @task(2)
    def task_list(self) -> None:
        self._get("/tasks/", "task list")

    @task(2)
    def directory(self) -> None:
        self._get(PICK.choice(self.profile["lists"]), "enterprise list / search")

    @task(1)
    def hazard(self) -> None:
        if self.profile["hazards"]:
            self._get(PICK.choice(self.profile["hazards"]), "hazard detail")

    @task(1)
    def other(self) -> None:
        if self.profile["others"]:
            self._get(PICK.choice(self.profile["others"]), "contract / task detail")

    @task(1)
    def api(self) -> None:
        self._get(PICK.choice(["/api/v1/hazards/", "/api/v1/tasks/"]), "API list")


class CountyOffice(Person):
    role = "county office"


class Township(Person):
    role = "township"


class ProviderAdmin(Person):
    role = "provider"


class Expert(Person):
    role = "expert"
