from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "safeserve.documents"
    label = "documents"
    verbose_name = _("Signed documents")

    def ready(self) -> None:
        from safeserve.documents import (
            audit_labels,  # noqa: F401 — registers the labels
            notifications,  # noqa: F401 — registers its kinds of notification
            todo,  # noqa: F401 — registers its 待办 rows
        )
        from safeserve.documents.panels import link_document, notice_document, task_report
        from safeserve.documents.report_services import report_open
        from safeserve.documents.services import follow_the_lead, notice_document_create
        from safeserve.fieldwork.panels import register_task_panel
        from safeserve.fieldwork.services import register_team_changed
        from safeserve.fieldwork.services.tasks import register_task_finished
        from safeserve.hazards.panels import register_link_panel, register_notice_panel
        from safeserve.hazards.services import register_notice_issued
        from safeserve.providers.services import register_expert_left

        register_notice_issued(notice_document_create)
        register_team_changed(follow_the_lead)
        register_task_finished(report_open)
        register_task_panel(task_report, order=20)
        register_notice_panel(notice_document)
        register_link_panel(link_document)
        register_expert_left(_revoke_on_leaving)


def _revoke_on_leaving(expert: object, why: str) -> None:
    """The certificate names the provider the expert left: it signs nothing more (R13); what
    it signed stays valid, and the next signature gets a new certificate."""
    from safeserve.documents.ca import revoke_credentials

    user = getattr(expert, "user", None)
    if user is not None:
        revoke_credentials(user=user, reason=why)
