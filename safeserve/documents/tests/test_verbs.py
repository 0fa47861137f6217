"""The document's verb table (sign, seal) drives the notice page, the API's allowed_actions and
the services alike, for every state and every persona — and who is offered what is written
out here by hand."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from safeserve.common.tests.verbs import Walk
from safeserve.demo.seed import DEMO_PASSWORD
from safeserve.documents import services as documents
from safeserve.documents.models import SignedDocument
from safeserve.fieldwork import services as fieldwork
from safeserve.fieldwork.tests.conftest import assign, plan_task, raise_general, reload
from safeserve.hazards import services as hazards

PERSONAS = [
    "expert",
    "expert2",
    "provider_admin",
    "provider_leader",
    "township_officer",
    "county_officer",
    "enterprise_user",
    "other_expert",
    "other_provider_admin",
]
SITE = "https://anfu.example.gov.cn/"


def test_who_signs_and_seals_in_each_state(users, contract, hengfeng, login, api):
    days = iter(range(1, 60))

    def notice(by: str, *, signed: bool = False, sealed: bool = False) -> Any:
        def make() -> SignedDocument:
            task = plan_task(users, contract, hengfeng, days=next(days))
            assign(users, task)
            fieldwork.task_check_in(actor=users["expert"], task=reload(task))
            found = raise_general(users, reload(task))
            issued = hazards.notice_issue(actor=users[by], task=reload(task), hazards=[found])
            document = SignedDocument.objects.get(notice=issued)
            if signed:
                document = sign(users["expert"], document)
            if sealed:
                document = seal(users["provider_admin"], document)
            return document

        return make

    def sign(user: Any, document: SignedDocument) -> Any:
        return documents.document_sign(
            actor=user, document=document, password=DEMO_PASSWORD, site_url=SITE
        )

    def seal(user: Any, document: SignedDocument) -> Any:
        return documents.document_seal(
            actor=user, document=document, password=DEMO_PASSWORD, site_url=SITE
        )

    walk = Walk(
        states={
            "issued_by_the_expert": notice("expert"),
            "issued_by_staff": notice("provider_admin"),
            "staff_notice_signed_by_the_expert": notice("provider_admin", signed=True),
            "complete": notice("provider_admin", signed=True, sealed=True),
        },
        personas=PERSONAS,
        calls={"sign": sign, "seal": seal},
        page=lambda d: reverse("hazards:notice", args=[d.notice_id]),
        detail=lambda d: reverse("api:notice-document", args=[d.notice_id]),
        reload=lambda d: SignedDocument.objects.get(pk=d.pk),
    )
    offered = walk.run(users, login, api)
    assert offered == {
        "issued_by_the_expert": {"sign"},
        "issued_by_staff": {"sign"},
        "staff_notice_signed_by_the_expert": {"seal"},
        "complete": set(),
    }
    # and by persona, by hand: the named expert signs; the provider's admin and leader seal
    expected = {
        ("issued_by_the_expert", "expert"): ["sign"],
        ("issued_by_staff", "expert"): ["sign"],
        ("staff_notice_signed_by_the_expert", "provider_admin"): ["seal"],
        ("staff_notice_signed_by_the_expert", "provider_leader"): ["seal"],
    }
    for state, make in walk.states.items():
        document = make()
        for persona in PERSONAS:
            body = api(users[persona]).get(
                reverse("api:notice-document", args=[document.notice_id])
            )
            actions = body.json()["allowed_actions"] if body.status_code == 200 else []
            assert actions == expected.get((state, persona), []), (state, persona)
