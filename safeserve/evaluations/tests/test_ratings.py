"""Expert ratings (R10): the purchaser rates each expert who worked on its contract's tasks —
quality, diligence, integrity 1–5 with a comment; a second rating replaces the first, both
audited; nobody else rates; the expert sees their own."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.exceptions import ApplicationError
from safeserve.evaluations import ratings
from safeserve.evaluations.models import ExpertRating
from safeserve.fieldwork.tests.conftest import assign, expert_of, plan_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(users, contract, hengfeng):
    assign(users, plan_task(users, contract, hengfeng))  # expert leads, expert2 member
    return contract


def _rate(user, contract, expert, **values):
    scores = {"quality": 5, "diligence": 4, "integrity": 5, "comment": "认真负责"} | values
    return ratings.expert_rate(actor=user, contract=contract, expert=expert, **scores)


def test_the_purchaser_rates_each_participating_expert(users, worked):
    lead, member = expert_of(users["expert"]), expert_of(users["expert2"])
    assert list(ratings.participants(worked)) == sorted(
        [lead, member], key=lambda e: (e.name, e.pk)
    )
    first = _rate(users["township_officer"], worked, lead)
    assert (first.quality, first.diligence, first.integrity, first.average) == (5, 4, 5, 4.67)
    again = _rate(users["township_leader"], worked, lead, diligence=2, comment="两次迟到")
    assert again.pk == first.pk and again.diligence == 2
    events = AuditEvent.objects.filter(action="expert.rated").order_by("seq")
    assert [e.before for e in events][1]["diligence"] == 4
    assert ExpertRating.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"quality": 6}, "quality"),
        ({"diligence": "x"}, "diligence"),
        ({"integrity": 0}, "integrity"),
    ],
)
def test_a_rating_outside_1_to_5_is_refused_naming_the_field(users, worked, values, field):
    with pytest.raises(ApplicationError) as refused:
        _rate(users["township_officer"], worked, expert_of(users["expert"]), **values)
    assert refused.value.status == 400 and field in refused.value.errors
    assert not ExpertRating.objects.exists()


def test_only_the_purchaser_rates_and_only_its_contracts_experts(users, worked):
    from django.core.exceptions import PermissionDenied

    lead = expert_of(users["expert"])
    for persona in ("provider_admin", "county_officer", "expert", "department_officer"):
        with pytest.raises(PermissionDenied):
            _rate(users[persona], worked, lead)
    with pytest.raises(ApplicationError) as refused:
        _rate(users["township_officer"], worked, expert_of(users["other_expert"]))
    assert refused.value.code == "not_participant"


def test_the_page_and_the_api_rate_and_list(users, worked, login, api):
    lead = expert_of(users["expert"])
    officer = login(users["township_officer"])
    page = officer.get(
        reverse("contracts:detail", args=[worked.pk]) + "?tab=evaluations"
    ).content.decode()
    assert reverse("evaluations:rate", args=[worked.pk, lead.pk]) in page
    officer.post(
        reverse("evaluations:rate", args=[worked.pk, lead.pk]),
        {"quality": "4", "diligence": "4", "integrity": "5", "comment": "好"},
    )
    assert ExpertRating.objects.get(expert=lead).quality == 4

    rest = api(users["township_officer"])
    bad = rest.post(
        "/api/v1/expert-ratings/",
        {"contract": worked.pk, "expert": lead.pk, "quality": 9, "diligence": 4, "integrity": 4},
        format="json",
    )
    assert bad.status_code == 400 and "quality" in bad.json()["errors"]
    assert (
        rest.get(f"/api/v1/expert-ratings/?contract={worked.pk}").json()["results"][0][
            "expert_name"
        ]
        == lead.name
    )
    # the expert sees their own; another provider sees nothing
    mine = api(users["expert"]).get("/api/v1/expert-ratings/").json()["results"]
    assert [r["expert"] for r in mine] == [lead.pk]
    assert api(users["other_provider_admin"]).get("/api/v1/expert-ratings/").json()["results"] == []
    assert (
        api(users["provider_admin"])
        .post(
            "/api/v1/expert-ratings/",
            {
                "contract": worked.pk,
                "expert": lead.pk,
                "quality": 1,
                "diligence": 1,
                "integrity": 1,
            },
            format="json",
        )
        .status_code
        == 403
    )


def test_the_ratings_are_kept_on_the_experts_page(users, worked, login):
    lead = expert_of(users["expert"])
    _rate(users["township_officer"], worked, lead, comment="现场检查细致")
    url = reverse("providers:expert_detail", args=[lead.pk])
    for persona, shown in (("expert", True), ("provider_admin", True), ("township_officer", True)):
        page = login(users[persona]).get(url)
        assert page.status_code == 200
        assert ("现场检查细致" in page.content.decode()) is shown, persona
    other = login(users["other_provider_admin"]).get(url)
    assert other.status_code == 404 or "现场检查细致" not in other.content.decode()
