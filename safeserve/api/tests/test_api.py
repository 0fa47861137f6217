from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from safeserve.accounts.models import ApiToken, User
from safeserve.demo.seed import demo_totp_code
from safeserve.organizations.models import Organization, OrganizationKind, Region, Role

PASSWORD = "demo-Pass-2026"


def _token(username: str) -> str:
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": username, "password": PASSWORD, "otp": demo_totp_code(username)},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_token_round_trip(world):
    token = _token("county_officer")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/").json()
    assert me["username"] == "county_officer" and me["organization_kind"] == "county_office"
    assert ApiToken.objects.get().digest != token  # only the digest is stored
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/users/me/").status_code == 401


def test_form_encoded_token_requests_work_too(world):
    response = APIClient().post("/api/v1/auth/token/", {"username": "expert", "password": PASSWORD})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "not_authenticated"),
        ({"HTTP_AUTHORIZATION": "Token nonsense"}, "authentication_failed"),
        ({"HTTP_AUTHORIZATION": "Token a b"}, "authentication_failed"),
    ],
)
def test_401_has_the_error_format(world, headers, code):
    response = APIClient(**headers).get("/api/v1/organizations/")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == code and body["message"] and body["errors"] == {}


def test_an_expired_token_is_refused(world):
    token = _token("county_officer")
    from datetime import timedelta

    from django.utils import timezone

    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/users/me/")
    assert response.status_code == 401 and "过期" in response.json()["message"]


def test_400_names_the_field_in_chinese(world, api):
    response = api(world["county_admin"]).post(
        "/api/v1/organizations/", {"kind": "township"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "name" in body["errors"]
    assert body["message"] == "请修改标出的字段。"


@pytest.mark.parametrize("payload", ['["a list"]', '"text"', "{not json"])
def test_malformed_bodies_are_400_not_500(world, api, payload):
    org = world["township_officer"].organization
    response = api(world["county_admin"]).patch(
        f"/api/v1/organizations/{org.pk}/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] in ("invalid", "malformed_request")


def test_409_for_a_rule_refusal(world, api):
    response = api(world["county_admin"]).post(
        "/api/v1/organizations/",
        {"name": "安平县市场监督管理局", "kind": "department", "is_fallback_department": True},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "fallback_department_exists"
    assert "安平县应急管理局" in response.json()["message"]


def test_region_from_another_county_is_a_400_that_reveals_nothing(world, api):
    other = Region.objects.get(code="990122101")
    response = api(world["county_admin"]).post(
        "/api/v1/organizations/",
        {"name": "某镇", "kind": "township", "region": other.pk},
        format="json",
    )
    assert response.status_code == 400 and "region" in response.json()["errors"]


@pytest.mark.parametrize(
    ("username", "list_status", "detail", "patch", "create"),
    [
        # persona             list  城关镇 detail  PATCH 城关镇  POST new org
        ("county_admin", 200, 200, 200, 201),
        ("county_officer", 200, 200, 403, 403),
        ("county_leader", 200, 200, 403, 403),
        ("township_officer", 200, 200, 403, 403),
        ("department_officer", 200, 200, 403, 403),
        ("provider_admin", 200, 404, 404, 403),
        ("expert", 200, 404, 404, 403),
        ("enterprise_user", 200, 404, 404, 403),
        ("evaluator", 200, 404, 404, 403),
        ("other_county_officer", 200, 404, 404, 403),
        ("other_county_admin", 200, 404, 404, 201),
    ],
)
def test_organization_endpoints_by_persona(
    world, api, username, list_status, detail, patch, create
):
    client = api(world[username])
    org = world["township_officer"].organization
    assert client.get("/api/v1/organizations/").status_code == list_status
    response = client.get(f"/api/v1/organizations/{org.pk}/")
    assert response.status_code == detail
    if detail == 404:
        assert response.json()["code"] == "not_found"
    response = client.patch(
        f"/api/v1/organizations/{org.pk}/", {"address": "府前路3号"}, format="json"
    )
    assert response.status_code == patch
    if patch == 403:
        assert response.json()["code"] == "permission_denied"
    response = client.post(
        "/api/v1/organizations/", {"name": f"{username}新单位", "kind": "evaluator"}, format="json"
    )
    assert response.status_code == create


def test_organization_list_filters_and_masks_for_non_managers(world, api):
    body = api(world["township_officer"]).get("/api/v1/organizations/?kind=department").json()
    names = {row["name"] for row in body["results"]}
    assert names == {"安平县应急管理局", "安平县住房和城乡建设局", "安平县交通运输局"}
    office = (
        api(world["township_officer"])
        .get(f"/api/v1/organizations/{world['county_officer'].organization_id}/")
        .json()
    )
    assert office["contact_phone"] == "057*****2345"
    full = (
        api(world["county_admin"])
        .get(f"/api/v1/organizations/{world['county_officer'].organization_id}/")
        .json()
    )
    assert full["contact_phone"] == "0570-6012345"


def test_deactivate_and_reactivate_through_the_api(world, api):
    client = api(world["county_admin"])
    org = world["enterprise_user"].organization
    assert (
        client.post(f"/api/v1/organizations/{org.pk}/deactivate/", {}, format="json").status_code
        == 400
    )
    r = client.post(
        f"/api/v1/organizations/{org.pk}/deactivate/", {"reason": "注销"}, format="json"
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = client.post(
        f"/api/v1/organizations/{org.pk}/deactivate/", {"reason": "再次"}, format="json"
    )
    assert r.status_code == 409 and r.json()["code"] == "already_inactive"
    assert client.post(f"/api/v1/organizations/{org.pk}/reactivate/").json()["is_active"] is True


@pytest.mark.parametrize(
    ("username", "list_status", "detail", "reset"),
    [
        ("county_admin", 200, 200, 200),
        ("county_officer", 403, 200, 403),
        ("county_leader", 403, 200, 403),
        ("township_officer", 403, 404, 404),
        ("department_officer", 403, 404, 404),
        ("provider_admin", 200, 200, 200),
        ("provider_leader", 403, 200, 403),
        ("expert", 403, 200, 403),  # can see a colleague, not manage
        ("other_provider_admin", 200, 404, 404),
        ("enterprise_user", 403, 404, 404),
        ("evaluator", 403, 404, 404),
        ("other_county_officer", 403, 404, 404),
        ("other_county_admin", 200, 404, 404),
    ],
)
def test_user_endpoints_by_persona(world, api, username, list_status, detail, reset):
    client = api(world[username])
    target = world["expert2"]
    assert client.get("/api/v1/users/").status_code == list_status
    assert client.get(f"/api/v1/users/{target.pk}/").status_code == detail
    assert client.post(f"/api/v1/users/{target.pk}/reset-password/").status_code == reset


def test_user_phone_is_masked_for_colleagues_but_not_for_managers(world, api):
    target = world["expert2"]
    seen_by_colleague = api(world["expert"]).get(f"/api/v1/users/{target.pk}/").json()
    assert seen_by_colleague["phone"] == "139****1005"
    seen_by_admin = api(world["provider_admin"]).get(f"/api/v1/users/{target.pk}/").json()
    assert seen_by_admin["phone"] == "13905701005"


def test_create_update_and_deactivate_a_user(world, api):
    client = api(world["provider_admin"])
    org = world["provider_admin"].organization
    r = client.post(
        "/api/v1/users/",
        {
            "organization": org.pk,
            "username": "api_expert",
            "full_name": "接口专家",
            "role": "expert",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["temporary_password"]
    uid = r.json()["user"]["id"]
    r = client.patch(f"/api/v1/users/{uid}/", {"full_name": "接口专家甲"}, format="json")
    assert r.status_code == 200 and r.json()["full_name"] == "接口专家甲"
    r = client.patch(f"/api/v1/users/{uid}/", {"role": "nonsense"}, format="json")
    assert r.status_code == 400 and "role" in r.json()["errors"]
    r = client.post(f"/api/v1/users/{uid}/deactivate/", {"reason": "离职"}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    other_org = world["other_provider_admin"].organization
    r = client.post(
        "/api/v1/users/",
        {"organization": other_org.pk, "username": "x1", "full_name": "某", "role": "expert"},
        format="json",
    )
    assert r.status_code == 404  # another provider is outside the admin's scope


def test_regions_are_listed_with_filters(world, api):
    body = api(world["county_officer"]).get("/api/v1/regions/?level=township").json()
    codes = [row["code"] for row in body["results"]]
    assert "990121100" in codes and "990122100" not in codes
    other = Region.objects.get(code="990122")
    assert api(world["county_officer"]).get(f"/api/v1/regions/{other.pk}/").status_code == 404


def _count_queries(user: User, url: str) -> int:
    client = APIClient()
    client.force_authenticate(User.objects.select_related("organization__county").get(pk=user.pk))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_endpoints_cost_the_same_queries_for_n_and_2n_rows(world, api):
    officer = world["county_admin"]
    county = officer.organization.county
    township = Region.objects.get(code="990121100")
    office = world["county_admin"].organization

    def grow(start: int) -> None:
        Organization.objects.bulk_create(
            Organization(
                name=f"企业{start + i}",
                kind=OrganizationKind.ENTERPRISE,
                county=county,
                region=township,
            )
            for i in range(10)
        )
        User.objects.bulk_create(
            User(username=f"u{start + i}", full_name="某", role=Role.VIEWER, organization=office)
            for i in range(10)
        )

    urls = [
        "/api/v1/organizations/?page_size=100",
        "/api/v1/users/?page_size=100",
        "/api/v1/regions/?page_size=100",
    ]
    grow(0)
    before = [_count_queries(officer, url) for url in urls]
    grow(10)
    after = [_count_queries(officer, url) for url in urls]
    assert before == after


def test_cursor_pagination_walks_every_row_once(world, api):
    client = api(world["county_officer"])
    seen: list[int] = []
    url = "/api/v1/organizations/?page_size=5"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert (
        len(seen)
        == len(set(seen))
        == Organization.objects.visible_to(world["county_officer"]).count()
    )


def test_schema_and_offline_docs(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/organizations/" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/drf_spectacular_sidecar/" in html


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/users/abc/",
        "/api/v1/organizations/1x/",
        "/api/v1/enterprises/abc/",
        "/api/v1/experts/%20/",
        "/api/v1/regions/-1/",
    ],
)
def test_a_malformed_id_is_a_404_not_a_500(world, api, url):
    assert api(world["county_officer"]).get(url).status_code == 404
