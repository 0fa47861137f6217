"""A detail page's history panel is read only when someone looks at it (audit/history.py):
the page holds a placeholder, htmx fetches the panel alone, and without JavaScript its link
shows the page with the history in place — each through the page's own data scope."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

HX = {"HTTP_HX_REQUEST": "true"}


def _edited_township(world: Any, login: Any) -> Any:
    org = world["township_officer"].organization
    response = login(world["county_admin"]).post(
        reverse("organizations:edit", args=[org.pk]),
        {"name": org.name, "region": org.region_id, "address": "城关镇府前路2号"},
    )
    assert response.status_code == 302
    return org


def test_the_page_shows_a_placeholder_and_reads_no_events(world: Any, login: Any) -> None:
    org = _edited_township(world, login)
    client = login(world["county_admin"])
    url = reverse("organizations:detail", args=[org.pk])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    html = page.content.decode()
    assert 'data-testid="history-placeholder"' in html
    assert f'hx-get="{url}?history=1"' in html and 'hx-trigger="revealed"' in html
    assert f'href="{url}?history=1#history"' in html  # without JavaScript
    assert "修改单位" not in html
    assert not any("audit_auditevent" in q["sql"] for q in captured.captured_queries)


def test_htmx_gets_the_panel_alone_with_its_events(world: Any, login: Any) -> None:
    org = _edited_township(world, login)
    client = login(world["county_admin"])
    response = client.get(reverse("organizations:detail", args=[org.pk]) + "?history=1", **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "修改单位" in html and "城关镇府前路2号" in html
    assert "history-placeholder" not in html
    assert "HX-Request" in response["Vary"]


def test_without_javascript_the_link_shows_the_page_with_its_history(
    world: Any, login: Any
) -> None:
    org = _edited_township(world, login)
    page = login(world["county_admin"]).get(
        reverse("organizations:detail", args=[org.pk]) + "?history=1"
    )
    html = page.content.decode()
    assert "<html" in html and "修改单位" in html and "history-placeholder" not in html


def test_the_panel_goes_through_the_pages_scope(world: Any, login: Any) -> None:
    org = _edited_township(world, login)
    url = reverse("organizations:detail", args=[org.pk]) + "?history=1"
    assert login(world["other_county_officer"]).get(url, **HX).status_code == 404
    assert login(world["other_county_officer"]).get(url).status_code == 404


def test_a_colleague_reads_no_history_of_a_user_even_when_asking(world: Any, login: Any) -> None:
    """Phones and history of a user: managers and oneself only (accounts/views.py)."""
    target = world["expert"]
    url = reverse("accounts:user_detail", args=[target.pk]) + "?history=1"
    colleague = login(world["expert2"]).get(url, **HX)
    assert colleague.status_code == 200
    assert "暂无变更记录" in colleague.content.decode()
    page = login(world["expert2"]).get(reverse("accounts:user_detail", args=[target.pk]))
    assert "history-placeholder" not in page.content.decode()  # nothing to fetch


def test_a_form_posted_to_a_page_with_history_is_handled_as_a_form(world: Any, login: Any) -> None:
    """Only htmx's GET gets the panel alone: a POST to the same address (the county policy
    page posts to itself) still changes the policy, whatever its query string."""
    from safeserve.common.models import POLICY_FIELDS, CountyPolicy, policy_for

    values = {f: getattr(CountyPolicy(), f) for f in POLICY_FIELDS}
    response = login(world["county_leader"]).post(
        reverse("county_policy") + "?history=1",
        {**values, "ban_years": 3, "reason": "加重处罚"},
        **HX,
    )
    assert response.status_code == 302
    assert policy_for(world["county_leader"].organization.county_id).ban_years == 3
