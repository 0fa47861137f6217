"""One colour per meaning for every status badge (the house colours): waiting on someone
amber, under way blue, done green, ended without completion grey, overdue red."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

WAITING, UNDER_WAY, DONE, ENDED, LATE = "warning", "primary", "success", "secondary", "danger"

# model name → status → tone; a status not listed reads as under way.
TONES: dict[str, dict[str, str]] = {
    "purchaseplan": {"draft": ENDED, "submitted": WAITING, "approved": DONE, "closed": ENDED},
    "purchaseproject": {
        "preparing": UNDER_WAY,
        "awarded": WAITING,
        "contracted": DONE,
        "cancelled": ENDED,
    },
    "contract": {
        "draft": WAITING,
        "signed": WAITING,
        "in_service": UNDER_WAY,
        "completed": DONE,
        "evaluated": DONE,
        "closed": ENDED,
        "terminated": ENDED,
    },
    "amendment": {"proposed": WAITING, "agreed": DONE, "declined": ENDED},
    "servicetask": {
        "planned": WAITING,
        "on_site": UNDER_WAY,
        "findings_recorded": UNDER_WAY,
        "reported": DONE,
        "accepted": DONE,
        "cancelled": ENDED,
    },
    "feecomplaint": {"reported": WAITING, "confirmed": LATE, "dismissed": ENDED},
    "documentrequest": {"open": WAITING, "answered": UNDER_WAY, "closed": DONE},
    "hazard": {
        "found": WAITING,
        "notified": WAITING,
        "rectifying": UNDER_WAY,
        "submitted": WAITING,
        "closed": DONE,
    },
    "extensionrequest": {"pending": WAITING, "approved": DONE, "declined": ENDED},
    "majorhazardreport": {
        "draft": WAITING,
        "sent": WAITING,
        "acknowledged": UNDER_WAY,
        "supervised": UNDER_WAY,
        "accepted": DONE,
    },
    "technicalreport": {
        "draft": WAITING,
        "signing": WAITING,
        "sealed": UNDER_WAY,
        "issued": WAITING,
        "accepted": DONE,
        "returned": LATE,
        "superseded": ENDED,
    },
    "evaluation": {
        "commissioned": WAITING,
        "draft": WAITING,
        "sent": UNDER_WAY,
        "replied": WAITING,
        "final": DONE,
    },
    "annualsubmission": {
        "draft": WAITING,
        "submitted": UNDER_WAY,
        "received": DONE,
        "returned": LATE,
    },
    "statisticssubmission": {
        "draft": WAITING,
        "submitted": UNDER_WAY,
        "received": DONE,
        "returned": LATE,
    },
    "sanction": {"proposed": WAITING, "confirmed": LATE, "rejected": ENDED, "lifted": ENDED},
    "enterprise": {"operating": DONE, "suspended": WAITING, "closed": ENDED},
    "employerchange": {
        "requested": WAITING,
        "approved": DONE,
        "rejected": ENDED,
        "withdrawn": ENDED,
    },
}


@register.filter
def status_tone(obj: Any) -> str:
    """The badge colour of an object's status: red whenever it is overdue."""
    if getattr(obj, "overdue", False) is True:  # each lifecycle says what overdue means
        return LATE
    return TONES.get(obj._meta.model_name, {}).get(obj.status, UNDER_WAY)
