"""OCDS 1.1.5 open contracting data (issue 16): a release per step of each contracting
process and the compiled record, valid against the schemas shipped in ocds_schema/ (their
$refs resolved to the local files), the procurement methods mapped by one table, amounts in
CNY — and nothing the public pages do not show: no enterprise, no hazard, no person."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command

from safeserve.common.choices import ProcurementMethod
from safeserve.demo.province import seed_province_chain
from safeserve.demo.tests.test_province import SMALL
from safeserve.enterprises.models import Enterprise
from safeserve.hazards.models import Hazard
from safeserve.organizations.models import Region
from safeserve.procurement.models import PurchaseProject
from safeserve.supervision import ocds, views

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(province_county: Region) -> Region:
    seed_province_chain([province_county], SMALL)
    return province_county


def test_every_release_and_record_validates(chain: Region) -> None:
    document = ocds.package(ocds.all_releases())
    assert document["releases"] and ocds.validate(document) == []
    tags = {release["tag"][0] for release in document["releases"]}
    assert {"planning", "tender", "award", "contract", "implementation"} <= tags
    project = PurchaseProject.objects.filter(contract__payments__isnull=False).first()
    record = ocds.record(ocds.public_projects().get(pk=project.pk))
    assert ocds.validate(record["compiledRelease"]) == []
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["ocid"] == ocds.ocid(project.pk)
    implementation = compiled["contracts"][0]["implementation"]
    paid = sum(t["value"]["amount"] for t in implementation["transactions"])
    assert paid == float(sum(p.amount for p in project.contract.payments.all()))
    assert all(t["value"]["currency"] == "CNY" for t in implementation["transactions"])
    assert implementation["milestones"]


def test_a_broken_release_is_refused_without_fetching_anything(chain: Region) -> None:
    release = next(ocds.all_releases())
    broken = {key: value for key, value in release.items() if key != "ocid"}
    broken["tender"] = {"id": "t", "value": {"amount": "many", "currency": "CNY"}}
    errors = ocds.validate(broken)
    assert any("'ocid' is a required property" in e for e in errors)
    assert any("tender/value/amount" in e for e in errors)


def test_each_procurement_method_maps_once_and_keeps_its_chinese_name(chain: Region) -> None:
    assert set(ocds.PROCUREMENT_METHODS) == set(ProcurementMethod.values)
    codes = {code for code, _name in ocds.PROCUREMENT_METHODS.values()}
    assert codes <= {"open", "selective", "limited", "direct"}
    project = ocds.public_projects().exclude(method="").first()
    tender = next(r for r in ocds.releases_of(project) if r["tag"] == ["tender"])["tender"]
    code, name = ocds.PROCUREMENT_METHODS[project.method]
    assert (tender["procurementMethod"], tender["procurementMethodDetails"]) == (code, name)


def test_nothing_confidential_goes_out(chain: Region) -> None:
    text = json.dumps(ocds.package(ocds.all_releases()), ensure_ascii=False)
    names = Enterprise.objects.filter(county=chain).values_list("name", flat=True)
    assert not [name for name in names if name in text]
    assert not [h for h in Hazard.objects.values_list("description", flat=True)[:50] if h in text]
    for word in ("phone", "id_number", "enterprise", "hazard"):
        assert f'"{word}' not in text


def test_the_public_endpoint_pages_without_login(
    chain: Region, client: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(views, "OCDS_PAGE", 2)
    first = client.get("/public/ocds/")
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    body = first.json()
    assert ocds.validate(body) == []
    assert len({r["ocid"] for r in body["releases"]}) == 2
    following = first["Link"].split(";")[0].strip("<>")
    second = client.get(following).json()
    assert not {r["ocid"] for r in body["releases"]} & {r["ocid"] for r in second["releases"]}
    ocid = body["releases"][0]["ocid"]
    record = client.get(f"/public/ocds/{ocid}/").json()
    assert record["ocid"] == ocid and ocds.validate(record["compiledRelease"]) == []
    assert client.get("/public/ocds/ocds-other-1/").status_code == 404
    preparing = PurchaseProject.objects.filter(status="preparing").first()
    if preparing is not None:
        assert client.get(f"/public/ocds/{ocds.ocid(preparing.pk)}/").status_code == 404


def test_the_command_writes_a_valid_package_and_the_records(chain: Region, tmp_path: Any) -> None:
    out = tmp_path / "ocds.json"
    call_command("export_ocds", "--output", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    assert ocds.validate(document) == []
    assert len(document["releases"]) == len(list(ocds.all_releases()))
    call_command("export_ocds", "--records", "--output", str(out))
    records = json.loads(out.read_text(encoding="utf-8"))["records"]
    assert records and all(ocds.validate(r["compiledRelease"]) == [] for r in records)
