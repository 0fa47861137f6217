"""The demo's month of notifications (issue 16): the daily and hourly reminders run as they
would have each day of the past month, over the chain the demo seeded (so every one is
about a real record, to the people who may see it); the older ones read, the emails of those
with an address sent — one refused by the mail server — and a finished background export."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.db.models import F
from django.http import QueryDict
from django.test import override_settings
from django.utils import timezone

from safeserve.accounts.models import User
from safeserve.audit.exports import export_job_create, export_job_run
from safeserve.audit.models import ExportJob
from safeserve.demo.clock import on
from safeserve.hazards import exports as hazard_exports
from safeserve.hazards import selectors as hazard_selectors
from safeserve.hazards.filters import HazardFilter
from safeserve.notifications.models import EmailStatus, Notification
from safeserve.notifications.services import emails_send, reminders_run

MONTH = 30
READ_AFTER_DAYS = 3
EMAIL_ADDRESSES = {
    "county_officer": "zhoujianping@anping.example.gov.cn",
    "township_officer": "chengguan.aq@anping.example.gov.cn",
    "provider_admin": "office@anke-safety.example.com",
}


def seed_notifications() -> dict[str, int]:
    if Notification.objects.filter(read_at__isnull=False).exists():
        return {}  # seeded before
    today = timezone.localdate()
    for username, address in EMAIL_ADDRESSES.items():
        User.objects.filter(username=username, email="").update(email=address)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        for days_ago in range(MONTH, -1, -1):
            with on(today, days_ago, 7, 30):
                reminders_run()
                if days_ago:  # today's wait for the worker: to be sent
                    emails_send()
            for hour in (9, 15):
                with on(today, days_ago, hour, 5):
                    reminders_run(hourly=True)
    # Read the morning after, except the last few days'.
    old = Notification.objects.filter(
        created_at__lt=timezone.now() - dt.timedelta(days=READ_AFTER_DAYS)
    )
    read = old.update(read_at=F("created_at") + dt.timedelta(hours=25))
    refused = (
        Notification.objects.filter(
            email_status=EmailStatus.SENT, recipient__username="provider_admin"
        )
        .order_by("created_at")
        .first()
    )
    if refused is not None:
        Notification.objects.filter(pk=refused.pk).update(
            email_status=EmailStatus.FAILED,
            email_attempts=5,
            email_error="SMTPRecipientsRefused: 550 5.1.1 mailbox unavailable",
            emailed_at=None,
        )
    return {
        "notifications": Notification.objects.count(),
        "notifications read": read,
        "background exports": _finished_export(today),
    }


def _finished_export(today: dt.date) -> int:
    """The county officer's export of the open hazards, written by the worker yesterday."""
    officer = User.objects.filter(username="county_officer").first()
    if officer is None or ExportJob.objects.filter(created_by=officer).exists():
        return 0
    query = QueryDict("open=1")
    filters = HazardFilter(
        query,
        queryset=hazard_selectors.hazard_list(viewer=officer),
        request=SimpleNamespace(user=officer),  # type: ignore[arg-type]
    )
    with on(today, 1, 16, 20):
        job = export_job_create(
            actor=officer,
            export=hazard_exports.HAZARDS,
            queryset=filters.qs,
            filters=query.urlencode(),
            channel="web",
            described=filters.in_words(),
        )
        export_job_run(job.pk)
    return 1
