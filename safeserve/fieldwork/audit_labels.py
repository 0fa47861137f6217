"""What the audit trail calls fieldwork events and the keys it records (registered when
the app loads)."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys, register_object_types
from safeserve.fieldwork.models import Answer

register_object_types(
    {
        "fieldwork.servicetask": gettext_lazy("Service task"),
        "fieldwork.feecomplaint": gettext_lazy("Fee complaint"),
        "fieldwork.documentrequest": gettext_lazy("Document request"),
        "fieldwork.enterprisedocument": gettext_lazy("Enterprise document"),
    }
)

register_keys(
    {
        "team": gettext_lazy("Team before"),
        "lead": gettext_lazy("Lead expert"),
        "members": gettext_lazy("Members"),
        "latitude": gettext_lazy("Latitude"),
        "longitude": gettext_lazy("Longitude"),
        "accuracy": gettext_lazy("Accuracy (m)"),
        "item": gettext_lazy("Checklist item"),
        "answer": gettext_lazy("Problem?"),
        "photos": gettext_lazy("Photos"),
        "files": gettext_lazy("Files"),
        "checklist": gettext_lazy("Checklist"),
        "items": gettext_lazy("Checklist items"),
        "visits_per_year": gettext_lazy("Visits per year"),
        "count": gettext_lazy("Count"),
        "from": gettext_lazy("From"),
        "hazards": gettext_lazy("Hazards"),
        "contract": gettext_lazy("Contract"),
        "enterprise": gettext_lazy("Enterprise"),
        "title": gettext_lazy("Title"),
        "finding": gettext_lazy("Problem found"),
        "summary": gettext_lazy("summary of the work"),
        "scenario": gettext_lazy("drill scenario"),
        "participants": gettext_lazy("participants"),
        "problems_found": gettext_lazy("problems found"),
        "topic": gettext_lazy("topic"),
        "hours": gettext_lazy("hours"),
        "attendees": gettext_lazy("attendees"),
        "factor": gettext_lazy("hazard factor"),
        "point": gettext_lazy("measuring point"),
        "measured_value": gettext_lazy("measured value"),
        "limit_value": gettext_lazy("limit"),
        "passed": gettext_lazy("within the limit"),
        "score": gettext_lazy("score (1–5)"),
        "comment": gettext_lazy("comment"),
    },
    choices={"answer": dict(Answer.choices)},
)

register_actions(
    {
        "task.planned": gettext_lazy("Task planned"),
        "task.schedule_generated": gettext_lazy("Inspection schedule generated"),
        "task.updated": gettext_lazy("Task changed"),
        "task.assigned": gettext_lazy("Experts assigned"),
        "task.checked_in": gettext_lazy("Checked in on site"),
        "task.checklist_added": gettext_lazy("Checklist added"),
        "task.item_answered": gettext_lazy("Checklist item answered"),
        "task.items_answered_no": gettext_lazy("Remaining checklist items answered: no problem"),
        "task.record_saved": gettext_lazy("Service record saved"),
        "task.test_result_added": gettext_lazy("Test result recorded"),
        "task.findings_recorded": gettext_lazy("Findings recorded"),
        "task.reported": gettext_lazy("Technical report issued"),
        "task.accepted": gettext_lazy("Technical report accepted"),
        "task.report_returned": gettext_lazy("Technical report returned"),
        "task.cancelled": gettext_lazy("Task cancelled"),
        "task.rated": gettext_lazy("Task rated by the enterprise"),
        "fee_complaint.reported": gettext_lazy("Fee demand reported"),
        "fee_complaint.decided": gettext_lazy("Fee report decided"),
        "document_request.created": gettext_lazy("Documents or site access requested"),
        "document_request.answered": gettext_lazy("Document request answered"),
        "document_request.closed": gettext_lazy("Document request closed"),
        "document.viewed": gettext_lazy("Confidential document viewed"),
        "checklists.loaded": gettext_lazy("Shipped checklists loaded"),
    }
)
