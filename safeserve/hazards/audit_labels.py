"""What the audit trail calls hazard events and the keys it records (registered when the
app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.hazards.models import HazardLevel

register_object_types(
    {
        "hazards.hazard": gettext_lazy("Hazard"),
        "hazards.notice": gettext_lazy("Notice"),
        "hazards.majorhazardreport": gettext_lazy("Major-hazard report"),
    }
)

register_keys(
    {
        "deadline": gettext_lazy("Deadline"),
        "level": gettext_lazy("Level"),
        "new_deadline": gettext_lazy("New deadline"),
        "hazards": gettext_lazy("Hazards"),
        "late": gettext_lazy("Late"),
        "files": gettext_lazy("Files"),
        "photos": gettext_lazy("Photos"),
        "via_link": gettext_lazy("Through the notice link"),
        "note": gettext_lazy("Note"),
        "notice": gettext_lazy("Notice"),
        "link_valid_until": gettext_lazy("Link valid until"),
        "approved": gettext_lazy("Approved"),
        "department": gettext_lazy("Responsible department"),
        "copied": gettext_lazy("Township copied"),
        "due_at": gettext_lazy("To be sent by"),
        "hazard": gettext_lazy("Hazard"),
        "enterprise": gettext_lazy("Enterprise"),
        "rectification": gettext_lazy("what was done"),
        "extension_lapsed": gettext_lazy("Pending extension lapsed"),
        "accepted_at": gettext_lazy("accepted at"),
        "accepted_late": gettext_lazy("accepted after the window"),
        "targets": gettext_lazy("targets and tasks"),
        "methods": gettext_lazy("methods and measures"),
        "funds": gettext_lazy("funds and materials"),
        "organisation": gettext_lazy("organisation and people responsible"),
        "time_limits": gettext_lazy("time limits and requirements"),
        "safety_measures": gettext_lazy("safety measures and emergency plan"),
    },
    choices={"level": dict(HazardLevel.choices)},
)

register_actions(
    {
        "hazard.raised": gettext_lazy("Hazard raised"),
        "hazard.notified": gettext_lazy("Hazard notified in writing"),
        "hazard.acknowledged": gettext_lazy("Notice acknowledged by the enterprise"),
        "hazard.submitted": gettext_lazy("Rectification submitted"),
        "hazard.closed": gettext_lazy("Hazard verified and closed"),
        "hazard.rejected": gettext_lazy("Rectification rejected"),
        "hazard.extension_requested": gettext_lazy("Extension requested"),
        "hazard.extension_decided": gettext_lazy("Extension decided"),
        "hazard.reopened": gettext_lazy("Hazard reopened"),
        "notice.issued": gettext_lazy("Written notice issued"),
        "major_report.created": gettext_lazy("Major-hazard report drafted"),
        "major_report.saved": gettext_lazy("Major-hazard report edited"),
        "major_report.sent": gettext_lazy("Major-hazard report sent"),
        "major_report.acknowledged": gettext_lazy("Major-hazard report acknowledged"),
        "major_report.supervised": gettext_lazy("Listed for supervision"),
        "major_report.governance_plan_saved": gettext_lazy("Governance plan saved"),
        "major_report.accepted": gettext_lazy("Major hazard accepted on site and closed"),
        "major_report.reopened": gettext_lazy("Acceptance undone: the hazard was reopened"),
    }
)
