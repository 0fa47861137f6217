"""What the audit trail calls notification events and the keys it records."""

from django.utils.translation import gettext_lazy

from safeserve.audit.actions import register_actions, register_keys

register_actions(
    {
        "notifications.reminded": gettext_lazy("Reminders sent"),
        "notifications.preferences_changed": gettext_lazy("Notification preferences changed"),
    }
)
register_keys(
    {
        "notifications": gettext_lazy("Notifications"),
        "muted": gettext_lazy("Not shown"),
        "no_email": gettext_lazy("Not emailed"),
    }
)
