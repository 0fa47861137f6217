from django_tasks import task

from safeserve.enterprises.importing import import_job_run


@task()
def run_enterprise_import(job_id: int) -> str:
    """Validates and writes one enterprise import (``manage.py db_worker`` runs it)."""
    return import_job_run(job_id).status
