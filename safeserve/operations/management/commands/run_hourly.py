from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from safeserve.notifications.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "The hourly jobs (schedule with cron or a systemd timer): enqueues the reminders "
        "counted in hours — a major-hazard report due within 6 hours, overdue, or sent and "
        "not acknowledged — and the notification emails to retry; db_worker runs them."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_reminders.enqueue(hourly=True)
        self.stdout.write(_("Hourly reminders enqueued (%(id)s).") % {"id": result.id})
