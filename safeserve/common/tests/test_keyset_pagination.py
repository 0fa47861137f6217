"""Seek pagination of the list pages (common/pagination.py, issue 15): walking forward and
back visits every row once in the list's order, a damaged cursor shows the first page, the
total is exact up to the limit and said as "more than" beyond it, and the cost of a page is
the same however deep."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from safeserve.common import pagination
from safeserve.common.pagination import KeysetPage, paginate
from safeserve.organizations.models import Region, RegionLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def regions(db: Any) -> Any:
    county = Region.objects.create(code="880000", name="测试县", level=RegionLevel.COUNTY)
    Region.objects.bulk_create(
        Region(code=f"880{n:03d}", name=f"镇{n % 7}", level=RegionLevel.TOWNSHIP, parent=county)
        for n in range(1, 124)
    )
    # ordered by a column with ties (the name) and then the key, newest first
    return Region.objects.filter(parent=county).order_by("-name", "-pk")


def _get(query: str = "") -> Any:
    return RequestFactory().get("/list/" + (f"?{query}" if query else ""))


def _cursor(page: KeysetPage, which: str) -> str:
    return getattr(page, f"{which}_cursor")


@pytest.mark.parametrize("joined", [False, True])
def test_forward_then_back_visits_every_row_once_in_order(regions: Any, joined: bool) -> None:
    """With ``select_related`` the page finds its keys first, then the rows' details: the
    same rows in the same order, and the joined row there without another query."""
    if joined:
        regions = regions.select_related("parent")
    expected = list(regions.values_list("pk", flat=True))
    pages = [paginate(_get(), regions, per_page=10)]
    assert isinstance(pages[0], KeysetPage)
    assert not pages[0].has_previous()
    while pages[-1].has_next():
        pages.append(paginate(_get(f"cursor={pages[-1].next_cursor}"), regions, per_page=10))
    assert [r.pk for page in pages for r in page] == expected
    assert [len(p) for p in pages] == [10] * 12 + [3]
    # and back from the last page, page by page
    back = [pages[-1]]
    while back[-1].has_previous():
        back.append(paginate(_get(f"cursor={back[-1].previous_cursor}"), regions, per_page=10))
    assert [[r.pk for r in p] for p in reversed(back)] == [[r.pk for r in p] for p in pages]
    assert all(p.count == 123 and p.count_exact for p in pages)
    if joined:
        assert all("parent" in r._state.fields_cache for p in pages for r in p)


def test_a_damaged_cursor_shows_the_first_page(regions: Any) -> None:
    first = [r.pk for r in paginate(_get(), regions, per_page=10)]
    nulls = base64.urlsafe_b64encode(b'{"v":[null,1],"b":false}').decode()
    for bad in ("x", "e30", "eyJ2IjpbMV0sImIiOmZhbHNlfQ", "%%%", "²", nulls):
        assert [r.pk for r in paginate(_get(f"cursor={bad}"), regions, per_page=10)] == first


def test_a_well_formed_cursor_past_the_end_shows_an_empty_page(regions: Any) -> None:
    far = base64.urlsafe_b64encode(b'{"v":["x",99999999999999999999999],"b":false}').decode()
    page = paginate(_get(f"cursor={far}"), regions, per_page=10)
    assert list(page) == [] and not page.has_next()


def test_beyond_the_limit_the_total_is_said_as_more_than(regions: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(pagination, "EXACT_COUNT_LIMIT", 50)
    page = paginate(_get(), regions, per_page=10)
    assert (page.count, page.count_exact) == (50, False)
    html = render_to_string("includes/pagination.html", {"page": page})
    assert "50" in html and "cursor=" in html


def test_a_page_costs_the_same_however_deep(regions: Any) -> None:
    page = paginate(_get(), regions, per_page=10)
    for _ in range(8):
        page = paginate(_get(f"cursor={page.next_cursor}"), regions, per_page=10)
    with CaptureQueriesContext(connection) as first:
        paginate(_get(), regions, per_page=10)
    with CaptureQueriesContext(connection) as deep:
        paginate(_get(f"cursor={page.next_cursor}"), regions, per_page=10)
    assert len(first) == len(deep) == 2  # the rows and the bounded count
    assert "OFFSET" not in deep.captured_queries[0]["sql"]


def test_the_links_keep_the_filters(regions: Any) -> None:
    page = paginate(_get("q=镇&page=3"), regions, per_page=10)
    html = render_to_string("includes/pagination.html", {"page": page})
    link = html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert parse_qs(urlparse(link).query)["q"] == ["镇"]
    assert "page" not in parse_qs(urlparse(link).query)


def test_an_order_on_a_related_column_keeps_numbered_pages(regions: Any) -> None:
    page = paginate(_get("page=2"), regions.order_by("parent__name", "pk"), per_page=10)
    assert not isinstance(page, KeysetPage)
    assert page.number == 2


@pytest.mark.parametrize("again", [True, False])
def test_rows_read_by_their_keys(regions: Any, again: bool) -> None:
    """In the keys' order, with their related rows and prefetches and no query more; asked
    again, a row that left the list is left out, and without (the 待办, which checks each
    row itself) it is read as it now is."""
    rows = regions.select_related("parent__parent").prefetch_related("children")
    keys = list(rows.values_list("pk", flat=True)[:5])[::-1]
    Region.objects.filter(pk=keys[0]).update(name="改名")  # now outside a filter on the name
    narrowed = rows.exclude(name="改名")
    with CaptureQueriesContext(connection) as queries:
        read = pagination.in_key_order(narrowed, keys, again=again)
        parents = [row.parent.name for row in read]
        children = [list(row.children.all()) for row in read]
    assert len(queries) == 2  # the rows with their parents, and the children of all
    assert parents and all(children[i] == [] for i in range(len(read)))
    if again:
        assert [row.pk for row in read] == keys[1:]
    else:
        assert [row.pk for row in read] == keys
        assert read[0].name == "改名"


def test_rows_read_by_their_keys_with_every_related_row(regions: Any) -> None:
    """``select_related()`` without names is kept as such: the same queries either way."""
    rows = regions.select_related()
    keys = list(rows.values_list("pk", flat=True)[:3])
    counts = []
    for again in (True, False):
        with CaptureQueriesContext(connection) as queries:
            read = pagination.in_key_order(rows, keys, again=again)
            assert [row.parent.code for row in read] == ["880000"] * 3
        counts.append(len(queries))
    assert counts[0] == counts[1]
