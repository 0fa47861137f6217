"""Input built to break the API gets a clear 4xx in the one error format, never a 500."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from safeserve.api.parsing import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


def _nested(levels: int) -> str:
    return '{"a":' * (levels - 1) + "[1]" + "}" * (levels - 1)


@pytest.mark.parametrize("body", ["[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000])
def test_a_body_nested_a_thousand_deep_is_a_400(body):
    response = APIClient().post(TOKEN, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "nested_too_deep"
    assert str(MAX_JSON_DEPTH) in response.json()["message"]


def test_the_depth_limit_is_exact(world):
    client = APIClient()
    just_over = client.post(TOKEN, _nested(MAX_JSON_DEPTH + 1), content_type="application/json")
    assert just_over.json()["code"] == "nested_too_deep"
    at_limit = client.post(TOKEN, _nested(MAX_JSON_DEPTH), content_type="application/json")
    assert at_limit.status_code == 400 and at_limit.json()["code"] == "invalid"


def test_broken_json_is_a_400():
    response = APIClient().post(TOKEN, data='{"username": ', content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")


@pytest.mark.parametrize(
    "path", ["/n/1/%C3%A9/", "/api/v1/notice-links/1/%C3%A9/", "/n/1/%00/", "/n/99999999/abc/"]
)
def test_a_notice_link_with_a_strange_token_is_not_found(path, world):
    assert APIClient().get(path).status_code == 404


def test_a_csrf_failure_says_the_form_expired_not_that_the_role_is_refused(world, login):
    client = login(world["county_officer"])
    client.handler.enforce_csrf_checks = True
    response = client.post(
        "/api/v1/organizations/", json.dumps({"name": "x"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"
    assert "过期" in response.json()["message"]
    assert "角色" not in response.json()["message"]


def _schema(client: APIClient) -> dict:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_every_operation_documents_its_error_responses(world, api):
    document = _schema(api(world["county_officer"]))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = set(operation["responses"])
            assert {"400", "401", "403", "404", "429"} <= codes, (method, path)
            if method != "get":
                assert "409" in codes, (method, path)
            if "requestBody" in operation:
                assert {"413", "415"} <= codes, (method, path)
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message", "errors"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contracts/{id}/",
        "/api/v1/hazards/{id}/",
        "/api/v1/notices/{id}/",
        "/api/v1/inspections/{id}/",
        "/api/v1/document-requests/{id}/",
        "/api/v1/fee-complaints/{id}/",
    ],
)
def test_no_method_is_listed_that_only_answers_405(world, api, path):
    client = api(world["county_officer"])
    document = _schema(client)
    assert set(document["paths"][path]) == {"get"}
    response = client.patch(path.replace("{id}", "1"), {}, format="json")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/v1/contracts/abc/", "/api/v1/nowhere/", "/api/v1/x%C3%A9/"])
def test_an_api_path_that_matches_no_route_is_a_json_404(world, api, path):
    response = api(world["county_officer"]).get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "not_found",
        "message": "未找到，或不在您的数据范围内。",
        "errors": {},
    }


def test_a_page_that_matches_no_route_is_still_the_html_404(world, login):
    response = login(world["county_officer"]).get("/nowhere/")
    assert response.status_code == 404 and b"<html" in response.content
