from django_tasks import task

from safeserve.notifications.services import emails_send, reminders_run


@task()
def send_reminders(hourly: bool = False) -> dict[str, int]:
    """The reminders due now (``run_daily`` enqueues the daily ones, ``run_hourly`` those
    counted in hours; ``manage.py db_worker`` runs them), then their email."""
    counts = reminders_run(hourly=hourly)
    emails_send()
    return counts


@task()
def send_emails() -> list[int]:
    """The notification emails due (enqueued after a notification is written)."""
    return list(emails_send())
