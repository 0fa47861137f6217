"""Contracts' notifications: a contract whose service period ends within 30 days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safeserve.contracts.models import Contract, ContractStatus
from safeserve.notifications.registry import Kind, Occasion, register_kinds

ENDING_DAYS = 30


def contracts_ending(now: dt.datetime) -> Iterator[Occasion]:
    """Contracts in service ending within 30 days: to the purchaser and the provider, once
    per end date."""
    today = timezone.localdate(now)
    contracts = Contract.objects.filter(
        status=ContractStatus.IN_SERVICE,
        period_end__gte=today,
        period_end__lte=today + dt.timedelta(days=ENDING_DAYS),
    ).select_related("provider")
    for contract in contracts.order_by("pk").iterator(chunk_size=500):
        assert contract.period_end is not None
        yield Occasion(
            obj=contract,
            key=f"{contract.pk}:{contract.period_end}",
            params={
                "contract": contract.number or str(contract),
                "date": contract.period_end.isoformat(),
            },
            url=reverse("contracts:detail", args=[contract.pk]),
            county_id=contract.county_id,
            organizations=(contract.purchaser_id, contract.provider.organization_id),
        )


register_kinds(
    [
        Kind(
            key="contract_ending",
            label=_("Contracts ending within 30 days"),
            subject=_("Contract %(contract)s ends on %(date)s"),
            due=contracts_ending,
            order=50,
            icon="bi-file-earmark-text",
        )
    ]
)
