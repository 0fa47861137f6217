from __future__ import annotations

import pytest
from django.urls import reverse

from safeserve.audit.models import AuditEvent
from safeserve.common.models import CountyPolicy, policy_for


def test_defaults_apply_until_the_county_sets_its_own(world):
    policy = policy_for(world["county_officer"].organization.county_id)
    assert (
        policy.contract_max_years,
        policy.amendment_max_percent,
        policy.ban_years,
        policy.violation_lookback_years,
        policy.pass_score,
        policy.major_hazard_report_hours,
        policy.verification_window_days,
    ) == (3, 10, 2, 3, 60, 24, 10)


@pytest.mark.parametrize(
    ("username", "get", "patch"),
    [
        ("county_leader", 200, 200),
        ("county_officer", 200, 403),
        ("township_leader", 403, 403),
        ("department_leader", 403, 403),
        ("provider_leader", 403, 403),
        ("other_county_officer", 200, 403),
    ],
)
def test_who_reads_and_changes_the_policy(world, api, username, get, patch):
    client = api(world[username])
    assert client.get("/api/v1/county-policy/").status_code == get
    assert (
        client.patch("/api/v1/county-policy/", {"pass_score": 65}, format="json").status_code
        == patch
    )


def test_the_leader_changes_values_and_each_change_is_audited(world, api):
    client = api(world["county_leader"])
    body = client.patch(
        "/api/v1/county-policy/", {"pass_score": 70, "reason": "县政府常务会决定"}, format="json"
    ).json()
    assert body["pass_score"] == 70 and body["ban_years"] == 2
    event = AuditEvent.objects.get(action="county_policy.changed")
    assert event.before == {"pass_score": 60} and event.after == {"pass_score": 70}
    assert event.reason == "县政府常务会决定"
    other = policy_for(world["other_county_officer"].organization.county_id)
    assert other.pass_score == 60  # the other county keeps its own


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"contract_max_years": 4}, "contract_max_years"),  # above the national 3-year ceiling
        ({"amendment_max_percent": 11}, "amendment_max_percent"),  # 政府采购法 第49条
        ({"violation_lookback_years": 2}, "violation_lookback_years"),
        ({"audit_retention_days": 179}, "audit_retention_days"),  # 网络安全法 第21条
        ({"otp_government": 2}, "otp_government"),
        ({"pass_score": 0}, "pass_score"),
        ({"tier_good_score": 95}, "tier_good_score"),  # above the top tier
        ({"tier_good_score": 50}, "tier_good_score"),  # below a pass
        ({"annual_submission_month": 2, "annual_submission_day": 30}, "annual_submission_day"),
        ({"pass_score": "sixty"}, "pass_score"),
    ],
)
def test_out_of_range_values_are_refused_naming_the_field(world, api, values, field):
    county = world["county_leader"].organization.county
    before = CountyPolicy.objects.filter(county=county).values().get()
    response = api(world["county_leader"]).patch("/api/v1/county-policy/", values, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert CountyPolicy.objects.filter(county=county).values().get() == before


def test_the_policy_page(world, login):
    page = login(world["county_officer"]).get(reverse("county_policy"))
    assert page.status_code == 200 and 'name="pass_score"' not in page.content.decode()
    client = login(world["county_leader"])
    response = client.post(
        reverse("county_policy"),
        {**dict(_defaults().items()), "ban_years": 3, "reason": "加重处罚"},
    )
    assert response.status_code == 302
    assert policy_for(world["county_leader"].organization.county_id).ban_years == 3
    page = client.get(reverse("county_policy") + "?history=1").content.decode()
    assert "加重处罚" in page
    bad = client.post(reverse("county_policy"), {**_defaults(), "contract_max_years": 5})
    assert bad.status_code == 200 and "3" in bad.content.decode()
    assert (
        login(world["county_officer"]).post(reverse("county_policy"), _defaults()).status_code
        == 403
    )


def _defaults():
    from safeserve.common.models import POLICY_FIELDS

    policy = CountyPolicy()
    return {f: getattr(policy, f) for f in POLICY_FIELDS}
