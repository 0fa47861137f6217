from django_tasks import task

from safeserve.operations.roster import roster_import_run


@task()
def run_roster_import(job_id: int) -> str:
    """Checks and writes one county roster (``manage.py db_worker`` runs it)."""
    return roster_import_run(job_id).status
