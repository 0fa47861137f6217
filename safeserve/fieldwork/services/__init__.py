"""Every write of fieldwork, along its seams: tasks, inspections (checklists and records),
fee reports and document requests."""

from safeserve.fieldwork.models import RECORD_FIELDS
from safeserve.fieldwork.selectors import checklist_progress, expert_refusal, missing_findings
from safeserve.fieldwork.services.document_requests import (
    can_request_documents,
    document_open,
    document_request_answer,
    document_request_close,
    document_request_create,
)
from safeserve.fieldwork.services.fee_reports import fee_complaint_decide, fee_complaint_report
from safeserve.fieldwork.services.inspections import (
    answer_record,
    answers_remaining_no,
    available_templates,
    inspection_add,
    record_save,
    suggested_templates,
    test_result_add,
)
from safeserve.fieldwork.services.tasks import (
    SCHEDULE_LIMIT,
    register_task_finished,
    register_team_changed,
    schedule_dates,
    task_assign,
    task_cancel,
    task_check_in,
    task_create,
    task_finish,
    task_rate,
    task_schedule_generate,
    task_snapshot,
    task_update,
    team_for,
)
from safeserve.fieldwork.workflows import RATEABLE

__all__ = [
    "RATEABLE",
    "RECORD_FIELDS",
    "SCHEDULE_LIMIT",
    "answer_record",
    "answers_remaining_no",
    "available_templates",
    "can_request_documents",
    "checklist_progress",
    "document_open",
    "document_request_answer",
    "document_request_close",
    "document_request_create",
    "expert_refusal",
    "fee_complaint_decide",
    "fee_complaint_report",
    "inspection_add",
    "missing_findings",
    "record_save",
    "register_task_finished",
    "register_team_changed",
    "schedule_dates",
    "suggested_templates",
    "task_assign",
    "task_cancel",
    "task_check_in",
    "task_create",
    "task_finish",
    "task_rate",
    "task_schedule_generate",
    "task_snapshot",
    "task_update",
    "team_for",
    "test_result_add",
]
