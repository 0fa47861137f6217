from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from safeserve.audit.digests import digests_issue
from safeserve.audit.exports import export_jobs_expire
from safeserve.audit.verification import verify_and_record
from safeserve.contracts.services import start_due_contracts
from safeserve.notifications.services import notifications_prune
from safeserve.notifications.tasks import send_reminders
from safeserve.operations.roster.jobs import roster_jobs_tidy


class Command(BaseCommand):
    help = (
        "The daily time-based transitions (schedule with cron or a systemd timer): signed "
        "contracts whose service period has begun start service; roster imports a stopped "
        "worker left half-way are closed and their uploads deleted; every audit chain that "
        "moved gets a signed digest of its head, and every chain is verified (the result "
        "shows on the audit trail page); list exports past their download period are "
        "deleted, and notifications past NOTIFICATION_KEEP_DAYS; then the day's reminders are "
        "enqueued for db_worker to send."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = start_due_contracts()
        closed = roster_jobs_tidy()
        digests = digests_issue()
        broken = sum(not result.ok for result in verify_and_record())
        expired = export_jobs_expire()
        pruned = notifications_prune()
        send_reminders.enqueue(hourly=False)
        self.stdout.write(
            _(
                "Contracts started: %(started)d; stalled roster imports closed: %(closed)d; "
                "expired exports deleted: %(expired)d; old notifications deleted: %(pruned)d; "
                "audit digests issued: %(digests)d; audit chains broken: %(broken)d; "
                "the day's reminders enqueued"
            )
            % {
                "started": started,
                "closed": closed,
                "expired": expired,
                "pruned": pruned,
                "digests": len(digests),
                "broken": broken,
            }
        )
