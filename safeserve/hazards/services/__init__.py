"""Every write of the hazard loop, along its seams: hazards and their notices, extension
requests, and major-hazard reports."""

from safeserve.hazards.links import (
    NOTICE_LINK_GRACE_DAYS,
    LinkRateExceeded,
    link_is_valid,
    notice_by_token,
    notice_from_link,
    notice_token,
)
from safeserve.hazards.permissions import LinkActor, is_contract_expert, is_department_of
from safeserve.hazards.services.answers import answer_and_raise
from safeserve.hazards.services.extensions import extension_decide, extension_request
from safeserve.hazards.services.hazards import (
    contract_in_force,
    hazard_acknowledge,
    hazard_raise,
    hazard_reject,
    hazard_reopen,
    hazard_snapshot,
    hazard_submit,
    hazard_verify,
    notice_acknowledge,
    notice_issue,
    register_notice_issued,
    route_major_hazard,
)
from safeserve.hazards.services.major_reports import (
    governance_plan_save,
    major_report_accept,
    major_report_acknowledge,
    major_report_save,
    major_report_send,
    major_report_supervise,
)
from safeserve.hazards.workflows import EXTENDABLE

__all__ = [
    "EXTENDABLE",
    "NOTICE_LINK_GRACE_DAYS",
    "LinkActor",
    "LinkRateExceeded",
    "answer_and_raise",
    "contract_in_force",
    "extension_decide",
    "extension_request",
    "governance_plan_save",
    "hazard_acknowledge",
    "hazard_raise",
    "hazard_reject",
    "hazard_reopen",
    "hazard_snapshot",
    "hazard_submit",
    "hazard_verify",
    "is_contract_expert",
    "is_department_of",
    "link_is_valid",
    "major_report_accept",
    "major_report_acknowledge",
    "major_report_save",
    "major_report_send",
    "major_report_supervise",
    "notice_acknowledge",
    "notice_by_token",
    "notice_from_link",
    "notice_issue",
    "notice_token",
    "register_notice_issued",
    "route_major_hazard",
]
