"""What applications to the register and employer changes put in a person's 待办
(safeserve/common/todo.py)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from safeserve.common.todo import TodoRow, register_todo_rows
from safeserve.providers.models import AdmissionStatus, EmployerChange, Provider, ProviderAdmission
from safeserve.providers.workflows import ADMISSION, EMPLOYER_CHANGE

register_todo_rows(
    [
        TodoRow(
            key="employer_change.decide",
            table=EMPLOYER_CHANGE,
            verbs=("reject", "approve"),  # reject has no guard: no query per request
            label=_("Decide the employer change"),
            candidates=lambda user: (
                EmployerChange.objects.visible_to(user)
                .select_related("to_provider")
                .order_by("created_at", "pk")
            ),
            title=lambda change: f"{change.name} → {change.to_provider.name}",
            url=lambda change: reverse("providers:employer_change", args=[change.pk]),
            list_url=lambda user: reverse("providers:employer_changes") + "?status=requested",
        ),
    ]
)

register_todo_rows(
    [
        TodoRow(
            key="admission.admit",
            table=ADMISSION,
            verbs=("admit",),
            label=_("Decide the admission to the register"),
            # Applications only: a provider removed from the register waits on nobody.
            candidates=lambda user: (
                ProviderAdmission.objects.filter(
                    status=AdmissionStatus.APPLYING,
                    county_id=getattr(user.organization, "county_id", None),
                    provider__in=Provider.objects.visible_to(user),
                )
                .select_related("provider")
                .order_by("created_at", "pk")
            ),
            title=lambda admission: admission.provider.name,
            url=lambda admission: reverse("providers:detail", args=[admission.provider_id]),
            waiting=lambda admission: admission.status == AdmissionStatus.APPLYING,
            list_url=lambda user: reverse("providers:list") + "?admission=applying",
        ),
    ]
)
