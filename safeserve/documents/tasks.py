from django_tasks import task

from safeserve.documents.report_services import report_render


@task()
def render_report(report_id: int, site_url: str) -> str:
    """Makes a long report's PDF (``manage.py db_worker`` runs it); its progress shows on the
    report's page, and a failure can be retried there."""
    return str(report_render(report_id, site_url).render_status)
