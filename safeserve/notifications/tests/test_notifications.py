"""Notifications and reminders (issue 16): told at once of a major hazard in the event's own
transaction, reminded once of what is due, only ever of what one may see, as one chose; the
email follows and is retried without touching the notification."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from safeserve.fieldwork.tests.conftest import (
    TODAY,
    advance,
    raise_general,
    raise_major,
)
from safeserve.hazards import services as hazards
from safeserve.hazards.models import HazardStatus, MajorHazardReport
from safeserve.notifications.models import EmailStatus, Notification
from safeserve.notifications.registry import Occasion
from safeserve.notifications.services import (
    EMAIL_ATTEMPTS,
    emails_send,
    notifications_mark_read,
    notify,
    preferences_save,
    reminders_run,
)

pytestmark = pytest.mark.django_db


def told(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def at(days: int = 0, hours: float = 0) -> dt.datetime:
    return timezone.now() + dt.timedelta(days=days, hours=hours)


def drafted(users: dict[str, Any], task: Any) -> MajorHazardReport:
    report = MajorHazardReport.objects.get(hazard=raise_major(users, task))
    return hazards.major_report_save(
        actor=users["provider_admin"],
        report=report,
        current_state="泄爆口被封堵",
        harm_analysis="可能引发粉尘爆炸",
        handling_advice="立即停用除尘系统",
    )


# --- at once, in the event's transaction ------------------------------------------------


def test_a_major_hazard_raised_tells_the_provider_the_purchaser_and_the_county_office(
    users, on_site
):
    raise_major(users, on_site)
    # The department and the township it would be copied to see the hazard only once the
    # report is sent (R12): they are told then. Experts are told of their own work by name.
    assert told("major_hazard_raised") == {
        "provider_admin",
        "provider_leader",
        "township_officer",
        "township_leader",
        "county_officer",
        "county_leader",
        "county_admin",
    }
    notification = Notification.objects.filter(kind="major_hazard_raised").first()
    assert notification is not None
    assert notification.subject.startswith("重大隐患 YH2026-")
    assert notification.url == f"/hazards/{notification.key}/"


def test_a_major_hazard_rolled_back_leaves_no_notification(users, on_site):
    with pytest.raises(RuntimeError), transaction.atomic():
        raise_major(users, on_site)
        raise RuntimeError("the caller's transaction fails after the raise")
    assert not Notification.objects.exists()


def test_a_major_hazard_report_sent_tells_the_department_and_the_copied_township(users, on_site):
    report = drafted(users, on_site)
    hazards.major_report_send(actor=users["expert"], report=report)
    assert told("major_report_sent") == {
        "department_officer",
        "department_leader",
        "township_officer",
        "township_leader",
        "county_officer",
        "county_leader",
        "county_admin",
    }


# --- reminders: once, in scope --------------------------------------------------------------


def test_a_task_tomorrow_is_told_to_its_experts_and_provider_once(users, task):
    first = reminders_run()
    assert first["task_tomorrow"] == 4
    assert told("task_tomorrow") == {"expert", "expert2", "provider_admin", "provider_leader"}
    again = reminders_run()
    assert again["task_tomorrow"] == 0
    assert Notification.objects.filter(kind="task_tomorrow").count() == 4


def test_reminders_are_recorded_in_the_countys_audit_trail(users, task):
    from safeserve.audit.models import AuditEvent

    reminders_run()
    event = AuditEvent.objects.get(action="notifications.reminded")
    assert event.after["notifications"]["task_tomorrow"] == 4
    assert event.chain_id != "platform"


def test_a_hazard_due_in_three_days_is_told_to_the_enterprise_and_the_provider(users, on_site):
    hazard = raise_general(users, on_site, deadline=TODAY + dt.timedelta(days=3))
    reminders_run()
    # Not yet in a written notice, the hazard is not the enterprise's to see (R11).
    assert told("hazard_due_soon") == {"provider_admin", "provider_leader"}
    advance(users, hazard, HazardStatus.NOTIFIED)
    assert reminders_run()["hazard_due_soon"] == 1
    assert told("hazard_due_soon") == {"enterprise_user", "provider_admin", "provider_leader"}
    assert reminders_run()["hazard_due_soon"] == 0


def test_an_extended_deadline_is_reminded_again(users, on_site):
    hazard = raise_general(users, on_site, deadline=TODAY + dt.timedelta(days=2))
    advance(users, hazard, HazardStatus.NOTIFIED)
    reminders_run()
    type(hazard).objects.filter(pk=hazard.pk).update(deadline=TODAY + dt.timedelta(days=3))
    assert reminders_run()["hazard_due_soon"] == 3


def test_an_overdue_hazard_is_told_to_the_purchaser_too(users, on_site):
    advance(users, raise_general(users, on_site, deadline=TODAY), HazardStatus.RECTIFYING)
    assert reminders_run(now=at(days=1))["hazard_overdue"] == 5
    assert told("hazard_overdue") == {
        "enterprise_user",
        "provider_admin",
        "provider_leader",
        "township_officer",
        "township_leader",
    }
    assert reminders_run(now=at(days=2))["hazard_overdue"] == 0


def test_a_submitted_hazard_past_its_deadline_is_not_the_enterprises_to_be_told_of(users, on_site):
    hazard = raise_general(users, on_site, deadline=TODAY)
    advance(users, hazard, HazardStatus.SUBMITTED)
    assert reminders_run(now=at(days=1))["hazard_overdue"] == 0


def test_the_hourly_job_warns_six_hours_before_a_report_is_due_then_when_late(users, on_site):
    drafted(users, on_site)  # due 24 hours from now
    assert reminders_run(hourly=True, now=at(hours=17))["major_report_due"] == 0
    assert reminders_run(hourly=True, now=at(hours=19))["major_report_due"] == 2
    assert told("major_report_due") == {"provider_admin", "provider_leader"}
    assert reminders_run(hourly=True, now=at(hours=20))["major_report_due"] == 0
    late = reminders_run(hourly=True, now=at(hours=25))
    assert late["major_report_overdue"] == 7
    assert told("major_report_overdue") == {
        "provider_admin",
        "provider_leader",
        "township_officer",
        "township_leader",
        "county_officer",
        "county_leader",
        "county_admin",
    }
    # The daily run leaves what is counted in hours alone.
    assert "major_report_overdue" not in reminders_run(now=at(hours=26))


def test_a_sent_report_not_acknowledged_in_the_policy_hours_is_told_to_the_department(
    users, on_site
):
    report = drafted(users, on_site)
    hazards.major_report_send(actor=users["expert"], report=report)
    assert reminders_run(hourly=True, now=at(hours=23))["major_report_unacknowledged"] == 0
    assert reminders_run(hourly=True, now=at(hours=25))["major_report_unacknowledged"] == 5
    assert told("major_report_unacknowledged") == {
        "department_officer",
        "department_leader",
        "county_officer",
        "county_leader",
        "county_admin",
    }


def test_nobody_is_told_of_what_they_may_not_see(users, on_site):
    """An occasion naming people outside the object's scope tells none of them."""
    hazard = raise_general(users, on_site)
    others = ("other_provider_admin", "other_county_officer", "other_expert", "evaluator")
    notify(
        "hazard_due_soon",
        [
            Occasion(
                obj=hazard,
                key="probe",
                params={},
                url="/",
                county_id=hazard.county_id,
                organizations=tuple(users[name].organization_id for name in others),
                users=tuple(users[name].pk for name in others),
            )
        ],
    )
    assert not Notification.objects.filter(key="probe").exists()


def test_a_changed_role_no_longer_shows_or_mails_what_the_old_role_was_told(users, task):
    """Told as the provider's administrator (the whole provider's tasks), then made one of
    its experts: what the administrator was told is no longer theirs to read, nor mailed."""
    admin = users["provider_admin"]
    _with_email(admin, "admin@example.gov.cn")
    reminders_run()
    assert Notification.objects.visible_to(admin).filter(kind="task_tomorrow").count() == 1
    admin.role = "expert"
    admin.save(update_fields=["role"])
    assert not Notification.objects.visible_to(admin).exists()
    assert Notification.objects.filter(recipient=admin).count() == 1  # kept, not shown
    assert emails_send() == (0, 1)
    mailed = Notification.objects.get(recipient=admin)
    assert mailed.email_status == EmailStatus.FAILED and not mail.outbox
    admin.role = "admin"  # given back: in scope again
    admin.save(update_fields=["role"])
    assert Notification.objects.visible_to(admin).count() == 1


def test_an_inactive_person_is_not_told(users, task):
    users["expert2"].is_active = False
    users["expert2"].save(update_fields=["is_active"])
    reminders_run()
    assert "expert2" not in told("task_tomorrow")


# --- preferences ----------------------------------------------------------------------------


def test_a_muted_kind_is_not_written_but_a_major_hazard_always_shows(users, on_site):
    preferences_save(
        actor=users["provider_admin"],
        choices={"hazard_due_soon": (False, False), "major_hazard_raised": (False, False)},
    )
    raise_general(users, on_site, deadline=TODAY + dt.timedelta(days=1))
    raise_major(users, on_site)
    reminders_run()
    assert "provider_admin" not in told("hazard_due_soon")
    mine = Notification.objects.get(kind="major_hazard_raised", recipient=users["provider_admin"])
    assert mine.email_status == EmailStatus.NONE  # the email part of the choice holds


def test_preferences_changed_are_audited(users):
    from safeserve.audit.models import AuditEvent

    preferences_save(actor=users["expert"], choices={"task_tomorrow": (True, False)})
    event = AuditEvent.objects.get(action="notifications.preferences_changed")
    assert event.after["no_email"] == ["task_tomorrow"]
    preferences_save(actor=users["expert"], choices={"task_tomorrow": (True, False)})
    assert AuditEvent.objects.filter(action="notifications.preferences_changed").count() == 1


def test_an_unknown_kind_is_refused_naming_it(users):
    from safeserve.common.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as refused:
        preferences_save(actor=users["expert"], choices={"nonsense": (False, False)})
    assert "nonsense" in str(refused.value.message)


# --- email ----------------------------------------------------------------------------------


def _with_email(user: Any, address: str) -> None:
    user.email = address
    user.save(update_fields=["email"])


def test_the_email_follows_the_commit(users, task, django_capture_on_commit_callbacks):
    _with_email(users["expert"], "expert@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=True):
        reminders_run()
    [message] = mail.outbox
    assert message.to == ["expert@example.gov.cn"]
    assert "明日任务" in message.subject or "明日" in message.subject
    assert f"/tasks/{task.pk}/" in message.body
    notification = Notification.objects.get(recipient=users["expert"])
    assert notification.email_status == EmailStatus.SENT
    assert emails_send() == (0, 0)  # never twice


def test_a_failed_email_is_retried_then_given_up_and_the_notification_stays(users, task):
    _with_email(users["expert"], "expert@example.gov.cn")
    reminders_run()
    notification = Notification.objects.get(recipient=users["expert"])
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("refused")):
        assert emails_send() == (0, 1)
        notification.refresh_from_db()
        assert (notification.email_status, notification.email_attempts) == ("pending", 1)
        assert "refused" in notification.email_error
        assert emails_send() == (0, 0)  # not before its retry time
        for attempt in range(2, EMAIL_ATTEMPTS + 1):
            assert emails_send(now=at(days=attempt)) == (0, 1)
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.FAILED
    assert notification.read_at is None
    assert Notification.objects.filter(kind="task_tomorrow").count() == 4
    assert not mail.outbox


def test_a_retried_email_is_sent_once_the_server_answers(users, task):
    _with_email(users["expert"], "expert@example.gov.cn")
    reminders_run()
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("down")):
        emails_send()
    assert emails_send(now=at(hours=1)) == (1, 0)
    assert len(mail.outbox) == 1


# --- the scheduled commands -----------------------------------------------------------------


def test_run_daily_sends_the_days_reminders_through_the_task_queue(users, task):
    call_command("run_daily", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert told("task_tomorrow") == {"expert", "expert2", "provider_admin", "provider_leader"}


def test_run_hourly_sends_those_counted_in_hours(users, on_site):
    drafted(users, on_site)
    with mock.patch("django.utils.timezone.now", return_value=at(hours=20)):
        call_command("run_hourly", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert told("major_report_due") == {"provider_admin", "provider_leader"}


def test_marking_read_touches_only_ones_own(users, on_site):
    raise_major(users, on_site)
    assert notifications_mark_read(actor=users["county_officer"]) == 1
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notifications_mark_read(actor=users["expert"], ids=ids) == 0
    assert Notification.objects.filter(read_at__isnull=False).count() == 1


def test_old_notifications_are_pruned_after_the_keeping_period(users, on_site, settings):
    from safeserve.notifications.services import notifications_prune

    raise_major(users, on_site)
    count = Notification.objects.count()
    assert notifications_prune(now=at(days=settings.NOTIFICATION_KEEP_DAYS - 1)) == 0
    assert notifications_prune(now=at(days=settings.NOTIFICATION_KEEP_DAYS + 1)) == count
    assert not Notification.objects.exists()


def test_one_kind_failing_leaves_the_others_to_be_sent(users, task):
    from dataclasses import replace

    from safeserve.notifications.registry import KINDS

    broken = replace(KINDS["hazard_due_soon"], due=_explode)
    with mock.patch.dict(KINDS, {"hazard_due_soon": broken}):
        counts = reminders_run()
    assert counts["hazard_due_soon"] == -1 and counts["task_tomorrow"] == 4


def _explode(now: Any) -> Any:
    raise RuntimeError("a kind's query failed")


def test_a_returned_submission_sent_again_is_not_reminded(users):
    from safeserve.evaluations import annual

    year = TODAY.year - 1
    first = annual.submission_open(actor=users["township_officer"], year=year)
    sent = annual.submission_submit(actor=users["township_leader"], submission=first)
    annual.submission_return(actor=users["county_officer"], submission=sent, reason="请补充")
    again = annual.submission_open(actor=users["township_officer"], year=year)
    due = timezone.make_aware(dt.datetime.combine(again.due_on - dt.timedelta(days=3), dt.time(8)))
    reminders_run(now=due)
    keys = set(Notification.objects.filter(kind="submission_due").values_list("key", flat=True))
    assert keys == {f"{again.pk}:{again.due_on}"}
