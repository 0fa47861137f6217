"""Status badges mean the same colour everywhere (the house colours)."""

from __future__ import annotations

from safeserve.common.templatetags.status import TONES, status_tone
from safeserve.contracts.models import AmendmentStatus, ContractStatus
from safeserve.enterprises.models import EnterpriseStatus
from safeserve.fieldwork.models import DocumentRequestStatus, FeeComplaintStatus, TaskStatus
from safeserve.hazards.models import ExtensionStatus, HazardStatus, ReportStatus
from safeserve.procurement.models import PlanStatus, ProjectStatus
from safeserve.providers.models import EmployerChangeStatus


def test_every_status_of_every_lifecycle_has_its_colour():
    lifecycles = {
        "purchaseplan": PlanStatus,
        "purchaseproject": ProjectStatus,
        "contract": ContractStatus,
        "amendment": AmendmentStatus,
        "servicetask": TaskStatus,
        "feecomplaint": FeeComplaintStatus,
        "documentrequest": DocumentRequestStatus,
        "hazard": HazardStatus,
        "extensionrequest": ExtensionStatus,
        "majorhazardreport": ReportStatus,
        "enterprise": EnterpriseStatus,
        "employerchange": EmployerChangeStatus,
    }
    for model, choices in lifecycles.items():
        assert set(TONES[model]) == set(choices.values), model


class _Meta:
    model_name = "hazard"


class _Hazard:
    _meta = _Meta()

    def __init__(self, status: str, overdue: bool) -> None:
        self.status, self.overdue = status, overdue


def test_overdue_is_red_whatever_the_state():
    assert status_tone(_Hazard("rectifying", overdue=True)) == "danger"
    assert status_tone(_Hazard("rectifying", overdue=False)) == "primary"
    assert status_tone(_Hazard("submitted", overdue=False)) == "warning"
    assert status_tone(_Hazard("closed", overdue=False)) == "success"


def test_a_major_hazard_report_unsent_past_its_hour_is_red():
    import datetime as dt

    from django.utils import timezone

    from safeserve.hazards.models import MajorHazardReport

    late = MajorHazardReport(status="draft", due_at=timezone.now() - dt.timedelta(hours=1))
    on_time = MajorHazardReport(status="draft", due_at=timezone.now() + dt.timedelta(hours=1))
    assert status_tone(late) == "danger" and status_tone(on_time) == "warning"
