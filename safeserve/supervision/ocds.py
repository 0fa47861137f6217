"""Open Contracting Data Standard 1.1.5 for the county's purchases of technical services
(issue 16): one contracting process per purchase project (its ocid is ``OCDS_PREFIX`` and the
project's id), a release for each step — planning, tender, award, contract, implementation
(payments and installment milestones), termination — and the compiled record.

Only what the public pages may show goes out (政府信息公开条例 第20条; R19): the parties (the
purchasing government body and the provider), amounts in CNY, dates, payments and
milestones. Never an enterprise's name, a hazard, a person or a price breakdown. The
releases validate against the OCDS schemas shipped in ``ocds_schema/`` (``validate``)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from safeserve.common.choices import ProcurementMethod

SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
VERSION = "1.1"
CURRENCY = "CNY"

# 政府采购法 第26条 methods → the OCDS ``method`` codelist (open, selective, limited, direct);
# ``procurementMethodDetails`` keeps the Chinese name. The one place this mapping lives.
PROCUREMENT_METHODS: dict[str, tuple[str, str]] = {
    ProcurementMethod.OPEN_TENDER: ("open", "公开招标"),
    ProcurementMethod.INVITED_TENDER: ("selective", "邀请招标"),
    ProcurementMethod.COMPETITIVE_NEGOTIATION: ("limited", "竞争性谈判"),
    ProcurementMethod.COMPETITIVE_CONSULTATION: ("limited", "竞争性磋商"),
    ProcurementMethod.SINGLE_SOURCE: ("direct", "单一来源"),
    ProcurementMethod.REQUEST_FOR_QUOTATION: ("limited", "询价"),
}


def _model(label: str) -> Any:
    # supervision comes after procurement and contracts; read through the app registry so
    # the chain's models are named once, here.
    return apps.get_model(label)


def ocid(project_id: int) -> str:
    return f"{settings.OCDS_PREFIX}-{project_id}"


def _money(amount: Decimal | None) -> dict[str, Any]:
    return {"amount": float(amount or 0), "currency": CURRENCY}


def _when(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=timezone.get_current_timezone())
    return timezone.localtime(value).isoformat(timespec="seconds")


def _buyer(project: Any) -> dict[str, Any]:
    return {"id": f"org-{project.purchaser_id}", "name": project.purchaser.name}


def _supplier(project: Any) -> dict[str, Any]:
    return {"id": f"provider-{project.awarded_provider_id}", "name": project.awarded_provider.name}


def public_projects() -> QuerySet[Any]:
    """The contracting processes the public may see: projects past preparation (awarded,
    contracted or cancelled), with what their releases read, in one query each."""
    project = _model("procurement.PurchaseProject")
    contract = _model("contracts.Contract")
    contracts = contract.objects.select_related("provider").prefetch_related(
        "amendments", "installments", "payments"
    )
    return (
        project.objects.exclude(status="preparing")
        .select_related("purchaser", "awarded_provider", "item__plan", "county")
        .prefetch_related(Prefetch("contract", queryset=contracts))
        .order_by("pk")
    )


def releases_of(project: Any) -> list[dict[str, Any]]:
    """The releases of one contracting process, oldest first."""
    process = ocid(project.pk)
    buyer = _buyer(project)
    plan = project.item.plan
    method, details = PROCUREMENT_METHODS.get(project.method, ("", ""))
    found: list[dict[str, Any]] = []

    def release(tag: str, date: Any, **body: Any) -> None:
        parties = [{**buyer, "roles": ["buyer"]}]
        if ("awards" in body or "contracts" in body) and project.awarded_provider is not None:
            parties.append({**_supplier(project), "roles": ["supplier"]})
        found.append(
            {
                "ocid": process,
                "id": f"{process}-{tag}",
                "date": _when(date),
                "tag": [tag],
                "initiationType": "tender",
                "language": "zh",
                "parties": parties,
                "buyer": buyer,
                **body,
            }
        )

    release(
        "planning",
        plan.decided_at or project.created_at,
        planning={
            "budget": {
                "description": plan.title,
                "amount": _money(project.item.budget),
                "project": project.title,
            }
        },
    )
    tender: dict[str, Any] = {
        "id": f"tender-{project.pk}",
        "title": project.title,
        "status": {"cancelled": "cancelled"}.get(project.status, "complete"),
        "mainProcurementCategory": "services",
        "value": _money(project.item.budget),
    }
    if method:
        tender["procurementMethod"] = method
        tender["procurementMethodDetails"] = details
    release("tender", project.created_at, tender=tender)
    if project.awarded_provider_id is None or project.award_date is None:
        return found
    award_id = f"award-{project.pk}"
    supplier = _supplier(project)
    release(
        "award",
        project.award_date,
        awards=[
            {
                "id": award_id,
                "title": project.title,
                "status": "active",
                "date": _when(project.award_date),
                "value": _money(project.award_amount),
                "suppliers": [supplier],
            }
        ],
    )
    contract = getattr(project, "contract", None)
    if contract is None or contract.signed_on is None:
        return found
    terms = {
        "id": f"contract-{contract.pk}",
        "awardID": award_id,
        "title": project.title,
        "status": "terminated" if contract.status == "terminated" else "active",
        "period": {
            key: value
            for key, value in (
                ("startDate", _when(contract.period_start)),
                ("endDate", _when(contract.period_end)),
            )
            if value
        },
        "value": _money(contract.current_amount),
        "dateSigned": _when(contract.signed_on),
    }
    release("contract", contract.signed_on, contracts=[terms])
    payments = sorted(contract.payments.all(), key=lambda p: (p.paid_on, p.pk))
    installments = sorted(contract.installments.all(), key=lambda i: i.sequence)
    if payments or installments:
        paid_by_installment: dict[int, Decimal] = {}
        for payment in payments:
            if payment.installment_id is not None:
                paid = paid_by_installment.get(payment.installment_id, Decimal(0))
                paid_by_installment[payment.installment_id] = paid + payment.amount
        implementation = {
            "transactions": [
                {
                    "id": f"payment-{payment.pk}",
                    "date": _when(payment.paid_on),
                    "value": _money(payment.amount),
                    "payer": buyer,
                    "payee": supplier,
                }
                for payment in payments
            ],
            "milestones": [
                {
                    "id": f"installment-{installment.pk}",
                    "title": f"第{installment.sequence}期付款",
                    "description": installment.condition,
                    "type": "financing",
                    "status": "met"
                    if paid_by_installment.get(installment.pk, Decimal(0)) >= installment.amount
                    else "scheduled",
                    "value": _money(installment.amount),
                }
                for installment in installments
            ],
        }
        last = payments[-1].paid_on if payments else contract.signed_on
        release(
            "implementation",
            last,
            contracts=[{"id": terms["id"], "awardID": award_id, "implementation": implementation}],
        )
    if contract.status == "terminated":
        release(
            "contractTermination",
            contract.updated_at,
            contracts=[{"id": terms["id"], "awardID": award_id, "status": "terminated"}],
        )
    return found


def package(releases: Iterable[dict[str, Any]], *, uri: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "version": VERSION,
        "publishedDate": _when(timezone.now()),
        "publisher": {"name": settings.OCDS_PUBLISHER},
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": settings.OCDS_POLICY_URL,
        "releases": list(releases),
    }
    if uri:
        body["uri"] = uri
    if not body["publicationPolicy"]:
        del body["publicationPolicy"]
    return body


def _merge(into: dict[str, Any], update: dict[str, Any]) -> None:
    """The OCDS merge of one release into the compiled one: objects merge field by field,
    arrays of objects with ids merge by id, anything else the later release replaces."""
    for key, value in update.items():
        if key in ("id", "date", "tag"):
            continue
        current = into.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            _merge(current, value)
        elif (
            isinstance(value, list)
            and isinstance(current, list)
            and all(isinstance(v, dict) and "id" in v for v in value + current)
        ):
            by_id = {item["id"]: item for item in current}
            for item in value:
                if item["id"] in by_id:
                    _merge(by_id[item["id"]], item)
                else:
                    current.append(json.loads(json.dumps(item)))
        else:
            into[key] = json.loads(json.dumps(value))


def record(project: Any) -> dict[str, Any]:
    """The compiled record of one contracting process: its releases and their merge."""
    releases = releases_of(project)
    compiled: dict[str, Any] = {}
    for release in releases:
        _merge(compiled, release)
    compiled.update(
        {
            "ocid": ocid(project.pk),
            "id": f"{ocid(project.pk)}-compiled",
            "date": releases[-1]["date"],
            "tag": ["compiled"],
        }
    )
    return {"ocid": ocid(project.pk), "releases": releases, "compiledRelease": compiled}


def all_releases(projects: QuerySet[Any] | None = None) -> Iterator[dict[str, Any]]:
    for project in (projects if projects is not None else public_projects()).iterator(
        chunk_size=200
    ):
        yield from releases_of(project)


@cache
def _schemas() -> tuple[Any, Any]:
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release = json.loads((SCHEMA_DIR / "release-schema.json").read_text(encoding="utf-8"))
    wrapper = json.loads((SCHEMA_DIR / "release-package-schema.json").read_text(encoding="utf-8"))
    # Every $ref resolves to the shipped files; nothing is fetched.
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in (release, wrapper)
    )
    checker = Draft4Validator.FORMAT_CHECKER
    return (
        Draft4Validator(wrapper, registry=registry, format_checker=checker),
        Draft4Validator(release, registry=registry, format_checker=checker),
    )


def validate(document: dict[str, Any]) -> list[str]:
    """The schema errors of a release package (or, without ``releases``, of one release)."""
    package_validator, release_validator = _schemas()
    validator = package_validator if "releases" in document else release_validator
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(document)
    ]
