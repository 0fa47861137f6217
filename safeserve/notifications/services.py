"""Every write of notifications: telling people (``notify``, in the caller's transaction),
the reminder runs, reading, preferences, and sending the email (issue 16)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safeserve.accounts.models import User
from safeserve.audit.services import audit_record
from safeserve.common.exceptions import ApplicationError
from safeserve.notifications.models import EmailStatus, Notification, NotificationPreference
from safeserve.notifications.registry import KINDS, Kind, Occasion, kind_of, kinds
from safeserve.organizations.models import Organization, OrganizationKind, Role

logger = logging.getLogger(__name__)

# An organization is told through the people who act for it; viewers read, experts are told
# of their own work by name.
NOTIFIED_ROLES = (Role.ADMIN, Role.OFFICER, Role.LEADER)
EMAIL_ATTEMPTS = 5  # then the email is given up as not delivered (the notification stays)
EMAIL_RETRY = dt.timedelta(minutes=5)  # doubled after each failure: 5, 10, 20, 40 minutes
# A sender that died leaves its batch to the next one after the lease, which outlasts a batch
# of slow servers (settings.EMAIL_TIMEOUT a message).
EMAIL_LEASE = dt.timedelta(minutes=30)
EMAIL_BATCH = 50
CHUNK = 500


def _offices(occasions: Sequence[Occasion]) -> dict[int, int]:
    """The county office of each county whose office an occasion names."""
    counties = {o.county_id for o in occasions if o.county_office and o.county_id is not None}
    if not counties:
        return {}
    offices = Organization.objects.filter(
        kind=OrganizationKind.COUNTY_OFFICE, county_id__in=counties, is_active=True
    )
    return dict(offices.values_list("county_id", "pk"))


def _organizations(occasion: Occasion, offices: dict[int, int]) -> tuple[int, ...]:
    office = offices.get(occasion.county_id or 0) if occasion.county_office else None
    return tuple(pk for pk in (*occasion.organizations, office) if pk)


def _recipients(occasions: Sequence[Occasion]) -> tuple[dict[int, User], dict[int, list[int]]]:
    """The active people the occasions name, and each organization's notified people."""
    org_ids = {pk for occasion in occasions for pk in occasion.organizations}
    user_ids = {pk for occasion in occasions for pk in occasion.users}
    if not org_ids and not user_ids:
        return {}, {}
    people = User.objects.filter(is_active=True).filter(
        Q(organization_id__in=org_ids, role__in=NOTIFIED_ROLES) | Q(pk__in=user_ids)
    )
    by_pk = {user.pk: user for user in people.select_related("organization")}
    members: dict[int, list[int]] = defaultdict(list)
    for user in by_pk.values():
        if user.organization_id in org_ids and user.role in NOTIFIED_ROLES:
            members[user.organization_id].append(user.pk)
    return by_pk, members


def _visible(model: type[models.Model], user: User, pks: set[Any]) -> set[Any]:
    manager: Any = model._default_manager
    return set(manager.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))


def notify(kind_key: str, occasions: Iterable[Occasion]) -> Counter[int | None]:
    """Tells the people of each occasion who may see its object — each checked against their
    own data scope, never told twice of the same occasion, and as they chose (a muted kind is
    not written at all unless a legal duty hangs on it). Runs in the caller's transaction, so
    a notification exists exactly when its event does; the email follows after the commit.
    Returns how many were written, per county."""
    kind = KINDS[kind_key]
    occasions = list(occasions)
    written: Counter[int | None] = Counter()
    if not occasions:
        return written
    offices = _offices(occasions)
    occasions = [replace(o, organizations=_organizations(o, offices)) for o in occasions]
    people, members = _recipients(occasions)
    if not people:
        return written
    wanted: dict[tuple[int, int], Occasion] = {}  # (user, occasion index) → occasion
    for index, occasion in enumerate(occasions):
        named = [pk for org in set(occasion.organizations) for pk in members.get(org, ())]
        named += [pk for pk in occasion.users if pk in people]
        for pk in named:
            wanted[(pk, index)] = occasion
    # Who may see what: one query per person and kind of object, whatever the number.
    asked: dict[tuple[int, type[models.Model]], set[Any]] = defaultdict(set)
    for (pk, _index), occasion in wanted.items():
        asked[(pk, type(occasion.obj))].add(occasion.obj.pk)
    seen = {(pk, model): _visible(model, people[pk], pks) for (pk, model), pks in asked.items()}
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=people, kind=kind.key)
    }
    keys = sorted({occasion.key for occasion in occasions})
    told: set[tuple[int, str]] = set()
    for start in range(0, len(keys), CHUNK):
        told.update(
            Notification.objects.filter(kind=kind.key, key__in=keys[start : start + CHUNK])
            .values_list("recipient_id", "key")
            .iterator()
        )
    now = timezone.now()
    rows: dict[tuple[int, str], Notification] = {}
    for (pk, _index), occasion in wanted.items():
        user = people[pk]
        if occasion.obj.pk not in seen[(pk, type(occasion.obj))]:
            continue  # 不得泄漏企业技术和商业秘密: only who may see the object is told of it
        if (pk, occasion.key) in told or (pk, occasion.key) in rows:
            continue
        preference = preferences.get(pk)
        if preference is not None and not preference.in_app and not kind.mandatory:
            continue
        emailed = bool(user.email) and (preference is None or preference.email)
        rows[(pk, occasion.key)] = Notification(
            recipient_id=pk,
            role=user.role,
            county_id=occasion.county_id,
            kind=kind.key,
            key=occasion.key[:120],
            params=occasion.params,
            url=occasion.url[:300],
            created_at=now,
            email_status=EmailStatus.PENDING if emailed else EmailStatus.NONE,
            email_next_at=now if emailed else None,
        )
    Notification.objects.bulk_create(rows.values(), batch_size=CHUNK, ignore_conflicts=True)
    for row in rows.values():
        written[row.county_id] += 1
    if any(row.email_status == EmailStatus.PENDING for row in rows.values()):
        transaction.on_commit(_enqueue_emails)
    return written


def _enqueue_emails() -> None:
    from safeserve.notifications.tasks import send_emails

    try:
        send_emails.enqueue()
    except Exception:  # the hourly job sends them anyway
        logger.exception("could not enqueue the notification emails")


def reminders_run(*, hourly: bool = False, now: dt.datetime | None = None) -> dict[str, int]:
    """Finds what is due now for every kind that reminds (daily, or hourly for those counted
    in hours) and tells its people; each kind in its own transaction. Running it twice tells
    nobody twice. Recorded in each county's audit trail as one event with the counts."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    per_county: dict[int | None, Counter[str]] = defaultdict(Counter)
    for kind in kinds():
        if kind.due is None or kind.hourly != hourly:
            continue
        try:
            with transaction.atomic():
                written = notify(kind.key, kind.due(now))
        except Exception:  # one kind's failure leaves the others to be sent
            logger.exception("reminders of kind %s failed", kind.key)
            counts[kind.key] = -1
            continue
        counts[kind.key] = sum(written.values())
        for county_id, count in written.items():
            per_county[county_id][kind.key] += count
    actor = "run_hourly" if hourly else "run_daily"
    for county_id, kinds_told in per_county.items():
        with transaction.atomic():
            audit_record(
                action="notifications.reminded",
                actor=actor,
                county_id=county_id,
                after={"notifications": dict(sorted(kinds_told.items()))},
            )
    return counts


def notifications_prune(*, now: dt.datetime | None = None) -> int:
    """Deletes notifications older than ``NOTIFICATION_KEEP_DAYS`` (``run_daily``): what they
    told of stays on the records themselves and in the audit trail. An occasion that still
    stands after the keeping period (a hazard overdue for more than a year, a document never
    signed) is reminded once more, on purpose: a year's silence is not what a duty wants."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.NOTIFICATION_KEEP_DAYS)
    deleted, _by_model = Notification.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def notifications_mark_read(*, actor: User, ids: Sequence[int] | None = None) -> int:
    """Marks one's own notifications read (all unread when ``ids`` is None). The row keeps
    when; no audit event, as nothing of the county's business changes and only the recipient
    can do it."""
    unread = Notification.objects.visible_to(actor).unread()
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def preferences_of(user: User) -> list[tuple[Kind, bool, bool]]:
    """Every kind with the person's choice: (kind, in the app, by email)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    result = []
    for kind in kinds():
        preference = saved.get(kind.key)
        in_app = kind.mandatory or preference is None or preference.in_app
        email = preference is None or preference.email
        result.append((kind, in_app, email))
    return result


@transaction.atomic
def preferences_save(*, actor: User, choices: dict[str, tuple[bool, bool]]) -> None:
    """Saves the person's choice per kind: ``{kind: (in_app, email)}``. A kind a legal duty
    hangs on always shows in the app. Audited with the kinds turned off."""
    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        message = _("Unknown kind of notification: %(kinds)s.") % {"kinds": ", ".join(unknown)}
        raise ApplicationError("unknown_kind", message, errors={"kinds": [message]}, status=400)
    before = {kind.key: (in_app, email) for kind, in_app, email in preferences_of(actor)}
    for key, (in_app, email) in choices.items():
        kind = KINDS[key]
        in_app = in_app or kind.mandatory
        email = email and in_app  # an email is of a notification: none without it
        if in_app and email:
            NotificationPreference.objects.filter(user=actor, kind=key).delete()
        else:
            NotificationPreference.objects.update_or_create(
                user=actor, kind=key, defaults={"in_app": in_app, "email": email}
            )
    after = {kind.key: (in_app, email) for kind, in_app, email in preferences_of(actor)}
    if before == after:
        return
    audit_record(
        action="notifications.preferences_changed",
        actor=actor,
        obj=actor,
        before=_off(before),
        after=_off(after),
    )


def _off(choices: dict[str, tuple[bool, bool]]) -> dict[str, list[str]]:
    return {
        "muted": [key for key, (in_app, _email) in choices.items() if not in_app],
        "no_email": [key for key, (_in_app, email) in choices.items() if not email],
    }


def emails_send(*, now: dt.datetime | None = None, limit: int = EMAIL_BATCH) -> tuple[int, int]:
    """Sends the notification emails that are due: claims a batch (so two senders never send
    one twice), sends, records. A failure is retried later, five times in all, then given up;
    the notification in the app is untouched either way. Returns (sent, failed)."""
    now = now or timezone.now()
    with transaction.atomic():
        batch = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(email_status=EmailStatus.PENDING, email_next_at__lte=now)
            .order_by("email_next_at", "pk")[:limit]
        )
        Notification.objects.filter(pk__in=[n.pk for n in batch]).update(
            email_next_at=now + EMAIL_LEASE
        )
    if not batch:
        return 0, 0
    people = User.objects.in_bulk({n.recipient_id for n in batch})
    sent = failed = 0
    connection = get_connection(fail_silently=False)
    for notification in batch:
        user = people.get(notification.recipient_id)
        unreachable = (
            user is None
            or not user.email
            or not user.is_active
            or user.role != notification.role  # written for a scope no longer theirs
        )
        try:
            if unreachable or user is None:
                raise ValueError("no address, or no longer in this role")
            _message(notification, user, connection).send()
        except Exception as exc:  # SMTP, DNS, refused address: all retried the same way
            failed += 1
            attempts = notification.email_attempts + 1
            gave_up = attempts >= EMAIL_ATTEMPTS or unreachable
            Notification.objects.filter(pk=notification.pk).update(
                email_attempts=attempts,
                email_error=f"{type(exc).__name__}: {exc}"[:300],
                email_status=EmailStatus.FAILED if gave_up else EmailStatus.PENDING,
                email_next_at=None if gave_up else now + EMAIL_RETRY * 2 ** (attempts - 1),
            )
            logger.warning("notification email %s failed (attempt %s)", notification.pk, attempts)
        else:
            sent += 1
            Notification.objects.filter(pk=notification.pk).update(
                email_status=EmailStatus.SENT,
                email_attempts=notification.email_attempts + 1,
                email_error="",
                email_next_at=None,
                emailed_at=timezone.now(),
            )
    return sent, failed


def _message(notification: Notification, user: User, connection: Any) -> EmailMessage:
    site = settings.SITE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        subject = notification.subject
        kind = kind_of(notification.kind)
        body = "\n\n".join(
            [
                _("%(name)s, hello:") % {"name": user.full_name or user.username},
                subject,
                _("Open it: %(url)s") % {"url": f"{site}{notification.url}"}
                if notification.url
                else "",
                _(
                    "You receive this because of your role in SafeServe (%(kind)s). Choose "
                    "what you are told at %(url)s."
                )
                % {
                    "kind": kind.label if kind else notification.kind,
                    "url": f"{site}/notifications/preferences/",
                },
            ]
        )
        prefix = _("SafeServe")
    return EmailMessage(
        subject=f"[{prefix}] {subject}"[:250],
        body=body,
        to=[user.email],
        connection=connection,
    )
