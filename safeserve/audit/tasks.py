from django_tasks import task

from safeserve.audit.exports import export_job_run


@task()
def run_export(job_id: int) -> str:
    """Writes one large list export (``manage.py db_worker`` runs it)."""
    return export_job_run(job_id).status
